import { describe, expect, it } from "vitest";
import { applyEdit, insertOnV2, moveClip } from "./edits";
import { map, mk } from "./fixtures";

const v2 = (id: string, start: number, frames: number) => mk(id, { track_index: 1, start_frame: start, num_frames: frames });

describe("V2: insert and push", () => {
  it("a clip moved onto later clips pushes them right, in a chain", () => {
    const shots = map(v2("a", 0, 10), v2("b", 30, 10), v2("c", 40, 10));
    const { edit } = moveClip(shots, "a", 1, 25);
    const out = applyEdit(shots, edit);
    expect([out.a.start_frame, out.b.start_frame, out.c.start_frame]).toEqual([25, 35, 45]);
  });
  it("a clip dropped inside another goes in after it, and nothing overlaps", () => {
    const shots = map(v2("a", 0, 20), v2("b", 20, 10), v2("n", 0, 5));
    const out = { ...shots, ...insertOnV2(shots, ["n"]) };
    // n landed inside a (0..20) at 0 — a tie at a's start: the placed clip goes first and a is pushed.
    expect([out.n.start_frame, out.a.start_frame, out.b.start_frame]).toEqual([0, 5, 25]);
    const mid = map(v2("a", 0, 20), v2("n", 8, 5));
    expect({ ...mid, ...insertOnV2(mid, ["n"]) }.n.start_frame).toBe(20);
  });
  it("leaves V1, A1 and non-overlapping V2 clips alone", () => {
    const shots = map(v2("a", 0, 10), v2("b", 50, 10), mk("m", { track_index: 2, start_frame: 0, num_frames: 100 }));
    expect(insertOnV2(shots, ["a"])).toEqual({});
    const { edit } = moveClip(shots, "m", 2, 5);
    expect(applyEdit(shots, edit).b.start_frame).toBe(50);
  });
});
