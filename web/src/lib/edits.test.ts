import { describe, expect, it } from "vitest";
import { applyEdit, deleteClips, insertAfter, markIn, markOut, moveClip, placeClips, splitOffset, trimIn, trimOut } from "./edits";
import { snapFrames } from "./engines";
import { computeLayout } from "./layout";
import { map, mk } from "./fixtures";

describe("edits", () => {
  it("trims in and out by whole frames and always leaves one frame", () => {
    const s = mk("a", { num_frames: 25 });
    expect(trimIn(s, 4.4)).toMatchObject({ trim_in: 4 });
    expect(trimIn(s, 100)).toMatchObject({ trim_in: 24 });
    expect(trimIn(s, -5)).toMatchObject({ trim_in: 0 });
    expect(trimOut(s, -8)).toMatchObject({ trim_out: 8 });
    expect(trimOut({ ...s, trim_out: 8 }, 3)).toMatchObject({ trim_out: 5 });
    expect(trimOut(s, -100)).toMatchObject({ trim_out: 24 });
  });
  it("keeps the out point in place when trimming in on a free track", () => {
    const s = mk("v", { track_index: 1, start_frame: 100, num_frames: 50 });
    expect(trimIn(s, 10)).toMatchObject({ trim_in: 10, start_frame: 110 });
  });
  it("I and O are relative to the clip under the playhead, not the absolute playhead", () => {
    const shots = map(mk("a", { num_frames: 100 }), mk("b", { start_frame: 100, num_frames: 100 }));
    const box = computeLayout(shots).clips.get("b")!;
    expect(markIn(shots.b, box, 130)).toMatchObject({ trim_in: 30 });
    expect(markOut(shots.b, box, 159)).toMatchObject({ trim_out: 40 });
    expect(markIn(shots.b, box, 100)).toBeNull(); // already the first frame
    expect(markOut(shots.b, box, 199)).toBeNull(); // already the last frame
  });
  it("splits only strictly inside a clip", () => {
    const box = { id: "a", track: 0, start: 10, length: 20, end: 30 };
    expect(splitOffset(box, 10)).toBeNull();
    expect(splitOffset(box, 11)).toBe(1);
    expect(splitOffset(box, 29)).toBe(19);
    expect(splitOffset(box, 30)).toBeNull();
  });
  it("deleting on V1 closes the gap; ripple delete closes it on V2 too", () => {
    const shots = map(mk("a", { num_frames: 10 }), mk("b", { start_frame: 10, num_frames: 10 }), mk("c", { start_frame: 20, num_frames: 10 }),
      mk("x", { track_index: 1, start_frame: 0, num_frames: 10 }), mk("y", { track_index: 1, start_frame: 30, num_frames: 10 }));
    const afterV1 = applyEdit(shots, deleteClips(shots, ["b"], false));
    expect(afterV1.c.start_frame).toBe(10);
    expect(afterV1.b).toBeUndefined();
    const lift = applyEdit(shots, deleteClips(shots, ["x"], false));
    expect(lift.y.start_frame).toBe(30);
    const ripple = applyEdit(shots, deleteClips(shots, ["x"], true));
    expect(ripple.y.start_frame).toBe(20);
  });
  it("moving onto V1 inserts by centre and repacks; V2 keeps the frame", () => {
    const shots = map(mk("a", { num_frames: 10 }), mk("b", { start_frame: 10, num_frames: 10 }), mk("v", { track_index: 1, start_frame: 3, num_frames: 10 }));
    const { edit, v1Order } = moveClip(shots, "v", 0, 8);
    const next = applyEdit(shots, edit, v1Order);
    expect(v1Order).toEqual(["a", "v", "b"]);
    expect([next.a.start_frame, next.v.start_frame, next.b.start_frame]).toEqual([0, 10, 20]);
    const back = moveClip(next, "v", 1, 55.4);
    expect(applyEdit(next, back.edit, back.v1Order).v).toMatchObject({ track_index: 1, start_frame: 55 });
  });
  it("inserting after a V1 clip pushes the rest along", () => {
    const shots = map(mk("a", { num_frames: 10 }), mk("b", { start_frame: 10, num_frames: 10 }));
    const { edit, v1Order } = insertAfter(shots, shots.a, mk("n", { num_frames: 5 }));
    const next = applyEdit(shots, edit, v1Order);
    expect([next.a.start_frame, next.n.start_frame, next.b.start_frame]).toEqual([0, 10, 15]);
  });
  it("shows the 8k+1 frame grid the server snaps to", () => {
    expect([1, 9, 30, 33, 100, 121].map((n) => snapFrames(n))).toEqual([1, 9, 33, 33, 97, 121]);
  });
  it("places dropped clips on V1 at the boundary nearest the drop, together, and on V2 from the drop frame", () => {
    const shots = map(mk("a", { num_frames: 100 }), mk("b", { start_frame: 100, num_frames: 100 }));
    const added = [mk("n", { num_frames: 40 }), mk("m", { num_frames: 20 })];
    const v1 = placeClips(shots, added, 0, 120); // past a's centre (50), before b's (150)
    const next = applyEdit(shots, v1.edit, v1.v1Order);
    expect(["a", "n", "m", "b"].map((id) => next[id].start_frame)).toEqual([0, 100, 140, 160]);
    const v2 = placeClips(shots, added, 1, 30);
    const over = applyEdit(shots, v2.edit, v2.v1Order);
    expect([over.n.start_frame, over.m.start_frame, over.n.track_index, over.b.start_frame]).toEqual([30, 70, 1, 100]);
  });
});
