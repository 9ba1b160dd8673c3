import { describe, expect, it } from "vitest";
import { map, mk } from "./fixtures";
import { clipAt, clipsInRange, computeLayout, packV1, reorderV1, visibleLength } from "./layout";

describe("layout", () => {
  it("packs V1 end to end in start order, whatever start_frame says", () => {
    const l = computeLayout(map(mk("b", { start_frame: 500, num_frames: 49 }), mk("a", { start_frame: 3, trim_in: 10, trim_out: 11 })));
    expect(l.tracks[0].map((c) => [c.id, c.start, c.length])).toEqual([["a", 0, 100], ["b", 100, 49]]);
    expect(l.duration).toBe(149);
  });
  it("places V2 and A1 at their start frames", () => {
    const l = computeLayout(map(mk("v", { track_index: 1, start_frame: 48, num_frames: 25 }), mk("m", { track_index: 2, start_frame: 10, num_frames: 300 })));
    expect(l.clips.get("v")).toMatchObject({ track: 1, start: 48, end: 73 });
    expect(l.clips.get("m")).toMatchObject({ track: 2, start: 10, end: 310 });
    expect(l.duration).toBe(310);
  });
  it("never makes a clip shorter than one frame", () => {
    expect(visibleLength({ num_frames: 121, trim_in: 0, trim_out: 121 })).toBe(1);
  });
  it("finds the clip under a frame (start inclusive, end exclusive)", () => {
    const l = computeLayout(map(mk("a", { num_frames: 10 }), mk("b", { start_frame: 1, num_frames: 10 })));
    expect(clipAt(l.tracks[0], 0)?.id).toBe("a");
    expect(clipAt(l.tracks[0], 9)?.id).toBe("a");
    expect(clipAt(l.tracks[0], 10)?.id).toBe("b");
    expect(clipAt(l.tracks[0], 20)).toBeNull();
    expect(clipAt(l.tracks[1], 0)).toBeNull();
  });
  it("lists only clips in a visible range", () => {
    const shots = map(...Array.from({ length: 100 }, (_, i) => mk(`s${i}`, { start_frame: i, num_frames: 10 })));
    const l = computeLayout(shots);
    expect(clipsInRange(l.tracks[0], 95, 125).map((c) => c.id)).toEqual(["s9", "s10", "s11", "s12"]);
  });
  it("packV1 returns only the shots whose start changes", () => {
    const shots = map(mk("a", { start_frame: 0, num_frames: 10 }), mk("b", { start_frame: 10, num_frames: 10 }), mk("c", { start_frame: 50, num_frames: 10 }));
    expect(packV1(shots)).toEqual({ c: { ...shots.c, start_frame: 20 } });
    expect(packV1(shots, ["c", "a", "b"])).toEqual({ c: { ...shots.c, start_frame: 0 }, a: { ...shots.a, start_frame: 10 }, b: { ...shots.b, start_frame: 20 } });
  });
  it("reorders V1 by the dragged clip's centre, using V1 ids only", () => {
    const shots = map(mk("a", { start_frame: 0, num_frames: 10 }), mk("o", { track_index: 1, start_frame: 0 }), mk("b", { start_frame: 10, num_frames: 10 }), mk("c", { start_frame: 20, num_frames: 10 }));
    expect(reorderV1(shots, "a", 26)).toEqual(["b", "c", "a"]);
    expect(reorderV1(shots, "c", 2)).toEqual(["c", "a", "b"]);
  });
});
