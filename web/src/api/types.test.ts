import { describe, expect, it } from "vitest";
import { splitShot, type ShotInState } from "./types";

describe("splitShot", () => {
  // GET /projects/{id} leaves out each shot's project_id and every empty field.
  const compact = {
    id: "a", index: 0, track_index: 0, start_frame: 0, trim_in: 0, trim_out: 0, seed: 42, width: 768, height: 512,
    num_frames: 121, fps: 24, steps: 40, cfg_scale: 3, enhance_prompt: true, upscale: false, pipeline_override: "auto",
    auto_continue: false, status: "pending", created_at: "2026-01-01T00:00:00Z", updated_at: "2026-01-01T00:00:00Z",
  } as ShotInState;

  it("fills what the state left out: text empty, lists empty, the rest null", () => {
    const { doc, take } = splitShot(compact);
    expect(doc).toMatchObject({ prompt: "", negative_prompt: "", dialogue: "", shot_type: "", transition: "", dual_dialogue: false,
      timeline: [], matched_elements: [], scene_id: null, media_asset_id: null, num_frames: 121, enhance_prompt: true });
    expect(take).toEqual({ media_asset_id: null, status: "pending", last_job_id: null, video_url: null, thumbnail_url: null,
      enhanced_prompt: null, engine: null, actual_frames: null });
    expect(splitShot(compact).doc.timeline).not.toBe(doc.timeline); // no list shared between shots
  });
  it("keeps every field that was sent", () => {
    const { doc, take } = splitShot({ ...compact, prompt: "gulls", timeline: [{ asset_id: "x", frame_index: 2 }], scene_id: "s",
      video_url: "/v.mp4", media_asset_id: "m", transition: "CUT TO:", dual_dialogue: true } as ShotInState);
    expect(doc).toMatchObject({ prompt: "gulls", scene_id: "s", media_asset_id: "m", timeline: [{ asset_id: "x", frame_index: 2 }],
      transition: "CUT TO:", dual_dialogue: true });
    expect(take).toMatchObject({ video_url: "/v.mp4", media_asset_id: "m" });
  });
});
