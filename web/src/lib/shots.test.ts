import { describe, expect, it } from "vitest";
import type { ProjectMeta, ShotTake } from "../api/types";
import { defaultShot, rateMismatch, stillFirstBlocked } from "./shots";
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

const meta: ProjectMeta = { name: "p", resolution_w: 768, resolution_h: 512, fps: 25, seed: 42, script_text: "" };

describe("a shot's rate", () => {
  it("a new shot takes the project's rate", () => {
    expect(defaultShot(meta, 0).fps).toBe(25);
  });

  it("a shot at the project's rate is not marked, 23.976 against 24000/1001 included", () => {
    expect(rateMismatch(24, 24, 48)).toBeNull();
    expect(rateMismatch(23.976, 24000 / 1001, 48)).toBeNull();
  });

  it("a 48-frame shot at 12 fps in a 24 fps project: a 4 s take in a 2 s clip", () => {
    expect(rateMismatch(12, 24, 48)).toEqual({ takeSeconds: 4, clipSeconds: 2 });
    expect(rateMismatch(30, 24, 60)).toEqual({ takeSeconds: 2, clipSeconds: 2.5 });
  });
});
