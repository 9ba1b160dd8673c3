// Storyboard cards: the scenes and shots the user edits before a commit. Pure functions, tested.
// A card keeps the id of the stored shot it came from (null for a new one), so a commit merges by
// id and a shot with a video keeps it whatever the user does to its neighbours.
import type { components } from "../api/schema";

type S = components["schemas"];
export type ParseResult = S["ParseResult"];
export type StoryboardPublic = S["StoryboardPublic"];
export type CommitRequest = S["CommitRequest"];
export type ParseMode = NonNullable<S["ParseRequest"]["parse_mode"]>;
export type ShotKind = "action" | "dialogue" | "lyrics" | "centered";

export const SHOT_TYPES = [
  "establishing", "wide", "medium", "cowboy", "medium_close_up", "close_up", "extreme_close_up", "insert", "tracking",
  "over_the_shoulder", "two_shot", "pov", "aerial",
] as const;

/** Transitions a screenplay commonly writes after a shot (suggestions; any one line is accepted). */
export const TRANSITIONS = ["CUT TO:", "SMASH CUT TO:", "MATCH CUT TO:", "JUMP CUT TO:", "DISSOLVE TO:", "FADE TO BLACK.", "FADE OUT."] as const;

/** The longest transition the server stores (studio/schemas.py: Transition). */
export const TRANSITION_MAX = 100;

export type ShotCard = {
  key: string; // stable across edits in this browser (React keys, tests)
  id: string | null;
  kind: ShotKind;
  action: string;
  dialogue: string;
  character: string;
  shot_type: string;
  transition: string; // the script's transition after this shot ("CUT TO:"): the cut into the next one
  dual: boolean; // the second cue of a dual-dialogue pair ("^")
  num_frames: number | null;
  prompt: string | null;
  // What the stored shot shows (read-only here): a take is never touched by the storyboard.
  status?: string;
  video_url?: string | null;
  thumbnail_url?: string | null;
  /** The elements the server matched to the shot (parse, commit, Match elements): chips on the card. */
  matched?: { element_id: string }[];
};

export type SceneCard = { key: string; id: string | null; heading: string; scene_number: string; source_text: string; shots: ShotCard[] };

let counter = 0;
export function newKey(prefix = "k"): string {
  counter += 1;
  return `${prefix}${counter}`;
}

export function kindOf(action: string, dialogue: string): ShotKind {
  const lines = dialogue.split("\n").map((l) => l.trim()).filter(Boolean);
  if (lines.length && lines.every((l) => l.startsWith("~"))) return "lyrics";
  if (lines.length) return "dialogue";
  const a = action.trim();
  return a.startsWith(">") && a.endsWith("<") ? "centered" : "action";
}

export function fromParse(result: ParseResult): SceneCard[] {
  return result.scenes.map((sc) => ({
    key: newKey("sc"), id: sc.id ?? null, heading: sc.heading, scene_number: sc.scene_number, source_text: sc.source_text,
    shots: sc.shots.map((s) => ({
      key: newKey("sh"), id: s.id ?? null, kind: s.kind, action: s.action, dialogue: s.dialogue, character: s.character,
      shot_type: s.shot_type, transition: s.transition, dual: s.dual, num_frames: s.num_frames, prompt: s.id ? null : s.prompt,
      matched: s.matched_elements ?? [],
    })),
  }));
}

/** The Fountain scene number ("#1A#") on the first line of a scene's stored source text, or "". */
export function sceneNumber(source: string): string {
  const first = source.trimStart().split("\n", 1)[0] ?? "";
  return /#([^#\s]+)#\s*$/.exec(first)?.[1] ?? "";
}

export function fromStoryboard(board: StoryboardPublic): SceneCard[] {
  return board.scenes.map((sc) => ({
    key: newKey("sc"), id: sc.id, heading: sc.heading, scene_number: sceneNumber(sc.script_content), source_text: sc.script_content,
    shots: sc.shots.map((s) => ({
      key: newKey("sh"), id: s.id, kind: kindOf(s.action, s.dialogue), action: s.action, dialogue: s.dialogue,
      character: s.character, shot_type: s.shot_type, transition: s.transition, dual: s.dual_dialogue, num_frames: s.num_frames, prompt: null,
      status: s.status, video_url: s.video_url, thumbnail_url: s.thumbnail_url, matched: s.matched_elements ?? [],
    })),
  }));
}

/** The commit body. Stored shots send no prompt or length (the server keeps or re-derives them). */
export function toCommit(scenes: SceneCard[], baseVersion: number, scriptText: string | null): CommitRequest {
  return {
    base_version: baseVersion,
    ...(scriptText !== null ? { script_text: scriptText } : {}),
    scenes: scenes.map((sc) => ({
      ...(sc.id ? { id: sc.id } : {}), heading: sc.heading, scene_number: sc.scene_number, source_text: sc.source_text,
      shots: sc.shots.map((s) => ({
        ...(s.id ? { id: s.id } : {}), kind: s.kind, action: s.action, dialogue: s.dialogue, character: s.character,
        shot_type: s.shot_type, transition: s.transition.trim(), dual: s.dual,
        ...(s.id === null && s.num_frames ? { num_frames: s.num_frames } : {}),
        ...(s.id === null && s.prompt !== null ? { prompt: s.prompt } : {}),
      })),
    })),
  };
}

export function move<T>(list: T[], from: number, to: number): T[] {
  if (from === to || from < 0 || to < 0 || from >= list.length || to >= list.length) return list;
  const out = list.slice();
  const [item] = out.splice(from, 1);
  out.splice(to, 0, item);
  return out;
}

export function blankShot(): ShotCard {
  return {
    key: newKey("sh"), id: null, kind: "action", action: "", dialogue: "", character: "", shot_type: "medium", transition: "", dual: false,
    num_frames: null, prompt: null,
  };
}

export type CardChange = Partial<Pick<ShotCard, "action" | "dialogue" | "character" | "shot_type" | "transition" | "dual">>;

/**
 * A card edit: the shot's automatic prompt and length no longer fit, so a new card lets the server redo them.
 * A transition or a dual mark is the cut, not the content: changing only those keeps them.
 */
export function editShot(card: ShotCard, change: CardChange): ShotCard {
  const next = { ...card, ...change };
  if ("transition" in change) next.transition = (change.transition ?? "").slice(0, TRANSITION_MAX);
  if (Object.keys(change).every((k) => k === "transition" || k === "dual")) return next; // the cut and the overlap, not the content
  next.kind = card.kind === "centered" && !("dialogue" in change && change.dialogue) ? "centered" : kindOf(next.action, next.dialogue);
  if (next.kind !== "dialogue") next.dual = false; // only a cue is half of a dual-dialogue pair
  if (next.id === null) {
    next.prompt = null;
    next.num_frames = null;
  }
  return next;
}

export function shotCount(scenes: SceneCard[]): number {
  return scenes.reduce((n, sc) => n + sc.shots.length, 0);
}

/** Seconds shown on a card (frames are the truth; seconds only at the edge). */
export function seconds(frames: number | null, fps: number): string {
  return frames ? `${(frames / fps).toFixed(1)} s` : "auto";
}
