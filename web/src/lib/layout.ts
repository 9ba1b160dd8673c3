// Timeline layout: where every clip sits, in integer frames. Pure, cached by the callers.
import type { ShotDoc } from "../api/types";

export type ClipBox = { id: string; track: number; start: number; length: number; end: number };
export type TimelineLayout = {
  clips: Map<string, ClipBox>;
  /** Per track, clips sorted by start (V1 packed in order). */
  tracks: ClipBox[][];
  /** Frame where the last clip on any track ends (the timeline end). */
  duration: number;
};

export const TRACK_COUNT = 3;

/** Frames a shot shows after its trims (at least 1). */
export function visibleLength(s: Pick<ShotDoc, "num_frames" | "trim_in" | "trim_out">): number {
  return Math.max(1, s.num_frames - s.trim_in - s.trim_out);
}

/** V1 order: by start_frame, ties by scene index then id (stable across clients). */
export function byTimelineOrder(a: ShotDoc, b: ShotDoc): number {
  return a.start_frame - b.start_frame || a.index - b.index || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

export function computeLayout(shots: Record<string, ShotDoc>): TimelineLayout {
  const tracks: ClipBox[][] = Array.from({ length: TRACK_COUNT }, () => []);
  const clips = new Map<string, ClipBox>();
  const byTrack: ShotDoc[][] = Array.from({ length: TRACK_COUNT }, () => []);
  for (const s of Object.values(shots)) byTrack[Math.min(Math.max(s.track_index, 0), TRACK_COUNT - 1)].push(s);
  let duration = 0;
  byTrack.forEach((list, track) => {
    list.sort(byTimelineOrder);
    let cursor = 0;
    for (const s of list) {
      const length = visibleLength(s);
      // V1 is magnetic: whatever start_frame says, clips butt together in order from 0.
      const start = track === 0 ? cursor : s.start_frame;
      const box = { id: s.id, track, start, length, end: start + length };
      cursor = box.end;
      tracks[track].push(box);
      clips.set(s.id, box);
      duration = Math.max(duration, box.end);
    }
  });
  return { clips, tracks, duration };
}

/** The clip on a track that shows `frame` (start ≤ frame < end), by binary search; the last one wins on overlap. */
export function clipAt(track: ClipBox[], frame: number): ClipBox | null {
  let lo = 0;
  let hi = track.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (track[mid].start <= frame) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  // Free tracks may overlap: walk back to a clip that still covers the frame.
  for (let i = found; i >= 0 && i > found - 8; i--) if (track[i].end > frame) return track[i];
  return null;
}

/** The clip that starts after the one at `frame` on a track (to preload it). */
export function nextClip(track: ClipBox[], frame: number): ClipBox | null {
  for (const c of track) if (c.start > frame) return c;
  return null;
}

/** Clips that intersect [from, to) on a track (what the visible part of the timeline draws). */
export function clipsInRange(track: ClipBox[], from: number, to: number): ClipBox[] {
  // Starts are sorted; ends are not on free tracks, so scan from the first clip that could reach `from`.
  const out: ClipBox[] = [];
  for (const c of track) {
    if (c.start >= to) break;
    if (c.end > from) out.push(c);
  }
  return out;
}

/** Rewrite start_frame of every V1 shot so V1 is packed in its current order. Returns only the changed shots. */
export function packV1(shots: Record<string, ShotDoc>, order?: string[]): Record<string, ShotDoc> {
  const v1 = order ? order.map((id) => shots[id]).filter(Boolean) : Object.values(shots).filter((s) => s.track_index === 0).sort(byTimelineOrder);
  const changed: Record<string, ShotDoc> = {};
  let cursor = 0;
  for (const s of v1) {
    if (s.start_frame !== cursor) changed[s.id] = { ...s, start_frame: cursor };
    cursor += visibleLength(s);
  }
  return changed;
}

/** V1 order after dropping `id` so its centre lands at `centreFrame` (the reference's rule, on V1 ids only). */
export function reorderV1(shots: Record<string, ShotDoc>, id: string, centreFrame: number): string[] {
  const layout = computeLayout(shots);
  const others = layout.tracks[0].filter((c) => c.id !== id);
  let at = 0;
  for (const c of others) if (c.start + c.length / 2 < centreFrame) at++;
  const order = others.map((c) => c.id);
  order.splice(at, 0, id);
  return order;
}

let cached: { shots: Record<string, ShotDoc>; layout: TimelineLayout } | null = null;
/** The layout, recomputed only when the shots change (shared by the timeline, player and keys). */
export function layoutOf(shots: Record<string, ShotDoc>): TimelineLayout {
  if (!cached || cached.shots !== shots) cached = { shots, layout: computeLayout(shots) };
  return cached.layout;
}
