// Takes as a filmmaker manages them: which are out of date with the shot as it is now, and
// where a clip runs past the end of the media it shows. Pure, Vitest-tested.
import type { AssetPublic, ShotDoc, TakePublic } from "../api/types";
import { mediaFrames } from "./takes";

export const CHANGE_WORDS: Record<string, string> = { prompt: "prompt", seed: "seed", num_frames: "length", conditioning: "conditioning" };

/**
 * What changed in the shot since the take was made. Prompt, seed and length are compared with
 * the document (so an unsaved edit counts at once); conditioning is the server's answer, since it
 * compares resolved files. A still fits any length, so its length never dates it.
 */
export function staleFields(take: Pick<TakePublic, "made_with" | "changed" | "media_type" | "upload">, shot: Pick<ShotDoc, "prompt" | "seed" | "num_frames">): string[] {
  const made = take.made_with;
  if (take.upload || !made) return [];
  const out: string[] = [];
  if (made.prompt !== shot.prompt) out.push("prompt");
  if (made.seed != null && made.seed !== shot.seed) out.push("seed");
  if (take.media_type !== "image" && made.num_frames != null && made.num_frames !== shot.num_frames) out.push("num_frames");
  if (take.changed.includes("conditioning")) out.push("conditioning");
  return out;
}

export function staleText(fields: string[]): string {
  return fields.length ? `Out of date: the shot's ${fields.map((f) => CHANGE_WORDS[f] ?? f).join(", ")} changed since this take` : "";
}

/** The takes of one shot, oldest first (as the server numbers them). */
export function takesOf(takes: TakePublic[], shotId: string): TakePublic[] {
  return takes.filter((t) => t.shot_id === shotId);
}

/**
 * Of a clip's visible frames, how many have picture: the clip may be longer than its media (a
 * video take shorter than the shot, a trim past its end). Stills have picture for any length.
 * `covered` is the number of visible frames with picture (from the clip's start).
 */
export function pictureSpan(shot: Pick<ShotDoc, "num_frames" | "trim_in" | "trim_out">, asset: AssetPublic | undefined, fps: number): { covered: number; visible: number; missing: number } {
  const visible = Math.max(1, shot.num_frames - shot.trim_in - shot.trim_out);
  if (!asset || asset.media_type === "image") return { covered: visible, visible, missing: 0 };
  const media = mediaFrames(asset, fps);
  const covered = Math.max(0, Math.min(visible, media - shot.trim_in));
  return { covered, visible, missing: visible - covered };
}

/** The label a clip or a library card shows for an asset: the take's readable name when it is one. */
export function assetLabel(a: Pick<AssetPublic, "id" | "filename">, labels: Record<string, string>): string {
  return labels[a.id] ?? a.filename;
}

/** A random seed for "New seed" (the full unsigned 32-bit range the engines take). */
export function randomSeed(rand: () => number = Math.random): number {
  return Math.floor(rand() * 4294967296) >>> 0;
}
