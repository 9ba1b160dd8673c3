// Autosave as data: what changed since the server last agreed (the base), and how a 409 is merged.
// The base is the document as the server has it at `version`; a save sends only the difference.
import {
  CLIENT_SHOT_FIELDS, PROJECT_FIELDS, SERVER_SHOT_FIELDS, type ProjectMeta, type ProjectSave, type SaveResult, type ShotDoc, type ShotTake,
  type ShotUpsert,
} from "../api/types";

export type Doc = { meta: ProjectMeta; shots: Record<string, ShotDoc> };

function same(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Fields of `cur` that differ from `base` (all of them when the shot is new). */
export function changedShotFields(base: ShotDoc | undefined, cur: ShotDoc): Partial<ShotDoc> {
  const out: Record<string, unknown> = {};
  for (const k of CLIENT_SHOT_FIELDS) if (!base || !same(base[k], cur[k])) out[k] = cur[k];
  return out as Partial<ShotDoc>;
}

/** The body of PUT /projects/{id}/save, or null when there is nothing to send. */
export function diffDoc(base: Doc, cur: Doc, baseVersion: number): ProjectSave | null {
  const project: Partial<ProjectMeta> = {};
  for (const k of PROJECT_FIELDS) if (!same(base.meta[k], cur.meta[k])) (project as Record<string, unknown>)[k] = cur.meta[k];
  const shots: ShotUpsert[] = [];
  for (const s of Object.values(cur.shots)) {
    const base_s = base.shots[s.id];
    if (base_s === s) continue; // unchanged by reference: the common case, and O(1)
    const fields = changedShotFields(base_s, s);
    if (Object.keys(fields).length) shots.push({ id: s.id, ...fields } as ShotUpsert);
  }
  const deleted_shot_ids = Object.keys(base.shots).filter((id) => !(id in cur.shots));
  const hasProject = Object.keys(project).length > 0;
  if (!hasProject && !shots.length && !deleted_shot_ids.length) return null;
  return { base_version: baseVersion, ...(hasProject ? { project } : {}), shots, scenes: [], deleted_shot_ids, deleted_scene_ids: [] };
}

export function isDirty(base: Doc, cur: Doc): boolean {
  return diffDoc(base, cur, 1) !== null;
}

export type MergeResult = { doc: Doc; conflicts: string[]; kept: number; adopted: number };

/**
 * Three-way merge after a 409: start from the server's state and re-apply every local edit (what
 * differs between the old base and the local copy). Where both sides changed the same field, the
 * local (unsaved) value wins and the conflict is reported. Nothing the user did is dropped.
 */
export function mergeDocs(base: Doc, local: Doc, server: Doc): MergeResult {
  const conflicts: string[] = [];
  let kept = 0;
  const meta = { ...server.meta } as Record<string, unknown>;
  for (const k of PROJECT_FIELDS) {
    if (!same(base.meta[k], local.meta[k])) {
      if (!same(base.meta[k], server.meta[k]) && !same(server.meta[k], local.meta[k])) conflicts.push(`project ${k}`);
      meta[k] = local.meta[k];
      kept++;
    }
  }
  const shots: Record<string, ShotDoc> = {};
  const ids = new Set([...Object.keys(server.shots), ...Object.keys(local.shots), ...Object.keys(base.shots)]);
  let adopted = 0;
  for (const id of ids) {
    const b = base.shots[id];
    const l = local.shots[id];
    const s = server.shots[id];
    if (b && !l) {
      // Deleted here: stays deleted (the next save names it), even if it was edited there.
      if (s && !same(changedShotFields(b, s), {})) conflicts.push(`shot ${id}: deleted here, edited elsewhere (kept deleted)`);
      if (s) kept++;
      continue;
    }
    if (!b && l) {
      shots[id] = l; // created here
      kept++;
      continue;
    }
    if (!l) {
      if (s) {
        shots[id] = s; // created elsewhere
        adopted++;
      }
      continue;
    }
    const mine = changedShotFields(b, l);
    if (!s) {
      // Deleted elsewhere: keep it only if it has unsaved edits here.
      if (Object.keys(mine).length) {
        shots[id] = l;
        kept++;
        conflicts.push(`shot ${id}: deleted elsewhere, edited here (kept)`);
      }
      continue;
    }
    if (!Object.keys(mine).length) {
      shots[id] = s;
      if (!same(changedShotFields(b, s), {})) adopted++;
      continue;
    }
    const merged = { ...s, ...mine } as ShotDoc;
    for (const k of Object.keys(mine) as (keyof ShotDoc)[]) {
      if (!same(b![k], s[k]) && !same(s[k], l[k])) conflicts.push(`shot ${id}: ${String(k)}`);
    }
    shots[id] = merged;
    kept++;
  }
  return { doc: { meta: meta as ProjectMeta, shots }, conflicts, kept, adopted };
}

/**
 * Conflict notes as a person reads them: `shot <id>: prompt` becomes `“Night exterior” (Sh 3): prompt`.
 * `names` gives each shot id its readable name; an unknown id keeps the note as it was.
 */
export function nameConflicts(conflicts: string[], names: Record<string, string>): string[] {
  return conflicts.map((c) => {
    const m = /^shot ([^:\s]+): (.*)$/.exec(c);
    if (!m || !names[m[1]]) return c;
    return `${names[m[1]]}: ${m[2].replace("num_frames", "length").replace("media_asset_id", "take").replace(/_/g, " ")}`;
  });
}

/** A shot's name for messages: its prompt's first words, else its place ("Sh 3"). */
export function shotName(s: Pick<ShotDoc, "prompt" | "index" | "track_index">): string {
  const words = s.prompt.trim().split(/\s+/).slice(0, 5).join(" ");
  const track = ["V1", "V2", "A1"][s.track_index] ?? "";
  return words ? `“${words}${s.prompt.trim().split(/\s+/).length > 5 ? "…" : ""}”` : `Sh ${s.index + 1}${track ? ` on ${track}` : ""}`;
}

/**
 * The takes once the server has a save. Its answer lists only what the server set itself: a new
 * shot's take (status pending), and for a shot whose media_asset_id was sent (a drop, "Use as
 * take", a clip brought back by undo or redo) the take it derived from that asset, applied only
 * while the document still asks for that media (it may have changed during the save).
 */
export function takesAfterSave(
  takes: Record<string, ShotTake>, shots: Record<string, ShotDoc>, result: SaveResult, body: ProjectSave,
): Record<string, ShotTake> {
  if (!result.shots.length) return takes;
  const out = { ...takes };
  const sentMedia = new Map((body.shots ?? []).filter((sh) => sh.id && "media_asset_id" in sh).map((sh) => [sh.id!, sh.media_asset_id ?? null]));
  for (const sh of result.shots) {
    const mine = out[sh.id];
    const media = "media_asset_id" in sh ? (sh.media_asset_id ?? null) : (sentMedia.get(sh.id) ?? mine?.media_asset_id ?? null);
    const take = { ...(mine ?? { status: "pending" }), media_asset_id: media } as Record<string, unknown>;
    for (const k of SERVER_SHOT_FIELDS) if (k in sh) take[k] = sh[k];
    if (mine) {
      if (!sentMedia.has(sh.id) || (shots[sh.id]?.media_asset_id ?? null) !== media) continue;
      if (mine.status === "generating") take.status = mine.status;
    }
    out[sh.id] = take as ShotTake;
  }
  return out;
}
