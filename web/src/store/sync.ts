// Autosave (seed §7): 2 s after the last change, send what changed with the version it is based
// on. A 409 carries the server's state: merge it with the unsaved edits, tell the user, save again.
import { api, ApiError, call } from "../api/client";
import { metaOf, type ProjectState } from "../api/types";
import { packV1 } from "../lib/layout";
import { diffDoc, mergeDocs, type Doc } from "../lib/sync";
import { serverSet, toast, useStudio, type State } from "./store";
import { stateParts } from "./project";

export const AUTOSAVE_MS = 2000;

let timer: ReturnType<typeof setTimeout> | null = null;
let inFlight: Promise<void> | null = null;

function docOf(s: State): Doc | null {
  return s.meta ? { meta: s.meta, shots: s.shots } : null;
}

/** Watch the document; mark it dirty and (re)start the 2-second timer on every change. */
export function startAutosave(): () => void {
  return useStudio.subscribe((s, prev) => {
    if (s.shots === prev.shots && s.meta === prev.meta) return;
    if (!s.projectId || !s.base || s.projectId !== prev.projectId) return;
    // Server-applied changes (merge, split results) may leave nothing to send.
    if (!diffDoc(s.base, { meta: s.meta!, shots: s.shots }, s.version)) return;
    if (s.saveState !== "saving") useStudio.setState({ saveState: "dirty" });
    schedule();
  });
}

function schedule(): void {
  if (timer) clearTimeout(timer);
  timer = setTimeout(() => {
    timer = null;
    void saveNow().catch(() => undefined);
  }, AUTOSAVE_MS);
}

/** Save now (Cmd/Ctrl+S, or before a server action that reads the shot). Resolves when the server has it. */
export async function flushSave(): Promise<void> {
  if (timer) {
    clearTimeout(timer);
    timer = null;
  }
  await saveNow();
}

export async function saveNow(): Promise<void> {
  while (inFlight) await inFlight.catch(() => undefined);
  const s = useStudio.getState();
  const doc = docOf(s);
  if (!s.projectId || !s.base || !doc) return;
  const body = diffDoc(s.base, doc, s.version);
  if (!body) {
    if (s.saveState !== "saved") useStudio.setState({ saveState: "saved" });
    return;
  }
  const projectId = s.projectId;
  inFlight = (async () => {
    useStudio.setState({ saveState: "saving" });
    try {
      const state = await call(api.PUT("/projects/{project_id}/save", { params: { path: { project_id: projectId } }, body }));
      if (useStudio.getState().projectId !== projectId) return;
      acknowledge(doc, state);
    } catch (e) {
      if (useStudio.getState().projectId !== projectId) return;
      if (e instanceof ApiError && e.status === 409 && e.body?.current) {
        mergeConflict(e.body.current as ProjectState);
        return;
      }
      const offline = e instanceof ApiError && e.status === 0;
      useStudio.setState({ saveState: offline ? "offline" : "error", saveError: (e as Error).message });
      if (!offline) toast("error", `Save failed: ${(e as Error).message}`, 8000);
      retryLater();
      throw e;
    }
  })();
  try {
    await inFlight;
  } finally {
    inFlight = null;
  }
  // Edits made while the save was in flight, or the merged edits after a 409, go out next.
  const after = useStudio.getState();
  if (after.projectId === projectId && after.base && docOf(after) && diffDoc(after.base, docOf(after)!, after.version)) {
    if (after.saveState === "dirty") schedule();
  }
}

function retryLater(): void {
  if (timer) clearTimeout(timer);
  timer = setTimeout(() => {
    timer = null;
    void saveNow().catch(() => undefined);
  }, AUTOSAVE_MS * 3);
}

/** The server now has `sent` at state.version. New shots get their takes (status pending). */
function acknowledge(sent: Doc, state: ProjectState): void {
  const cur = useStudio.getState();
  const { takes } = stateParts(state);
  const newTakes = { ...cur.takes };
  for (const id of Object.keys(takes)) if (!newTakes[id]) newTakes[id] = takes[id];
  // A clip brought back by undo after its deletion was saved is re-created without its take: the
  // server does not accept video URLs from clients yet. Keep showing it here, and say so.
  const lost = state.shots.filter((sh) => !cur.base?.shots[sh.id] && !sh.video_url && cur.takes[sh.id]?.video_url);
  if (lost.length) toast("error", `${lost.length} restored clip(s) lost their take on the server (it cannot re-attach a video yet); the video is still in the media library.`, 10000);
  const dirty = !!diffDoc(sent, docOf(cur)!, state.version);
  serverSet({ base: sent, version: state.version, takes: newTakes, saveState: dirty ? "dirty" : "saved", lastSavedAt: Date.now(), saveError: null });
}

/** 409: someone else saved first. Adopt their state, re-apply ours on top, say so, and save again. */
export function mergeConflict(current: ProjectState): void {
  const s = useStudio.getState();
  if (!s.base || !s.meta) return;
  const { shots: serverShots, takes: serverTakes } = stateParts(current);
  const server: Doc = { meta: metaOf(current), shots: serverShots };
  const merged = mergeDocs(s.base, { meta: s.meta, shots: s.shots }, server);
  const shots = { ...merged.doc.shots, ...packV1(merged.doc.shots) };
  const takes = { ...serverTakes };
  for (const [id, t] of Object.entries(s.takes)) {
    const st = takes[id];
    // Keep what this tab already knows from events when the server's copy is older (same job, no video yet).
    if (!st || (t.last_job_id === st.last_job_id && t.video_url && !st.video_url)) takes[id] = t;
  }
  const selectedId = s.selectedId && shots[s.selectedId] ? s.selectedId : null;
  serverSet({ meta: merged.doc.meta, shots, takes, base: server, version: current.version, saveState: "dirty", selectedId });
  const note = merged.conflicts.length
    ? `; where you both changed the same thing, your edit was kept (${merged.conflicts.slice(0, 3).join(", ")}${merged.conflicts.length > 3 ? ", …" : ""})`
    : "";
  toast("info", `This project was changed elsewhere. Their changes were merged with your unsaved edits${note}. Saving again.`, 9000);
  schedule();
}

/** After a server action that bumped the version (split, generate): adopt it, or reload if we missed a write. */
export async function adoptVersion(expectedPrevious: number, projectVersion: number | null | undefined): Promise<void> {
  if (projectVersion == null) return;
  const s = useStudio.getState();
  if (expectedPrevious + 1 === projectVersion || !s.projectId) {
    serverSet({ version: projectVersion });
    return;
  }
  // Someone else wrote in between: fetch their state and merge as for a 409.
  const current = await call(api.GET("/projects/{project_id}", { params: { path: { project_id: s.projectId } } }));
  mergeConflict(current);
}

/** Resync (SSE said events were lost, or a reconnect): reload the project and merge. */
export async function reloadAndMerge(): Promise<void> {
  const s = useStudio.getState();
  if (!s.projectId) return;
  const current = await call(api.GET("/projects/{project_id}", { params: { path: { project_id: s.projectId } } }));
  if (current.version === s.version) {
    serverSet({ takes: { ...s.takes, ...stateParts(current).takes } });
    return;
  }
  mergeConflict(current);
}
