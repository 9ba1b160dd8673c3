import { describe, expect, it } from "vitest";
import type { TakePublic } from "../api/types";
import { asset, mk } from "./fixtures";
import { assetLabel, pictureSpan, randomSeed, staleFields, staleText, takesOf } from "./takeHistory";

const take = (over: Partial<TakePublic> = {}): TakePublic => ({
  asset_id: "g1", shot_id: "a", number: 1, label: "Sh 1 · take 1", upload: false, current: true, url: "/v.mp4", thumbnail_url: null,
  media_type: "video", engine: "draft", duration_s: 1, num_frames: 24, fps: 24, job_id: "j1", created_at: "2026-01-01T00:00:00Z",
  made_with: { prompt: "a", seed: 1, num_frames: 121, enhanced_prompt: null, conditioning: [] }, changed: [], ...over,
} as TakePublic);

describe("out of date", () => {
  it("compares prompt, seed and length with the document, conditioning from the server", () => {
    expect(staleFields(take(), mk("a"))).toEqual([]);
    expect(staleFields(take(), mk("a", { prompt: "b", seed: 2 }))).toEqual(["prompt", "seed"]);
    expect(staleFields(take(), mk("a", { num_frames: 97 }))).toEqual(["num_frames"]);
    expect(staleFields(take({ changed: ["conditioning"] }), mk("a"))).toEqual(["conditioning"]);
    expect(staleText(["prompt", "num_frames"])).toBe("Out of date: the shot's prompt, length changed since this take");
  });
  it("a still fits any length, and an upload is never out of date", () => {
    expect(staleFields(take({ media_type: "image", made_with: { prompt: "a", seed: 1, num_frames: 1, enhanced_prompt: null, conditioning: [] } }), mk("a", { num_frames: 120 }))).toEqual([]);
    expect(staleFields(take({ upload: true, made_with: null }), mk("a", { prompt: "zzz" }))).toEqual([]);
  });
  it("lists one shot's takes", () => {
    expect(takesOf([take(), take({ shot_id: "b", asset_id: "g2" })], "b").map((t) => t.asset_id)).toEqual(["g2"]);
  });
});

describe("picture past the end of the media", () => {
  it("a clip longer than its video has missing frames, a still has none", () => {
    const v = asset("v", { num_frames: 48, fps: 24 });
    expect(pictureSpan(mk("a", { num_frames: 72 }), v, 24)).toEqual({ covered: 48, visible: 72, missing: 24 });
    expect(pictureSpan(mk("a", { num_frames: 72, trim_in: 10, trim_out: 20 }), v, 24)).toEqual({ covered: 38, visible: 42, missing: 4 });
    expect(pictureSpan(mk("a", { num_frames: 48 }), v, 24).missing).toBe(0);
    expect(pictureSpan(mk("a", { num_frames: 500 }), asset("i", { media_type: "image" }), 24).missing).toBe(0);
    expect(pictureSpan(mk("a", { num_frames: 500 }), undefined, 24).missing).toBe(0);
  });
});

it("labels takes by name, uploads by file; seeds cover 32 bits", () => {
  expect(assetLabel(asset("g1"), { g1: "Sc 2 · Sh 3 · take 4" })).toBe("Sc 2 · Sh 3 · take 4");
  expect(assetLabel(asset("u1", { filename: "harbour.mov" }), {})).toBe("harbour.mov");
  expect(randomSeed(() => 0)).toBe(0);
  expect(randomSeed(() => 0.999999999)).toBe(4294967291);
});
