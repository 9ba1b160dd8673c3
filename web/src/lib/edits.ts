// Timeline edits as pure functions over the shot map. Each returns the shots that change (and
// which are removed), so one user gesture is one store update and one undo step.
import type { ShotDoc } from "../api/types";
import { computeLayout, packV1, visibleLength, type ClipBox } from "./layout";

export type ShotMap = Record<string, ShotDoc>;
export type Edit = { put: ShotMap; remove: string[] };

export const noEdit: Edit = { put: {}, remove: [] };

/** The overlay track, where clips never overlap (see `insertOnV2`). */
export const V2 = 1;

/** Apply an edit, keep V1 packed (the app owns V1 start frames) and V2 free of overlaps. */
export function applyEdit(shots: ShotMap, edit: Edit, v1Order?: string[]): ShotMap {
  if (!Object.keys(edit.put).length && !edit.remove.length) return shots;
  const next = { ...shots, ...edit.put };
  for (const id of edit.remove) delete next[id];
  const placed = Object.keys(edit.put).filter((id) => next[id]?.track_index === V2);
  const v2 = placed.length ? insertOnV2(next, placed) : {};
  return { ...next, ...v2, ...packV1(next, v1Order) };
}

/**
 * The NLE "insert and push" rule for V2: the clips just placed, moved or lengthened keep their
 * place, except that one landing inside an earlier clip starts at that clip's end (the insert
 * point is a clip boundary); every later clip that would overlap is pushed right, one after
 * another, so nothing on V2 is ever covered. Returns the clips whose start changes.
 */
export function insertOnV2(shots: ShotMap, placedIds: string[]): ShotMap {
  const placed = new Set(placedIds);
  const span = (s: ShotDoc) => visibleLength(s);
  const clips = Object.values(shots).filter((s) => s.track_index === V2);
  const fixed = clips.filter((s) => !placed.has(s.id));
  const out: ShotMap = {};
  const start = new Map(clips.map((s) => [s.id, s.start_frame]));
  // An inserted clip that starts inside a clip already there goes in after it.
  for (const id of placedIds) {
    const s = shots[id];
    if (!s || s.track_index !== V2) continue;
    const host = fixed.find((f) => f.start_frame < s.start_frame && s.start_frame < f.start_frame + span(f));
    if (host) start.set(id, host.start_frame + span(host));
  }
  // Then walk in start order (placed clips first on a tie) pushing whatever overlaps the clip before it.
  const order = clips.slice().sort((a, b) => start.get(a.id)! - start.get(b.id)! || Number(placed.has(b.id)) - Number(placed.has(a.id)));
  let end = 0;
  for (const s of order) {
    const at = Math.max(start.get(s.id)!, end);
    if (at !== s.start_frame) out[s.id] = { ...s, start_frame: at };
    end = at + span(s);
  }
  return out;
}

/** Move the in point by `delta` frames (drag of the left handle). The out point stays where it is. */
export function trimIn(shot: ShotDoc, delta: number): ShotDoc {
  const trim_in = clamp(shot.trim_in + Math.round(delta), 0, shot.num_frames - shot.trim_out - 1);
  const moved = trim_in - shot.trim_in;
  return { ...shot, trim_in, start_frame: shot.track_index === 0 ? shot.start_frame : Math.max(0, shot.start_frame + moved) };
}

/** Move the out point by `delta` frames (drag of the right handle; positive = longer). */
export function trimOut(shot: ShotDoc, delta: number): ShotDoc {
  return { ...shot, trim_out: clamp(shot.trim_out - Math.round(delta), 0, shot.num_frames - shot.trim_in - 1) };
}

/** I: the clip under the playhead starts at the playhead (frame relative to that clip, not the timeline). */
export function markIn(shot: ShotDoc, box: ClipBox, playhead: number): ShotDoc | null {
  const offset = playhead - box.start;
  if (offset <= 0 || offset >= box.length) return null;
  return trimIn(shot, offset);
}

/** O: the clip under the playhead ends with the frame at the playhead (inclusive). */
export function markOut(shot: ShotDoc, box: ClipBox, playhead: number): ShotDoc | null {
  const offset = playhead - box.start;
  if (offset < 0 || offset >= box.length - 1) return null;
  return trimOut(shot, offset + 1 - box.length);
}

/** Delete clips. On V1 the gap closes by itself (magnetic); `ripple` also closes gaps on V2/A1. */
export function deleteClips(shots: ShotMap, ids: string[], ripple: boolean): Edit {
  const layout = computeLayout(shots);
  const put: ShotMap = {};
  if (ripple) {
    for (const id of ids) {
      const box = layout.clips.get(id);
      if (!box || box.track === 0) continue;
      for (const c of layout.tracks[box.track]) {
        if (c.start >= box.end && !ids.includes(c.id)) {
          const s = put[c.id] ?? shots[c.id];
          put[c.id] = { ...s, start_frame: Math.max(0, s.start_frame - box.length) };
        }
      }
    }
  }
  return { put, remove: ids.filter((id) => id in shots) };
}

/** Move a clip to a track and frame. Onto V1 it is inserted by its centre; on V2/A1 it sits at `start`. */
export function moveClip(shots: ShotMap, id: string, track: number, start: number): { edit: Edit; v1Order?: string[] } {
  const shot = shots[id];
  if (!shot) return { edit: noEdit };
  const moved = { ...shot, track_index: track, start_frame: Math.max(0, Math.round(start)) };
  if (track !== 0) return { edit: { put: { [id]: moved }, remove: [] } };
  const layout = computeLayout(shots);
  const others = layout.tracks[0].filter((c) => c.id !== id);
  const centre = start + visibleLength(shot) / 2;
  let at = 0;
  for (const c of others) if (c.start + c.length / 2 < centre) at++;
  const order = others.map((c) => c.id);
  order.splice(at, 0, id);
  return { edit: { put: { [id]: moved }, remove: [] }, v1Order: order };
}

/** Frame offset inside the clip under the playhead where a split would cut, or null when not strictly inside. */
export function splitOffset(box: ClipBox | null, playhead: number): number | null {
  if (!box) return null;
  const offset = playhead - box.start;
  return offset > 0 && offset < box.length ? offset : null;
}

/** A new shot placed right after `after` on its track, shifting V1 (magnetic) to make room. */
export function insertAfter(shots: ShotMap, after: ShotDoc | null, shot: ShotDoc): { edit: Edit; v1Order?: string[] } {
  const layout = computeLayout(shots);
  const track = shot.track_index;
  const box = after ? layout.clips.get(after.id) : null;
  const start = box ? box.end : layout.tracks[track].reduce((m, c) => Math.max(m, c.end), 0);
  const placed = { ...shot, start_frame: start };
  if (track !== 0) return { edit: { put: { [shot.id]: placed }, remove: [] } };
  const order = layout.tracks[0].map((c) => c.id);
  const at = box ? order.indexOf(box.id) + 1 : order.length;
  order.splice(at, 0, shot.id);
  return { edit: { put: { [shot.id]: placed }, remove: [] }, v1Order: order };
}

/**
 * New clips dropped at `start` on a track, one after another, as one edit. On V1 they are inserted
 * together at the clip boundary nearest the drop point; on V2/A1 they sit from `start` on.
 */
export function placeClips(shots: ShotMap, added: ShotDoc[], track: number, start: number): { edit: Edit; v1Order?: string[] } {
  const put: ShotMap = {};
  let at = Math.max(0, Math.round(start));
  for (const s of added) {
    put[s.id] = { ...s, track_index: track, start_frame: at };
    at += visibleLength(s);
  }
  if (track !== 0 || !added.length) return { edit: { put, remove: [] } };
  const v1 = computeLayout(shots).tracks[0];
  const order = v1.map((c) => c.id);
  let i = 0;
  for (const c of v1) if (c.start + c.length / 2 < start) i++;
  order.splice(i, 0, ...added.map((s) => s.id));
  return { edit: { put, remove: [] }, v1Order: order };
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(Math.max(v, lo), Math.max(lo, hi));
}
