// Opening, creating, renaming and deleting projects; the last project reopens on load (seed §5).
import { api, call } from "../api/client";
import { metaOf } from "../api/types";
import { stateParts } from "../lib/shots";
import { packV1 } from "../lib/layout";
import { history, initialState, serverSet, toast, useStudio } from "./store";
import { recoverJobs } from "./jobs";
import { recoverProjectRows } from "./recovery";
import { flushSave } from "./sync";
import { refreshAssets } from "./library";
import { loadTakes } from "./takeHistory";
import { rememberedSelection } from "./session";
import { renameOutcome } from "../lib/names";

const LAST_PROJECT = "milimo.lastProjectId";
/** The server's limit on a project name (studio/schemas.py Name). */
export const NAME_MAX = 200;

export function rememberProject(id: string | null): void {
  try {
    if (id) localStorage.setItem(LAST_PROJECT, id);
    else localStorage.removeItem(LAST_PROJECT);
  } catch {
    /* private mode: nothing to remember */
  }
}

export function lastProjectId(): string | null {
  try {
    return localStorage.getItem(LAST_PROJECT);
  } catch {
    return null;
  }
}

export async function openProject(id: string): Promise<boolean> {
  await flushSave().catch(() => undefined);
  serverSet({ loading: true });
  try {
    const p = await call(api.GET("/projects/{project_id}", { params: { path: { project_id: id } } }));
    const { shots, takes } = stateParts(p);
    const meta = metaOf(p);
    serverSet({
      ...initialState, connection: useStudio.getState().connection, lastEventId: useStudio.getState().lastEventId,
      pxPerFrame: useStudio.getState().pxPerFrame, engines: useStudio.getState().engines,
      models: useStudio.getState().models, hfToken: useStudio.getState().hfToken,
      projectId: p.id, meta, shots, takes, version: p.version, base: { meta, shots }, saveState: "saved",
      // The selection survives a reload (session.ts remembers it per project).
      selectedId: rememberedSelection(p.id, shots),
    });
    history().clear();
    rememberProject(p.id);
    // V1 is magnetic: a project written by another tool may not be packed yet; packing is a saved change.
    const packed = packV1(shots);
    if (Object.keys(packed).length) serverSet((s) => ({ shots: { ...s.shots, ...packed } }));
    void recoverJobs();
    void recoverProjectRows();
    void refreshAssets();
    void loadTakes();
    return true;
  } catch (e) {
    if (lastProjectId() === id) rememberProject(null);
    toast("error", `Could not open the project: ${(e as Error).message}`);
    return false;
  } finally {
    serverSet({ loading: false });
  }
}

export async function createProject(body: { name: string; resolution_w: number; resolution_h: number; fps: number; seed?: number }): Promise<void> {
  const p = await call(api.POST("/projects", { body }));
  await openProject(p.id);
  serverSet({ projectsOpen: false });
  toast("ok", `Created “${p.name}”`);
}

export async function deleteProject(id: string): Promise<void> {
  await call(api.DELETE("/projects/{project_id}", { params: { path: { project_id: id } } }));
  if (useStudio.getState().projectId === id) {
    serverSet({ ...initialState, projectsOpen: true, connection: useStudio.getState().connection, engines: useStudio.getState().engines,
      models: useStudio.getState().models, hfToken: useStudio.getState().hfToken });
    history().clear();
    rememberProject(null);
  } else if (lastProjectId() === id) rememberProject(null);
}

/** The names of the other projects (the first 500, newest first): what a rename must not duplicate. */
async function otherNames(projectId: string): Promise<string[]> {
  try {
    const page = await call(api.GET("/projects", { params: { query: { offset: 0, limit: 500 } } }));
    return page.items.filter((p) => p.id !== projectId).map((p) => p.name);
  } catch {
    return []; // offline: the rename is still an edit; the name is checked again at the next rename
  }
}

/** Rename the open project: an ordinary document edit (undoable, autosaved), by the create form's
 * rules (lib/names.ts: renameOutcome). `taken`: the other projects' names, fetched when not given. */
export async function renameProject(name: string, taken?: string[]): Promise<void> {
  const s = useStudio.getState();
  if (!s.meta || !s.projectId || !name.trim() || name.trim() === s.meta.name) return;
  const others = taken ?? (await otherNames(s.projectId));
  const now = useStudio.getState();
  if (!now.meta || now.projectId !== s.projectId) return;
  const out = renameOutcome(name, now.meta.name, others, NAME_MAX);
  if (out.kind === "refused") return toast("error", out.message, 6000);
  if (out.kind === "unchanged") return;
  useStudio.setState({ meta: { ...now.meta, name: out.name } });
  if (out.note) toast("info", out.note, 6000);
}

/** Startup: reopen the last project, or show the project manager. */
export async function hydrate(): Promise<void> {
  const id = lastProjectId();
  if (id && (await openProject(id))) return;
  serverSet({ projectsOpen: true });
}
