// Names for the generated schema's types, so the app never spells `components["schemas"][...]`.
import type { components } from "./schema";

type S = components["schemas"];
export type ProjectState = S["ProjectState"];
export type ProjectSummary = S["ProjectSummary"];
export type ShotPublic = S["ShotPublic"];
/** A shot in the whole state: no project_id, and the empty fields left out (splitShot fills them). */
export type ShotInState = S["ShotInState"];
export type SceneInState = S["SceneInState"];
export type ShotUpsert = S["ShotUpsert"];
export type ProjectSave = S["ProjectSave"];
export type SaveResult = S["SaveResult"];
export type SavedShot = S["SavedShot"];
export type TimelineItem = S["TimelineItem"];
export type AssetPublic = S["AssetPublic"];
export type JobPublic = S["JobPublic"];
export type Queued = S["Queued"];
export type Adjustment = S["Adjustment"];
export type ShotConfig = S["ShotConfig"];
export type ModelPublic = S["ModelPublic"];
export type ModelList = S["ModelList"];
export type TakePublic = S["TakePublic"];
export type TakeList = S["TakeList"];
export type ElementPublic = S["ElementPublic"];
export type ImageQueued = S["ImageQueued"];
export type GenerateImage = S["GenerateImage"];
export type PipelineOverride = NonNullable<ShotConfig["pipeline_override"]>;

/** Shot fields the client owns (edits, undo, autosave). Everything else on a shot is written by the server. */
export const CLIENT_SHOT_FIELDS = [
  "scene_id", "index", "track_index", "start_frame", "trim_in", "trim_out", "prompt", "negative_prompt", "seed",
  "width", "height", "num_frames", "fps", "steps", "cfg_scale", "enhance_prompt", "upscale", "pipeline_override",
  "auto_continue", "timeline", "action", "dialogue", "character", "shot_type", "transition", "dual_dialogue", "matched_elements",
  "media_asset_id", "still_first",
] as const;
export type ClientShotField = (typeof CLIENT_SHOT_FIELDS)[number];

/** A shot as the document holds it: its id and the client-owned fields. */
export type ShotDoc = { id: string; timeline: TimelineItem[] } & Omit<Pick<ShotPublic, ClientShotField>, "timeline">;

/** Server-owned shot fields: a take and its state. Never in undo history, never sent in a save. */
export const SERVER_SHOT_FIELDS = [
  "status", "last_job_id", "video_url", "thumbnail_url", "enhanced_prompt", "engine", "actual_frames",
] as const;
/**
 * What a clip shows. `media_asset_id` here is the asset these fields were derived from; the
 * document's `media_asset_id` is what the user asked for (lib/takes.ts reconciles the two).
 */
export type ShotTake = Pick<ShotPublic, (typeof SERVER_SHOT_FIELDS)[number]> & { media_asset_id?: string | null };

/** Project settings the client edits. */
export const PROJECT_FIELDS = ["name", "resolution_w", "resolution_h", "fps", "seed", "script_text"] as const;
export type ProjectMeta = Pick<ProjectState, (typeof PROJECT_FIELDS)[number]>;

export const TRACKS = [
  { index: 0, name: "V1", label: "Main", kind: "video" },
  { index: 1, name: "V2", label: "Overlay", kind: "video" },
  { index: 2, name: "A1", label: "Audio", kind: "audio" },
] as const;

/**
 * The value of each shot field GET /projects/{id} leaves out because it holds it (the server's
 * DEFAULT_IN_STATE: a new shot's value, also the `default` of ShotInState in the OpenAPI schema,
 * which types.test.ts checks against this). A missing field not named here is null.
 */
export const SHOT_DEFAULTS = {
  index: 0, track_index: 0, start_frame: 0, trim_in: 0, trim_out: 0, seed: 42, width: 768, height: 512, num_frames: 121,
  fps: 24, steps: 40, cfg_scale: 3, enhance_prompt: true, upscale: false, pipeline_override: "auto", auto_continue: false,
  dual_dialogue: false, status: "pending",
  prompt: "", negative_prompt: "", action: "", dialogue: "", character: "", shot_type: "", transition: "",
} as const satisfies Partial<Record<keyof ShotInState, unknown>>;
const LIST_FIELDS = new Set(["timeline", "matched_elements"]);

/** A fresh list each time: documents are compared by value, never mutated in place, but two shots must not share one array. */
function defaultValue(k: string): unknown {
  if (LIST_FIELDS.has(k)) return [];
  return k in SHOT_DEFAULTS ? SHOT_DEFAULTS[k as keyof typeof SHOT_DEFAULTS] : null;
}

/** Split a shot (whole, or as the project state sends it, fields at their default left out) into document and take. */
export function splitShot(shot: ShotPublic | ShotInState): { doc: ShotDoc; take: ShotTake } {
  const s = shot as Record<string, unknown>;
  const doc = { id: shot.id } as Record<string, unknown>;
  for (const k of CLIENT_SHOT_FIELDS) doc[k] = s[k] === undefined ? defaultValue(k) : s[k];
  const take = { media_asset_id: shot.media_asset_id ?? null } as Record<string, unknown>;
  for (const k of SERVER_SHOT_FIELDS) take[k] = s[k] === undefined ? defaultValue(k) : s[k];
  return { doc: doc as ShotDoc, take: take as ShotTake };
}

export function metaOf(p: ProjectState): ProjectMeta {
  return { name: p.name, resolution_w: p.resolution_w, resolution_h: p.resolution_h, fps: p.fps, seed: p.seed, script_text: p.script_text };
}
