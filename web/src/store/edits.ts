// Timeline and inspector commands: each user gesture is one document change (one undo step).
import { api, call } from "../api/client";
import { splitShot, type ShotDoc, type TimelineItem } from "../api/types";
import { applyEdit, deleteClips, insertAfter, markIn, markOut, moveClip, splitOffset, trimIn, trimOut, V2 } from "../lib/edits";
import { clipAt, layoutOf, type TimelineLayout } from "../lib/layout";
import { defaultShot } from "../lib/shots";
import { serverSet, toast, useStudio, type State } from "./store";
import { adoptVersion, flushSave } from "./sync";


/** Add a shot at the end of a track (or after the selected clip on V1). */
export function addShot(track = 0, init: Partial<ShotDoc> = {}): string | null {
  const s = useStudio.getState();
  if (!s.meta) return null;
  const shot = { ...defaultShot(s.meta, Object.keys(s.shots).length, track), ...init, track_index: track };
  const after = track === 0 && s.selectedId && s.shots[s.selectedId]?.track_index === 0 ? s.shots[s.selectedId] : null;
  const { edit, v1Order } = insertAfter(s.shots, after, shot);
  if (track !== 0 && init.start_frame !== undefined) edit.put[shot.id] = { ...edit.put[shot.id], start_frame: init.start_frame };
  useStudio.setState({ shots: applyEdit(s.shots, edit, v1Order), selectedId: shot.id });
  return shot.id;
}

/** Change client-owned fields of one shot (the inspector). */
export function updateShot(id: string, fields: Partial<ShotDoc>): void {
  const s = useStudio.getState();
  const shot = s.shots[id];
  if (!shot) return;
  const next = { ...shot, ...fields, id };
  // Trims must leave at least one frame, whatever the frame count becomes.
  next.trim_in = Math.max(0, Math.min(next.trim_in, next.num_frames - 1));
  next.trim_out = Math.max(0, Math.min(next.trim_out, next.num_frames - next.trim_in - 1));
  useStudio.setState({ shots: applyEdit(s.shots, { put: { [id]: next }, remove: [] }) });
}

export function commitTrim(id: string, edge: "in" | "out", delta: number): void {
  const s = useStudio.getState();
  const shot = s.shots[id];
  if (!shot || delta === 0 || s.locked[shot.track_index]) return;
  const next = edge === "in" ? trimIn(shot, delta) : trimOut(shot, delta);
  useStudio.setState({ shots: applyEdit(s.shots, { put: { [id]: next }, remove: [] }) });
}

export function commitMove(id: string, track: number, start: number): void {
  const s = useStudio.getState();
  const shot = s.shots[id];
  if (!shot || s.locked[shot.track_index] || s.locked[track]) return;
  const { edit, v1Order } = moveClip(s.shots, id, track, start);
  const shots = applyEdit(s.shots, edit, v1Order);
  useStudio.setState({ shots });
  tellV2Push(s.shots, shots, id, start);
}

/** V2's insert rule moved clips: say so (the rule is also named in the timeline toolbar). */
export function tellV2Push(before: State["shots"], after: State["shots"], placed: string, requested?: number): void {
  let pushed = 0;
  for (const [sid, sh] of Object.entries(after)) {
    if (sid !== placed && sh.track_index === V2 && before[sid] && before[sid].start_frame !== sh.start_frame) pushed++;
  }
  const landed = after[placed];
  const shifted = landed?.track_index === V2 && requested !== undefined && landed.start_frame !== Math.max(0, Math.round(requested));
  if (pushed) toast("info", `V2 insert: ${pushed} clip${pushed > 1 ? "s" : ""} after it moved right to make room`, 3500);
  else if (shifted) toast("info", "V2 insert: it went in after the clip it landed on (V2 never overlaps)", 3500);
}

/** Delete the selected clip; `ripple` closes the gap on V2/A1 too (V1 always closes: magnetic). */
export function deleteSelected(ripple: boolean): void {
  const s = useStudio.getState();
  const id = s.selectedId;
  if (!id || !s.shots[id]) return;
  if (s.locked[s.shots[id].track_index]) {
    toast("info", "That track is locked");
    return;
  }
  // No question asked: the clip's media stays in the library, and undo brings the clip back with
  // its take (the save sends media_asset_id, the server re-attaches it).
  useStudio.setState({ shots: applyEdit(s.shots, deleteClips(s.shots, [id], ripple)), selectedId: null });
  toast("info", s.takes[id]?.video_url ? "Clip deleted — Cmd/Ctrl+Z brings it back with its take" : "Clip deleted — Cmd/Ctrl+Z brings it back");
}

/** The clip under the playhead: the selected one if it is there, else the topmost video clip, else audio. */
export function clipUnderPlayhead(s: State): { id: string; layout: TimelineLayout } | null {
  const layout = layoutOf(s.shots);
  const sel = s.selectedId ? layout.clips.get(s.selectedId) : null;
  if (sel && sel.start <= s.frame && s.frame < sel.end) return { id: sel.id, layout };
  for (const t of [1, 0, 2]) {
    const c = clipAt(layout.tracks[t], s.frame);
    if (c) return { id: c.id, layout };
  }
  return null;
}

/** I / O: mark in/out at the playhead, relative to the clip under it. */
export function markAtPlayhead(which: "in" | "out"): void {
  const s = useStudio.getState();
  const hit = clipUnderPlayhead(s);
  if (!hit) return;
  const box = hit.layout.clips.get(hit.id)!;
  const shot = s.shots[hit.id];
  const next = which === "in" ? markIn(shot, box, s.frame) : markOut(shot, box, s.frame);
  if (!next) return;
  useStudio.setState({ shots: applyEdit(s.shots, { put: { [shot.id]: next }, remove: [] }), selectedId: shot.id });
  // After a mark in, the playhead stays on the same picture: the clip's new first frame.
  if (which === "in") serverSet({ frame: layoutOf(useStudio.getState().shots).clips.get(shot.id)!.start });
}

/**
 * Split at the playhead through the server (both halves keep the take). The result is one undo
 * step: undo restores the trim and removes the new half, and autosave tells the server so.
 */
export async function splitAtPlayhead(): Promise<void> {
  const s0 = useStudio.getState();
  const hit = clipUnderPlayhead(s0);
  const box = hit ? hit.layout.clips.get(hit.id)! : null;
  const offset = splitOffset(box, s0.frame);
  if (!hit || offset === null) {
    toast("info", "Put the playhead inside a clip to split it");
    return;
  }
  await flushSave();
  const s = useStudio.getState();
  const r = await call(api.POST("/shots/{shot_id}/split", { params: { path: { shot_id: hit.id } }, body: { split_frame: offset, base_version: s.version || undefined } })).catch((e) => {
    toast("error", `Split failed: ${(e as Error).message}`);
    return null;
  });
  if (!r) return;
  const a = splitShot(r.original_shot);
  const b = splitShot(r.new_shot);
  const cur = useStudio.getState();
  // The server has both halves: the base says so, and the takes come with them.
  serverSet({
    base: cur.base ? { ...cur.base, shots: { ...cur.base.shots, [a.doc.id]: a.doc, [b.doc.id]: b.doc } } : cur.base,
    takes: { ...cur.takes, [a.doc.id]: a.take, [b.doc.id]: b.take },
  });
  // The edit itself is the user's: one undo step.
  useStudio.setState({ shots: applyEdit(cur.shots, { put: { [a.doc.id]: a.doc, [b.doc.id]: b.doc }, remove: [] }), selectedId: b.doc.id });
  await adoptVersion(s.version, r.project_version);
}

export function addConditioning(shotId: string, item: TimelineItem): void {
  const shot = useStudio.getState().shots[shotId];
  if (!shot) return;
  updateShot(shotId, { timeline: [...shot.timeline, item] });
}

export function updateConditioning(shotId: string, i: number, fields: Partial<TimelineItem>): void {
  const shot = useStudio.getState().shots[shotId];
  if (!shot) return;
  updateShot(shotId, { timeline: shot.timeline.map((t, j) => (j === i ? { ...t, ...fields } : t)) });
}

export function removeConditioning(shotId: string, i: number): void {
  const shot = useStudio.getState().shots[shotId];
  if (!shot) return;
  updateShot(shotId, { timeline: shot.timeline.filter((_, j) => j !== i) });
}
