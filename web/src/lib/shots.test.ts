import { describe, expect, it } from "vitest";
import type { ShotTake } from "../api/types";
import { stillFirstBlocked } from "./shots";
import { map, mk } from "./fixtures";

const take = (video_url: string | null): ShotTake =>
  ({ status: "completed", last_job_id: null, video_url, thumbnail_url: null, enhanced_prompt: null, engine: null, actual_frames: null });

describe("stillFirstBlocked mirrors still_first.applies", () => {
  it("applies when nothing conditions frame 0", () => {
    const a = mk("a", { start_frame: 0 }), b = mk("b", { start_frame: 121 });
    expect(stillFirstBlocked(b, map(a, b), { a: take("/v.mp4") })).toBeNull(); // a take before it, but not continuing
    expect(stillFirstBlocked(mk("c", { timeline: [{ url: "/x.jpg", frame_index: 40, strength: 1, type: "image" }] }), {}, {})).toBeNull();
  });
  it("not with an image at frame 0, a single frame, or continuing from a take", () => {
    expect(stillFirstBlocked(mk("a", { timeline: [{ url: "/x.jpg", frame_index: 0, strength: 1, type: "image" }] }), {}, {})).toMatch(/frame 0/);
    expect(stillFirstBlocked(mk("a", { num_frames: 1 }), {}, {})).toMatch(/single frame/);
    const a = mk("a", { start_frame: 0 }), b = mk("b", { start_frame: 121, auto_continue: true });
    expect(stillFirstBlocked(b, map(a, b), { a: take("/v.mp4") })).toMatch(/Continue previous/);
    expect(stillFirstBlocked(b, map(a, b), { a: take(null) })).toBeNull(); // nothing to continue from yet
    const other = mk("a", { start_frame: 0, track_index: 1 });
    expect(stillFirstBlocked(b, map(other, b), { a: take("/v.mp4") })).toBeNull(); // another track
  });
});
