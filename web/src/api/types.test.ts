import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { CLIENT_SHOT_FIELDS, SERVER_SHOT_FIELDS, splitShot, type ShotInState } from "./types";

describe("splitShot", () => {
  // GET /projects/{id} leaves out each shot's project_id and every field at its default.
  const compact = { id: "a", created_at: "2026-01-01T00:00:00Z", updated_at: "2026-01-01T00:00:00Z" } as ShotInState;

  it("fills what the state left out with each field's default", () => {
    const { doc, take } = splitShot(compact);
    expect(doc).toMatchObject({ prompt: "", negative_prompt: "", dialogue: "", shot_type: "", transition: "", dual_dialogue: false,
      timeline: [], matched_elements: [], scene_id: null, media_asset_id: null, num_frames: 121, enhance_prompt: true,
      index: 0, track_index: 0, start_frame: 0, seed: 42, width: 768, height: 512, fps: 24, cfg_scale: 3, pipeline_override: "auto" });
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
  it("fills in exactly the defaults the server's schema gives (openapi.json: ShotInState)", () => {
    const doc = JSON.parse(readFileSync(resolve(__dirname, "openapi.json"), "utf8"));
    const schema = doc.components.schemas.ShotInState as { required: string[]; properties: Record<string, { default?: unknown }> };
    const { doc: d, take } = splitShot(compact);
    const filled = { ...d, ...take } as Record<string, unknown>;
    for (const k of [...CLIENT_SHOT_FIELDS, ...SERVER_SHOT_FIELDS]) {
      expect(schema.required, k).not.toContain(k); // a field the client fills in must be one the server may leave out
      expect(filled[k], k).toEqual(schema.properties[k].default ?? null);
    }
  });
});
