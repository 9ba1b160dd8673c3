// Takes as data: what a clip shows follows its `media_asset_id` (an upload or an earlier take),
// the way the server's `apply_take` derives it; placing library media on the timeline; and
// rewriting a shot's take in stored documents when the server decided it (a job finished).
import type { AssetPublic, ShotDoc, ShotTake } from "../api/types";

export type ShotMap = Record<string, ShotDoc>;

/** A still (image) placed on the timeline lasts this long by default. */
export const STILL_SECONDS = 5;
/** Track indices (see api/types.ts TRACKS). */
const V1 = 0, V2 = 1, A1 = 2;

/** The take fields an asset gives a shot (mirrors the server's apply_take). */
export function takeFromAsset(a: AssetPublic): Omit<ShotTake, "last_job_id" | "enhanced_prompt"> {
  return {
    media_asset_id: a.id,
    video_url: a.url,
    thumbnail_url: a.thumbnail_url ?? (a.media_type === "image" ? a.url : null),
    engine: a.engine ?? "upload",
    actual_frames: a.media_type === "video" ? a.num_frames : null,
    status: "completed",
  };
}

/** A take with no media (the shot was detached, or its asset deleted). */
export function clearedTake(t: ShotTake | undefined): ShotTake {
  const status = !t || t.status === "completed" ? "pending" : t.status;
  return { status, last_job_id: t?.last_job_id ?? null, enhanced_prompt: t?.enhanced_prompt ?? null,
    media_asset_id: null, video_url: null, thumbnail_url: null, engine: null, actual_frames: null };
}

/**
 * How many frames of the timeline (at the project's fps) an asset's media lasts: a video or an
 * audio file its real length, a still STILL_SECONDS. Always at least 1.
 */
export function mediaFrames(a: AssetPublic, fps: number): number {
  if (a.media_type === "image") return Math.max(1, Math.round(STILL_SECONDS * fps));
  // Same rate: the frame count is exact; otherwise the duration decides.
  if (a.num_frames && a.fps && Math.abs(a.fps - fps) < 1e-3) return a.num_frames;
  if (a.duration_s) return Math.max(1, Math.round(a.duration_s * fps));
  return Math.max(1, a.num_frames ?? Math.round(STILL_SECONDS * fps));
}

/**
 * Which track a dropped asset lands on. Video and stills go to V1/V2 (a still dropped on A1 goes
 * to V2); audio always goes to A1; a video dropped on A1 plays its sound there.
 */
export function trackForAsset(a: AssetPublic, droppedOn: number): number {
  if (a.media_type === "audio") return A1;
  if (a.media_type === "image") return droppedOn === A1 ? V2 : droppedOn;
  return droppedOn === V1 || droppedOn === V2 || droppedOn === A1 ? droppedOn : V1;
}

/** The client-owned fields of a shot that shows an asset: its take, its real length, its prompt if it was generated. */
export function shotFieldsForAsset(a: AssetPublic, fps: number): Partial<ShotDoc> {
  const prompt = typeof (a.meta as Record<string, unknown>)?.prompt === "string" ? String((a.meta as Record<string, unknown>).prompt) : "";
  return { media_asset_id: a.id, num_frames: mediaFrames(a, fps), trim_in: 0, trim_out: 0, prompt };
}

/**
 * Bring takes in line with what the document asks each shot to show, for the shots in `ids`.
 * A shot pointed at a library asset shows it at once (the save confirms it); a detached one shows
 * nothing. An asset not in the library yet is left to the server's answer. Returns `takes`
 * itself when nothing changed.
 */
export function reconcileTakes(shots: ShotMap, takes: Record<string, ShotTake>, assets: AssetPublic[], ids: Iterable<string>): Record<string, ShotTake> {
  let out = takes;
  let byId: Map<string, AssetPublic> | null = null;
  for (const id of ids) {
    const shot = shots[id];
    if (!shot) continue;
    const want = shot.media_asset_id ?? null;
    const take = takes[id];
    if (want === (take?.media_asset_id ?? null)) continue;
    let next: ShotTake;
    if (want === null) next = clearedTake(take);
    else {
      byId ??= new Map(assets.map((a) => [a.id, a]));
      const asset = byId.get(want);
      if (!asset) continue;
      // The enhanced prompt belongs to the take: a newly chosen one shows its own (or none), never the previous one's.
      const enhanced = (asset.meta as Record<string, unknown> | null)?.enhanced_prompt;
      next = { last_job_id: take?.last_job_id ?? null, enhanced_prompt: typeof enhanced === "string" ? enhanced : null, ...takeFromAsset(asset) };
    }
    if (out === takes) out = { ...takes };
    out[id] = next;
  }
  return out;
}

/**
 * Shots (by id) whose `media_asset_id` the server set. Applied to every stored copy of the
 * document (the present one, the base, each undo and redo state), so an undo never reverts a
 * result: a clip brought back by undo comes back with its newest take.
 */
export type MediaChange = Record<string, string | null>;

export function withMedia(shots: ShotMap, change: MediaChange): ShotMap {
  let out = shots;
  for (const [id, asset] of Object.entries(change)) {
    const s = shots[id];
    if (!s || (s.media_asset_id ?? null) === asset) continue;
    if (out === shots) out = { ...shots };
    out[id] = { ...s, media_asset_id: asset };
  }
  return out;
}

/**
 * Forget an asset that no longer exists (deleted here or elsewhere): shots that showed it show
 * nothing, and conditioning items that named it go, as the server did with its copy.
 */
export function withoutAsset(shots: ShotMap, assetId: string): ShotMap {
  let out = shots;
  for (const s of Object.values(shots)) {
    const shows = s.media_asset_id === assetId;
    const uses = s.timeline.some((t) => t.asset_id === assetId);
    if (!shows && !uses) continue;
    if (out === shots) out = { ...shots };
    out[s.id] = { ...s, ...(shows ? { media_asset_id: null } : {}), ...(uses ? { timeline: s.timeline.filter((t) => t.asset_id !== assetId) } : {}) };
  }
  return out;
}

/** Shots that show an asset or are conditioned on it. */
export function shotsUsingAsset(shots: ShotMap, assetId: string): string[] {
  return Object.values(shots).filter((s) => s.media_asset_id === assetId || s.timeline.some((t) => t.asset_id === assetId)).map((s) => s.id);
}

/** From a save's 422 body: the asset a shot pointed at that the server does not have (deleted elsewhere). */
export function missingAssetIn(body: unknown): string | null {
  const id = (body as { media_asset_id?: unknown } | null)?.media_asset_id;
  return typeof id === "string" ? id : null;
}
