// Takes: a shot shows the media asset its `media_asset_id` names (an upload or an earlier take).
// The user picks it here (drop onto a track, "Use as take"; undoable, autosaved); what the server
// decides (a finished job, a deleted asset) is applied everywhere by ./adopt.ts.
import type { AssetPublic, ShotDoc } from "../api/types";
import { applyEdit, placeClips } from "../lib/edits";
import { reconcileTakes, shotFieldsForAsset, trackForAsset } from "../lib/takes";
import { serverSet, toast, useStudio } from "./store";
import { defaultShot } from "../lib/shots";
import { updateShot } from "./edits";

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
    const shot = { ...defaultShot(s.meta, Object.keys(s.shots).length, track), ...shotFieldsForAsset(a, fps), track_index: track, index: Object.keys(s.shots).length + ids.length };
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
  toast("info", `The clip shows ${s.takeLabels[asset.id] ?? asset.filename} — Cmd/Ctrl+Z goes back`, 3000);
}
