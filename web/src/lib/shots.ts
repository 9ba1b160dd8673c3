// Pure shot helpers the store's flows share: ids, a new shot's defaults, and splitting a server
// state into the document and its takes. No store access here, so any flow may import them
// without importing another flow (web/src stays free of import cycles: npm run check:cycles).
import { splitShot, type ProjectMeta, type ProjectState, type ShotDoc, type ShotTake } from "../api/types";

export function newId(): string {
  return crypto.randomUUID().replace(/-/g, "");
}

/** A new shot on `track` with the project's defaults; `count` is how many shots the project has (its index). */
export function defaultShot(meta: ProjectMeta, count: number, track = 0): ShotDoc {
  return {
    id: newId(), scene_id: null, index: count, track_index: track, start_frame: 0, trim_in: 0, trim_out: 0,
    prompt: "", negative_prompt: "", seed: meta.seed, width: meta.resolution_w, height: meta.resolution_h,
    num_frames: 121, fps: meta.fps, steps: 40, cfg_scale: 3, enhance_prompt: true, upscale: false, pipeline_override: "auto",
    auto_continue: false, timeline: [], action: "", dialogue: "", character: "", shot_type: "", transition: "",
    dual_dialogue: false, matched_elements: [], media_asset_id: null, still_first: null,
  };
}

/** Split a server state into the document (undoable) and the takes (server-owned). */
export function stateParts(p: ProjectState): { shots: Record<string, ShotDoc>; takes: Record<string, ShotTake> } {
  const shots: Record<string, ShotDoc> = {};
  const takes: Record<string, ShotTake> = {};
  for (const s of p.shots) {
    const { doc, take } = splitShot(s);
    shots[s.id] = doc;
    takes[s.id] = take;
  }
  return { shots, takes };
}

/**
 * Why still first cannot apply to this shot on Generate (studio/still_first.py `applies`), or null:
 * something already conditions frame 0 — an image or clip on its own timeline at frame 0, or
 * "Continue previous" with a take before it on its track — or it is a single frame.
 */
export function stillFirstBlocked(shot: ShotDoc, shots: Record<string, ShotDoc>, takes: Record<string, ShotTake>): string | null {
  if (shot.num_frames === 1) return "a single frame is a still already";
  if (shot.timeline.some((i) => (i.frame_index ?? 0) === 0)) return "frame 0 is conditioned on the shot's own image";
  const before = Object.values(shots).some(
    (s) => s.id !== shot.id && s.track_index === shot.track_index && s.start_frame < shot.start_frame && takes[s.id]?.video_url,
  );
  if (shot.auto_continue && before) return "Continue previous opens it on the previous take's last frame";
  return null;
}

/** How a shot's rate differs from the project's, or null when it follows it.
 *
 * The timeline counts a clip's frames at the project rate, so a take generated at another rate
 * lasts `frames / shotFps` seconds while its clip shows `frames / projectFps`: at 12 fps in a
 * 24 fps project a 48-frame take is 4 s, its clip 2 s, and half the take is never seen. */
export function rateMismatch(shotFps: number, projectFps: number, frames: number): { takeSeconds: number; clipSeconds: number } | null {
  if (!(shotFps > 0) || Math.abs(shotFps - projectFps) < 1e-3) return null;
  return { takeSeconds: frames / shotFps, clipSeconds: frames / projectFps };
}
