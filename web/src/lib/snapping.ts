// Snapping: a frame moves to the nearest candidate within a threshold. Candidates are named, so a
// track index can never be passed where a time belongs (the reference snapped clips to t = trackIndex).
import type { ClipBox } from "./layout";

export type SnapTargets = { edges: number[]; playheadFrame: number; gridStep: number };
export type SnapResult = { frame: number; snappedTo: "edge" | "playhead" | "grid" | null };

/** Clip edges (starts and ends) of every clip except the ones being moved. */
export function clipEdges(tracks: ClipBox[][], excludeIds: ReadonlySet<string>): number[] {
  const out = new Set<number>([0]);
  for (const t of tracks) for (const c of t) if (!excludeIds.has(c.id)) {
    out.add(c.start);
    out.add(c.end);
  }
  return [...out].sort((a, b) => a - b);
}

/** Snap `frame` to the nearest target within `thresholdFrames`; edges and the playhead beat the grid at equal distance. */
export function snapFrame(frame: number, targets: SnapTargets, thresholdFrames: number): SnapResult {
  let best: SnapResult = { frame, snappedTo: null };
  let bestDist = Infinity;
  const consider = (f: number, kind: SnapResult["snappedTo"]) => {
    const d = Math.abs(f - frame);
    if (d <= thresholdFrames && d < bestDist) {
      best = { frame: f, snappedTo: kind };
      bestDist = d;
    }
  };
  consider(targets.playheadFrame, "playhead");
  for (const e of nearby(targets.edges, frame, thresholdFrames)) consider(e, "edge");
  if (targets.gridStep > 0) {
    const g = Math.round(frame / targets.gridStep) * targets.gridStep;
    if (Math.abs(g - frame) < bestDist) consider(g, "grid");
  }
  return best;
}

/** A clip that moves as a whole snaps by whichever of its edges is closest to a target. */
export function snapClipStart(start: number, length: number, targets: SnapTargets, thresholdFrames: number): SnapResult {
  const a = snapFrame(start, targets, thresholdFrames);
  const b = snapFrame(start + length, targets, thresholdFrames);
  const da = a.snappedTo ? Math.abs(a.frame - start) : Infinity;
  const db = b.snappedTo ? Math.abs(b.frame - (start + length)) : Infinity;
  if (da === Infinity && db === Infinity) return { frame: start, snappedTo: null };
  // Prefer edges/playhead over grid when both edges snap.
  const rank = (r: SnapResult) => (r.snappedTo === "grid" ? 1 : 0);
  if (da !== Infinity && (db === Infinity || rank(a) < rank(b) || (rank(a) === rank(b) && da <= db))) return a;
  return { frame: b.frame - length, snappedTo: b.snappedTo };
}

/** Edges within the threshold, by binary search over the sorted list. */
function nearby(sorted: number[], frame: number, threshold: number): number[] {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid] < frame - threshold) lo = mid + 1;
    else hi = mid;
  }
  const out: number[] = [];
  for (let i = lo; i < sorted.length && sorted[i] <= frame + threshold; i++) out.push(sorted[i]);
  return out;
}

/** Grid step in frames for a zoom: about one line every 60+ pixels, in whole seconds or frames. */
export function gridStepFrames(fps: number, pxPerFrame: number): number {
  const rate = Math.max(1, Math.round(fps));
  const steps = [1, 2, 5, 10, rate / 2, rate, rate * 2, rate * 5, rate * 10, rate * 30, rate * 60, rate * 300];
  for (const s of steps) if (Number.isInteger(s) && s * pxPerFrame >= 60) return s;
  return rate * 600;
}
