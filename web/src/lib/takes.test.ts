import { describe, expect, it } from "vitest";
import type { ShotTake } from "../api/types";
import { asset, map, mk } from "./fixtures";
import { clearedTake, mediaFrames, missingAssetIn, reconcileTakes, shotFieldsForAsset, takeFromAsset, trackForAsset, withMedia, withoutAsset } from "./takes";

const pending: ShotTake = { status: "pending", last_job_id: null, video_url: null, thumbnail_url: null, enhanced_prompt: null, engine: null, actual_frames: null, media_asset_id: null };

describe("takes", () => {
  it("derive from an asset the way the server's apply_take does", () => {
    expect(takeFromAsset(asset("v"))).toEqual({ media_asset_id: "v", video_url: "/projects/p/assets/uploads/v.mp4",
      thumbnail_url: "/projects/p/thumbnails/v.jpg", engine: "upload", actual_frames: 48, status: "completed" });
    const img = asset("i", { media_type: "image", url: "/i.png", thumbnail_url: null, num_frames: null });
    expect(takeFromAsset(img)).toMatchObject({ thumbnail_url: "/i.png", actual_frames: null, engine: "upload" });
    expect(takeFromAsset(asset("g", { engine: "draft" })).engine).toBe("draft"); // an earlier generated take
    expect(clearedTake({ ...pending, ...takeFromAsset(asset("v")) })).toMatchObject({ status: "pending", video_url: null, media_asset_id: null });
  });
  it("last their real length at the project's fps; a still lasts 5 s", () => {
    expect(mediaFrames(asset("v"), 24)).toBe(48); // same rate: the exact frame count
    expect(mediaFrames(asset("v", { fps: 30, num_frames: 75, duration_s: 2.5 }), 24)).toBe(60); // other rate: by duration
    expect(mediaFrames(asset("a", { media_type: "audio", fps: null, num_frames: null, duration_s: 3.2 }), 25)).toBe(80);
    expect(mediaFrames(asset("i", { media_type: "image" }), 24)).toBe(120);
    expect(shotFieldsForAsset(asset("g", { engine: "draft", meta: { prompt: "gulls" } }), 24)).toEqual({ media_asset_id: "g", num_frames: 48, trim_in: 0, trim_out: 0, prompt: "gulls" });
  });
  it("land on the track that can play them", () => {
    const [video, image, audio] = [asset("v"), asset("i", { media_type: "image" }), asset("a", { media_type: "audio" })];
    expect([0, 1, 2].map((t) => trackForAsset(video, t))).toEqual([0, 1, 2]);
    expect([0, 1, 2].map((t) => trackForAsset(image, t))).toEqual([0, 1, 1]);
    expect([0, 1, 2].map((t) => trackForAsset(audio, t))).toEqual([2, 2, 2]);
  });
  it("follow the document: a new media shows at once, null shows nothing, an unknown asset waits for the server", () => {
    const assets = [asset("v")];
    const shots = map(mk("a", { media_asset_id: "v" }), mk("b", { media_asset_id: null }), mk("c", { media_asset_id: "elsewhere" }));
    const shown = { ...pending, ...takeFromAsset(asset("old")) };
    const takes = { a: pending, b: shown, c: pending };
    const next = reconcileTakes(shots, takes, assets, ["a", "b", "c"]);
    expect(next.a).toMatchObject({ media_asset_id: "v", video_url: "/projects/p/assets/uploads/v.mp4", status: "completed" });
    expect(next.b).toMatchObject({ media_asset_id: null, video_url: null, status: "pending" });
    expect(next.c).toBe(pending);
    expect(reconcileTakes(shots, next, assets, ["a", "b", "c"])).toBe(next); // nothing left to do: same object
  });
  it("are rewritten where the server decided them, and forgotten with their asset", () => {
    const shots = map(mk("a", { media_asset_id: "old", timeline: [{ asset_id: "old", frame_index: 0, strength: 1, type: "image" } as never] }), mk("b"));
    expect(withMedia(shots, { a: "new", gone: "x" }).a.media_asset_id).toBe("new");
    expect(withMedia(shots, { a: "old" })).toBe(shots);
    const after = withoutAsset(shots, "old");
    expect([after.a.media_asset_id, after.a.timeline.length, after.b]).toEqual([null, 0, shots.b]);
    expect(withoutAsset(shots, "other")).toBe(shots);
  });
  it("recognise the save error for media the server does not have", () => {
    expect(missingAssetIn({ detail: "shot 'x': ...", code: "invalid", shot_id: "x", media_asset_id: "abc" })).toBe("abc");
    expect(missingAssetIn({ detail: "other problem", code: "invalid" })).toBe(null);
    expect(missingAssetIn("trim_in too large")).toBeNull();
  });
});

it("a newly chosen take shows its own enhanced prompt, never the previous take's", () => {
  const shots = map(mk("a", { media_asset_id: "u1" }), mk("b", { media_asset_id: "g2" }));
  const old = { ...pending, status: "completed" as const, media_asset_id: "g1", enhanced_prompt: "the old take's long prompt" };
  const next = reconcileTakes(shots, { a: old, b: old }, [asset("u1"), asset("g2", { meta: { enhanced_prompt: "g2's own" } })], ["a", "b"]);
  expect(next.a.enhanced_prompt).toBeNull();
  expect(next.b.enhanced_prompt).toBe("g2's own");
});
