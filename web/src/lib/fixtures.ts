// Shots for tests.
import type { ShotDoc } from "../api/types";

export function mk(id: string, over: Partial<ShotDoc> = {}): ShotDoc {
  return {
    id, scene_id: null, index: 0, track_index: 0, start_frame: 0, trim_in: 0, trim_out: 0, prompt: id, negative_prompt: "",
    seed: 1, width: 768, height: 512, num_frames: 121, fps: 24, steps: 40, cfg_scale: 3, enhance_prompt: true, upscale: false,
    pipeline_override: "auto", auto_continue: false, timeline: [], action: "", dialogue: "", character: "", shot_type: "",
    matched_elements: [], ...over,
  };
}

export function map(...shots: ShotDoc[]): Record<string, ShotDoc> {
  return Object.fromEntries(shots.map((s) => [s.id, s]));
}

