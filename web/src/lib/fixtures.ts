// Shots and assets for tests.
import type { AssetPublic, ShotDoc } from "../api/types";

export function mk(id: string, over: Partial<ShotDoc> = {}): ShotDoc {
  return {
    id, scene_id: null, index: 0, track_index: 0, start_frame: 0, trim_in: 0, trim_out: 0, prompt: id, negative_prompt: "",
    seed: 1, width: 768, height: 512, num_frames: 121, fps: 24, steps: 40, cfg_scale: 3, enhance_prompt: true, upscale: false,
    pipeline_override: "auto", auto_continue: false, timeline: [], action: "", dialogue: "", character: "", shot_type: "",
    transition: "", dual_dialogue: false, matched_elements: [], media_asset_id: null, still_first: null, ...over,
  };
}

export function map(...shots: ShotDoc[]): Record<string, ShotDoc> {
  return Object.fromEntries(shots.map((s) => [s.id, s]));
}

/** A library asset (an uploaded 2 s, 24 fps video unless told otherwise). */
export function asset(id: string, over: Partial<AssetPublic> = {}): AssetPublic {
  return {
    id, project_id: "p", kind: "general", media_type: "video", url: `/projects/p/assets/uploads/${id}.mp4`, thumbnail_url: `/projects/p/thumbnails/${id}.jpg`,
    filename: `${id}.mp4`, mime: "video/mp4", size_bytes: 1, width: 64, height: 48, duration_s: 2, fps: 24, num_frames: 48, engine: null,
    job_id: null, meta: {}, created_at: "2026-01-01T00:00:00Z", ...over,
  } as AssetPublic;
}
