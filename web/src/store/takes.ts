// Takes: a shot shows the media asset its `media_asset_id` names (an upload or an earlier take).
// The user picks it (drop onto a track, "Use as take"; undoable, autosaved); a finished job sets
// it on the server, and then every stored copy of the document follows, so undo never reverts a
// result and a clip brought back by undo comes back with its take.
import type { AssetPublic, ShotDoc, ShotTake } from "../api/types";
import { applyEdit, placeClips } from "../lib/edits";
import { clearedTake, reconcileTakes, shotFieldsForAsset, trackForAsset, withMedia, withoutAsset, type MediaChange, type ShotMap } from "../lib/takes";
import { history, serverSet, toast, useStudio, type State } from "./store";
import { defaultShot, updateShot } from "./edits";

type Stored = { meta: State["meta"]; shots: ShotMap };

/** Change the shots of every undo and redo state (a server decision the history must not undo). */
function rewriteHistory(change: (shots: ShotMap) => ShotMap): void {
  const t = history();
  const map = (st: Partial<Stored>) => {
    if (!st.shots) return st;
    const shots = change(st.shots);
    return shots === st.shots ? st : { ...st, shots };
  };
  useStudio.temporal.setState({ pastStates: t.pastStates.map(map) as typeof t.pastStates, futureStates: t.futureStates.map(map) as typeof t.futureStates });
}

/** Apply a server-side document change to the document, its base and its history, with the takes that go with it. */
function everywhere(change: (shots: ShotMap) => ShotMap, takes?: (cur: State) => Record<string, ShotTake>): void {
  const s = useStudio.getState();
  const shots = change(s.shots);
  const base = s.base ? { ...s.base, shots: change(s.base.shots) } : s.base;
  serverSet({ shots, base, ...(takes ? { takes: takes(s) } : {}) });
  rewriteHistory(change);
}

/** The server set these shots' takes (a job finished, or a reload says so): adopt them everywhere. */
export function adoptMedia(change: MediaChange, takes?: Record<string, ShotTake>): void {
  if (!Object.keys(change).length) {
    if (takes) serverSet({ takes });
    return;
  }
  everywhere((shots) => withMedia(shots, change), takes ? () => takes : undefined);
}

/** An asset is gone (deleted here, or the server says it does not have it): nothing shows or uses it any more. */
export function forgetAsset(assetId: string): void {
  everywhere((shots) => withoutAsset(shots, assetId), (s) => {
    let takes = s.takes;
    for (const [id, t] of Object.entries(s.takes)) {
      if (t?.media_asset_id !== assetId) continue;
      if (takes === s.takes) takes = { ...s.takes };
      takes[id] = clearedTake(t);
    }
    return takes;
  });
}

/**
 * Keep takes in step with the document: when a shot's `media_asset_id` changes (an edit, an undo,
 * a redo, a merge) or the asset it names reaches the library, the clip shows that media at once.
 */
export function startTakeSync(): () => void {
  return useStudio.subscribe((s, prev) => {
    if (s.shots === prev.shots && s.assets === prev.assets) return;
    const ids: string[] = [];
    if (s.shots !== prev.shots) {
      for (const [id, shot] of Object.entries(s.shots)) {
        const before = prev.shots[id];
        if (before !== shot && (!before || (before.media_asset_id ?? null) !== (shot.media_asset_id ?? null))) ids.push(id);
      }
    }
    if (s.assets !== prev.assets) {
      const known = new Set(prev.assets.map((a) => a.id));
      for (const shot of Object.values(s.shots)) if (shot.media_asset_id && !known.has(shot.media_asset_id)) ids.push(shot.id);
    }
    if (!ids.length) return;
    const takes = reconcileTakes(s.shots, s.takes, s.assets, ids);
    if (takes !== s.takes) serverSet({ takes });
  });
}

/**
 * Library media dropped on a track at a frame: one new clip per asset showing it (its real length;
 * a still lasts STILL_SECONDS), one after another. One undo step; autosave sends the takes.
 */
export function placeAssets(assets: AssetPublic[], droppedOn: number, frame: number): string[] {
  const s = useStudio.getState();
  if (!s.meta || !assets.length) return [];
  const fps = s.meta.fps;
  const ids: string[] = [];
  let shots = s.shots;
  // Consecutive assets for the same track are placed together; a mixed drop (video + audio) splits by track.
  const groups = new Map<number, ShotDoc[]>();
  for (const a of assets) {
    const track = trackForAsset(a, droppedOn);
    if (s.locked[track]) {
      toast("info", `${a.filename}: that track is locked`);
      continue;
    }
    const shot = { ...defaultShot(s, track), ...shotFieldsForAsset(a, fps), track_index: track, index: Object.keys(s.shots).length + ids.length };
    groups.set(track, [...(groups.get(track) ?? []), shot]);
    ids.push(shot.id);
  }
  for (const [track, added] of groups) {
    const { edit, v1Order } = placeClips(shots, added, track, frame);
    shots = applyEdit(shots, edit, v1Order);
  }
  if (!ids.length) return [];
  useStudio.setState({ shots, selectedId: ids[ids.length - 1] });
  return ids;
}

/** The selected shot shows this asset from now on (its length follows a video's or a sound's). Undoable. */
export function useAsTake(shotId: string, asset: AssetPublic): void {
  const s = useStudio.getState();
  const shot = s.shots[shotId];
  if (!shot || !s.meta) return;
  const { media_asset_id, num_frames = shot.num_frames } = shotFieldsForAsset(asset, s.meta.fps);
  // A still fits any length; other media set it. Trims stay only when the length does.
  if (asset.media_type === "image" || num_frames === shot.num_frames) updateShot(shotId, { media_asset_id });
  else updateShot(shotId, { media_asset_id, num_frames, trim_in: 0, trim_out: 0 });
  toast("info", `The clip shows ${asset.filename} — Cmd/Ctrl+Z goes back`, 3000);
}
