// storyboard: the Storyboard view's own store (the script, the parse, the cards, commit state).
// Its own Zustand store, not part of the document's undo history: cards become the document only
// when they are committed, and the project is then reloaded from the server.
import { create } from "zustand";
import { api, call, ApiError } from "../api/client";
import {
  blankShot, editShot, fromParse, fromStoryboard, move, newKey, toCommit,
  type CardChange, type ParseMode, type ParseResult, type SceneCard,
} from "../lib/storyboard";
import { serverSet, toast, useStudio } from "./store";
import { openProject } from "./project";
import { adoptVersion, flushSave } from "./sync";
import { loadElements, trackImageJob } from "./elements";

export type StoryboardState = {
  open: boolean;
  script: string;
  mode: ParseMode;
  scenes: SceneCard[];
  /** The project version the cards are based on (sent as base_version). */
  baseVersion: number;
  /** Which parser ran and why (shown under the script). */
  parseNote: string | null;
  notes: string[];
  dirty: boolean;
  busy: "parse" | "commit" | "load" | "match" | null;
  error: string | null;
};

const initial: StoryboardState = {
  open: false, script: "", mode: "auto", scenes: [], baseVersion: 0, parseNote: null, notes: [], dirty: false, busy: null, error: null,
};

export const useStoryboard = create<StoryboardState>()(() => ({ ...initial }));
const set = useStoryboard.setState;
const get = useStoryboard.getState;

function projectId(): string {
  const id = useStudio.getState().projectId;
  if (!id) throw new Error("no project is open");
  return id;
}

/** Open the view: the timeline's pending edits are saved first, then the stored storyboard is loaded. */
export async function openStoryboard(): Promise<void> {
  set({ open: true });
  await loadStoryboard();
}

export function closeStoryboard(): void {
  set({ open: false });
}

export async function loadStoryboard(): Promise<void> {
  const pid = projectId();
  set({ busy: "load", error: null });
  try {
    await flushSave().catch(() => undefined);
    const board = await call(api.GET("/projects/{project_id}/storyboard", { params: { path: { project_id: pid } } }));
    set({ scenes: fromStoryboard(board), baseVersion: board.project_version, dirty: false, script: get().script || board.script_text });
  } catch (e) {
    set({ error: (e as Error).message });
  } finally {
    set({ busy: null });
  }
}

export async function parseScript(): Promise<void> {
  const { script, mode } = get();
  set({ busy: "parse", error: null });
  try {
    const result = await call(api.POST("/projects/{project_id}/storyboard/parse", {
      params: { path: { project_id: projectId() } }, body: { script_text: script, parse_mode: mode },
    }));
    set({ scenes: fromParse(result), parseNote: `${result.mode}: ${result.why}`, notes: result.notes, dirty: true });
  } catch (e) {
    set({ error: (e as Error).message });
  } finally {
    set({ busy: null });
  }
}

export async function commitStoryboard(): Promise<boolean> {
  const pid = projectId();
  const { scenes, baseVersion, script, parseNote } = get();
  set({ busy: "commit", error: null });
  try {
    const body = toCommit(scenes, baseVersion, parseNote !== null ? script : null);
    const board = await call(api.POST("/projects/{project_id}/storyboard/commit", { params: { path: { project_id: pid } }, body }));
    set({ scenes: fromStoryboard(board), baseVersion: board.project_version, dirty: false });
    await openProject(pid); // the timeline shows the committed shots on V1 (and the toasts start afresh)
    const s = board.summary;
    toast("ok", s ? `Committed: ${s.created} new, ${s.updated} changed, ${s.unchanged} kept, ${s.deleted} removed` : "Committed");
    return true;
  } catch (e) {
    if (e instanceof ApiError && e.status === 409) {
      await openProject(pid); // (opening a project clears the toasts: the message comes after)
      await loadStoryboard();
      toast("error", "The project changed since the storyboard was loaded; it was reloaded. Re-apply your edits and commit again.", 8000);
      set({ error: "The project changed on the server since the storyboard was loaded (409); the committed storyboard was reloaded." });
    } else set({ error: (e as Error).message });
    return false;
  } finally {
    set({ busy: null });
  }
}

export async function exportScript(format: "fountain" | "fdx"): Promise<void> {
  const pid = projectId();
  const r = await fetch(`/projects/${pid}/storyboard/export?format=${format}`);
  if (!r.ok) {
    toast("error", `Export failed (HTTP ${r.status})`);
    return;
  }
  const name = /filename="([^"]+)"/.exec(r.headers.get("content-disposition") ?? "")?.[1] ?? `storyboard.${format}`;
  const url = URL.createObjectURL(await r.blob());
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

export async function openScriptFile(file: File): Promise<void> {
  if (file.size > 20_000_000) {
    toast("error", "That file is too large to be a screenplay");
    return;
  }
  const text = await file.text();
  const mode: ParseMode = file.name.toLowerCase().endsWith(".fdx") ? "fdx" : file.name.toLowerCase().endsWith(".fountain") ? "fountain" : "auto";
  set({ script: text, mode });
  await parseScript();
}

// ----------------------------------------------------------------------------- card edits (local until Commit)

function edit(change: (scenes: SceneCard[]) => SceneCard[]): void {
  set((s) => ({ scenes: change(s.scenes), dirty: true }));
}

function mapScene(key: string, fn: (sc: SceneCard) => SceneCard) {
  return (scenes: SceneCard[]) => scenes.map((sc) => (sc.key === key ? fn(sc) : sc));
}

export const setScript = (script: string) => set({ script });
export const setMode = (mode: ParseMode) => set({ mode });

export function updateShot(sceneKey: string, shotKey: string, change: CardChange): void {
  edit(mapScene(sceneKey, (sc) => ({ ...sc, shots: sc.shots.map((sh) => (sh.key === shotKey ? editShot(sh, change) : sh)) })));
}

export function renameScene(sceneKey: string, heading: string): void {
  edit(mapScene(sceneKey, (sc) => ({ ...sc, heading })));
}

export function addShot(sceneKey: string, after: number | null): void {
  edit(mapScene(sceneKey, (sc) => {
    const shots = sc.shots.slice();
    shots.splice(after === null ? shots.length : after + 1, 0, blankShot());
    return { ...sc, shots };
  }));
}

export function deleteShot(sceneKey: string, shotKey: string): void {
  edit(mapScene(sceneKey, (sc) => ({ ...sc, shots: sc.shots.filter((s) => s.key !== shotKey) })));
}

export function moveShot(sceneKey: string, index: number, by: -1 | 1): void {
  edit(mapScene(sceneKey, (sc) => ({ ...sc, shots: move(sc.shots, index, index + by) })));
}

export function moveScene(index: number, by: -1 | 1): void {
  edit((scenes) => move(scenes, index, index + by));
}

export function addScene(): void {
  edit((scenes) => [...scenes, { key: newKey("sc"), id: null, heading: "INT. NEW SCENE - DAY", scene_number: "", source_text: "", shots: [blankShot()] }]);
}

export function deleteScene(sceneKey: string): void {
  edit((scenes) => scenes.filter((sc) => sc.key !== sceneKey));
}

// Another project opened: its storyboard is not this one.
useStudio.subscribe((s, prev) => {
  if (s.projectId !== prev.projectId) set({ ...initial });
});

// ----------------------------------------------------------------------------- jobs (committed shots only)

/** "Sc 2 · Sh 3" for a committed shot's card (the jobs area's row title). */
function cardName(shotId: string): string {
  const scenes = get().scenes;
  for (const [i, sc] of scenes.entries()) {
    const j = sc.shots.findIndex((s) => s.id === shotId);
    if (j >= 0) return `Sc ${sc.scene_number || i + 1} · Sh ${j + 1}`;
  }
  return "shot";
}

/** Concept art for committed shots (seed §6.2): a scene's or one card's. The cards update by shot as each
 * job finishes; each job is a row in the jobs area (progress, Cancel). Shots drawn already, or being drawn, are skipped. */
export async function conceptArt(shotIds: string[], force = false): Promise<void> {
  if (!shotIds.length) {
    toast("info", "Commit the storyboard first: concept art is made for stored shots");
    return;
  }
  try {
    const r = await call(api.POST("/projects/{project_id}/storyboard/thumbnails", {
      params: { path: { project_id: projectId() } }, body: { shot_ids: shotIds, force },
    }));
    for (const item of r.results) if (item.status === "queued" && item.job_id) trackImageJob(item.job_id, `Concept art · ${cardName(item.shot_id)}`, r.engine);
    const drawing = r.results.filter((x) => x.status === "skipped" && x.job_id).length;
    toast("info", `Concept art: ${r.queued} queued${r.skipped - drawing ? `, ${r.skipped - drawing} already drawn` : ""}${drawing ? `, ${drawing} being drawn` : ""}`);
  } catch (e) {
    toast("error", `Could not queue concept art: ${(e as Error).message}`);
  }
}

/** Concept art for a scene's committed shots. */
export async function conceptArtScene(sceneKey: string, force = false): Promise<void> {
  const scene = get().scenes.find((sc) => sc.key === sceneKey);
  await conceptArt((scene?.shots ?? []).map((s) => s.id).filter((id): id is string => !!id), force);
}

/** Match elements (POST /storyboard/match-elements): every stored shot against the project's elements again,
 * e.g. after adding a character. The cards and the timeline's shots show the new matches. */
export async function matchElements(): Promise<void> {
  if (get().dirty) {
    toast("info", "Commit the storyboard first: elements are matched to the stored shots");
    return;
  }
  const pid = projectId();
  set({ busy: "match", error: null });
  try {
    await flushSave();
    const version = useStudio.getState().version;
    const r = await call(api.POST("/projects/{project_id}/storyboard/match-elements", {
      params: { path: { project_id: pid } }, body: { base_version: version },
    }));
    if (r.shots_changed) await openProject(pid); // the shots' matches changed on the server: the timeline shows them too
    else await adoptVersion(version, r.project_version);
    set({ busy: null });
    await Promise.all([loadStoryboard(), loadElements()]); // the chips name the elements as they are now
    toast("ok", `Elements matched: ${r.shots_matched} shot${r.shots_matched === 1 ? "" : "s"} name an element, ${r.shots_changed} changed`);
  } catch (e) {
    set({ error: (e as Error).message });
  } finally {
    set({ busy: null });
  }
}

/** Generate one committed shot, continuing from the shot before it (seed §6). */
export async function generateCard(shotId: string): Promise<void> {
  if (get().dirty) {
    toast("info", "Commit the storyboard first, so the shot is generated from what you see");
    return;
  }
  serverSet((s) => ({ jobs: { ...s.jobs, [shotId]: { job_id: "", status: "queued", progress: 0, message: "Queued", eta: null } } }));
  try {
    await flushSave();
    const s = useStudio.getState();
    const r = await call(api.POST("/storyboard/shots/{shot_id}/generate", {
      params: { path: { shot_id: shotId } }, body: { base_version: s.version },
    }));
    const cur = useStudio.getState();
    serverSet({
      jobs: { ...cur.jobs, [shotId]: { job_id: r.job_id, status: "queued", progress: 0, message: "Queued", eta: null } },
      takes: { ...cur.takes, [shotId]: { ...cur.takes[shotId], status: "generating", last_job_id: r.job_id } },
    });
    if (get().baseVersion === s.version) set({ baseVersion: r.project_version });
    await adoptVersion(s.version, r.project_version);
    const from = { previous_shot: "the previous shot's last frame", concept_art: "its concept art", timeline: "its timeline image", none: "text only" }[r.conditioned_on];
    toast("info", `Generating, conditioned on ${from}`);
  } catch (e) {
    serverSet((s) => ({ jobs: { ...s.jobs, [shotId]: { job_id: "", status: "failed", progress: 0, message: (e as Error).message, eta: null, error: (e as Error).message } } }));
    toast("error", `Could not start generation: ${(e as Error).message}`, 8000);
  }
}

/** AI parse (seed §6.1): a job in which the text engine reads the script; the note says which mode ran and why. */
export async function aiParseScript(): Promise<void> {
  const { script, mode } = get();
  set({ busy: "parse", error: null });
  try {
    const queued = await call(api.POST("/projects/{project_id}/storyboard/ai-parse", {
      params: { path: { project_id: projectId() } }, body: { script_text: script, parse_mode: mode },
    }));
    trackImageJob(queued.job_id, "AI parse", queued.engine);
    for (let i = 0; i < 4000; i++) {
      const job = await call(api.GET("/status/{job_id}", { params: { path: { job_id: queued.job_id } } }));
      if (job.status === "completed") {
        const result = (job.outputs as any).storyboard as ParseResult & { ai_mode: string; why: string };
        set({ scenes: fromParse(result), parseNote: `${result.ai_mode === "ai" ? "AI parse" : "Parser fallback"} (${job.engine}): ${result.why}`,
              notes: result.notes, dirty: true });
        return;
      }
      if (job.status === "failed" || job.status === "cancelled") throw new Error(job.error ?? `AI parse ${job.status}`);
      await new Promise((r) => setTimeout(r, 300));
    }
    throw new Error("AI parse is taking too long; try Parse");
  } catch (e) {
    set({ error: (e as Error).message });
  } finally {
    set({ busy: null });
  }
}

/** Generate a scene (seed §6): its committed shots in story order, each continuing from the one before. */
export async function generateScene(sceneKey: string): Promise<void> {
  if (get().dirty) {
    toast("info", "Commit the storyboard first, so the shots are generated from what you see");
    return;
  }
  const scene = get().scenes.find((sc) => sc.key === sceneKey);
  const ids = (scene?.shots ?? []).map((s) => s.id).filter((id): id is string => !!id);
  if (!ids.length) return;
  try {
    await flushSave();
    const s = useStudio.getState();
    const r = await call(api.POST("/projects/{project_id}/storyboard/batch-generate", {
      params: { path: { project_id: projectId() } }, body: { shot_ids: ids, base_version: s.version },
    }));
    const cur = useStudio.getState();
    const jobs = { ...cur.jobs };
    const takes = { ...cur.takes };
    for (const item of r.results) {
      jobs[item.shot_id] = { job_id: item.job_id, status: "queued", progress: 0, message: item.after_job_id ? "Waiting for the shot before it" : "Queued", eta: null };
      takes[item.shot_id] = { ...takes[item.shot_id], status: "generating", last_job_id: item.job_id };
    }
    serverSet({ jobs, takes });
    if (get().baseVersion === s.version) set({ baseVersion: r.project_version });
    await adoptVersion(s.version, r.project_version);
    toast("info", `Generating ${r.results.length} shots in story order, each from the one before`);
  } catch (e) {
    toast("error", `Could not generate the scene: ${(e as Error).message}`, 8000);
  }
}
