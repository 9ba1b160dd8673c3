// One Zustand store made of slices named after what they hold. Only the document (project
// settings and the client-owned shot fields) is in undo history: takes, job progress, sync state,
// playback and UI are not, so a progress tick or a server update can never be undone.
import { create } from "zustand";
import { temporal } from "zundo";
import type { AssetPublic, ModelList, ProjectMeta, ShotDoc, ShotTake, TakePublic } from "../api/types";
import type { Doc } from "../lib/sync";
import type { JobView } from "../lib/events";
import type { EnginesOverview } from "../lib/engines";
import type { RenderJob } from "../lib/renders";

export type SaveState = "saved" | "dirty" | "saving" | "error" | "offline";
export type Connection = "connecting" | "live" | "reconnecting" | "offline";
export type Toast = { id: number; tone: "info" | "ok" | "error"; text: string };

/** project: the open project's document and its takes. */
export type ProjectSlice = {
  projectId: string | null;
  meta: ProjectMeta | null;
  shots: Record<string, ShotDoc>;
  /** Server-owned fields per shot (video, thumbnail, status, engine). */
  takes: Record<string, ShotTake>;
};

/** sync: what the server has (base + version) and how saving goes. */
export type SyncSlice = {
  version: number;
  base: Doc | null;
  saveState: SaveState;
  lastSavedAt: number | null;
  saveError: string | null;
};

/** jobs: live generation state per shot, the SSE connection, and snapping notes from the server. */
export type JobsSlice = {
  jobs: Record<string, JobView>;
  adjustments: Record<string, { field: string; requested: number; used: number; reason: string }[]>;
  connection: Connection;
  lastEventId: string | null;
};

/** timeline: view and selection (not the clips: those are the project's shots). */
export type TimelineSlice = {
  pxPerFrame: number;
  scrollFrame: number;
  selectedId: string | null;
  snapping: boolean;
  muted: Record<number, boolean>;
  locked: Record<number, boolean>;
};

/** playback: the playhead in integer frames and the transport. */
export type PlaybackSlice = { frame: number; playing: boolean; rate: number };

/** library: the project's media. */
export type LibrarySlice = { assets: AssetPublic[]; assetsLoading: boolean };

/** engines: what GET /engines says serves video, image and text (draft or real, why, the video grid). */
export type EnginesSlice = { engines: EnginesOverview | null };

/** models: the model library (GET /models folded with download_* events) and whether a hub token is stored. */
export type ModelsSlice = { models: ModelList | null; hfToken: boolean | null };

/** takeHistory: every take of the open project's shots (GET /projects/{id}/takes), and their readable names by asset id. */
export type TakeHistorySlice = { takeList: TakePublic[]; takeLabels: Record<string, string> };

/** renders: render jobs followed live, and the project's finished renders (the Export dialog's master section). */
export type RendersSlice = { renderJobs: RenderJob[]; renders: AssetPublic[] };

/** ui: overlays and messages. */
export type UiSlice = {
  toasts: Toast[];
  helpOpen: boolean;
  projectsOpen: boolean;
  modelsOpen: boolean;
  /** Two takes side by side (asset ids), or null. */
  compare: [string, string] | null;
  confirm: { text: string; onYes: () => void; yes?: string } | null;
  loading: boolean;
};

export type State = ProjectSlice & SyncSlice & JobsSlice & TimelineSlice & PlaybackSlice & LibrarySlice & EnginesSlice & ModelsSlice & TakeHistorySlice & RendersSlice & UiSlice;

export const initialState: State = {
  projectId: null, meta: null, shots: {}, takes: {},
  version: 0, base: null, saveState: "saved", lastSavedAt: null, saveError: null,
  jobs: {}, adjustments: {}, connection: "connecting", lastEventId: null,
  pxPerFrame: 4, scrollFrame: 0, selectedId: null, snapping: true, muted: {}, locked: {},
  frame: 0, playing: false, rate: 1,
  assets: [], assetsLoading: false,
  engines: null,
  models: null, hfToken: null,
  takeList: [], takeLabels: {},
  renderJobs: [], renders: [],
  toasts: [], helpOpen: false, projectsOpen: false, modelsOpen: false, compare: null, confirm: null, loading: false,
};

type History = Pick<State, "meta" | "shots">;

export const useStudio = create<State>()(
  temporal(() => ({ ...initialState }), {
    partialize: (s): History => ({ meta: s.meta, shots: s.shots }),
    // A set that leaves the document untouched (progress, playhead, selection) records nothing.
    equality: (a: History, b: History) => a.meta === b.meta && a.shots === b.shots,
    limit: 200,
  }),
);

export const history = () => useStudio.temporal.getState();

/** Apply a change that did not come from the user (load, merge, server results) outside undo history. */
export function serverSet(partial: Partial<State> | ((s: State) => Partial<State>)): void {
  const t = history();
  t.pause();
  try {
    useStudio.setState(partial as Partial<State>);
  } finally {
    t.resume();
  }
}

/** A user edit of the document: one undo step. */
export function editDoc(change: (s: State) => Partial<Pick<State, "meta" | "shots">> | null): void {
  const s = useStudio.getState();
  const next = change(s);
  if (next) useStudio.setState(next);
}

let toastId = 0;
export function toast(tone: Toast["tone"], text: string, ms = 4000): void {
  const id = ++toastId;
  useStudio.setState((s) => ({ toasts: [...s.toasts.slice(-4), { id, tone, text }] }));
  setTimeout(() => useStudio.setState((s) => ({ toasts: s.toasts.filter((t) => t.id !== id) })), ms);
}

export function undo(): void {
  history().undo();
}

export function redo(): void {
  history().redo();
}
