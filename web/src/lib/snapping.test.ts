import { describe, expect, it } from "vitest";
import { computeLayout } from "./layout";
import { clipEdges, gridStepFrames, snapClipStart, snapFrame } from "./snapping";
import { map, mk } from "./fixtures";

describe("snapping", () => {
  const layout = computeLayout(map(mk("a", { num_frames: 48 }), mk("b", { start_frame: 48, num_frames: 48 }), mk("v", { track_index: 1, start_frame: 100, num_frames: 20 })));

  it("collects edges of every clip but the moving one", () => {
    expect(clipEdges(layout.tracks, new Set(["v"]))).toEqual([0, 48, 96]);
    expect(clipEdges(layout.tracks, new Set(["a"]))).toEqual([0, 48, 96, 100, 120]);
  });
  it("snaps to the playhead frame, not to a track index (the reference's bug)", () => {
    const targets = { edges: [0], playheadFrame: 200, gridStep: 0 };
    expect(snapFrame(203, targets, 5)).toEqual({ frame: 200, snappedTo: "playhead" });
    // A clip on track 2 near frame 2 must not jump to t = 2.
    expect(snapFrame(9, { edges: [], playheadFrame: 200, gridStep: 0 }, 5)).toEqual({ frame: 9, snappedTo: null });
  });
  it("prefers the nearest target within the threshold", () => {
    const targets = { edges: [0, 48, 96], playheadFrame: 50, gridStep: 24 };
    expect(snapFrame(47, targets, 3).frame).toBe(48);
    expect(snapFrame(51, targets, 3)).toEqual({ frame: 50, snappedTo: "playhead" });
    expect(snapFrame(70, targets, 3)).toEqual({ frame: 72, snappedTo: "grid" });
    expect(snapFrame(60, targets, 3)).toEqual({ frame: 60, snappedTo: null });
  });
  it("edges beat the grid at the same distance", () => {
    expect(snapFrame(47, { edges: [48], playheadFrame: -100, gridStep: 46 }, 3)).toEqual({ frame: 48, snappedTo: "edge" });
  });
  it("snaps a moving clip by its nearer edge", () => {
    const targets = { edges: [0, 96], playheadFrame: -1000, gridStep: 0 };
    expect(snapClipStart(3, 20, targets, 4)).toEqual({ frame: 0, snappedTo: "edge" });
    expect(snapClipStart(74, 20, targets, 4)).toEqual({ frame: 76, snappedTo: "edge" });
  });
  it("picks a readable grid step for the zoom", () => {
    expect(gridStepFrames(24, 4)).toBe(24);
    expect(gridStepFrames(24, 0.5)).toBe(120);
    expect(gridStepFrames(24, 32)).toBe(2);
  });
});
