// Autosave (seed §7): 2 s after the last change, send what changed with the version it is based
// on. A 409 carries the server's state: merge it with the unsaved edits, tell the user, save again.
import { api, ApiError, call } from "../api/client";
import { metaOf, type ProjectSave, type ProjectState, type SaveResult } from "../api/types";
import { packV1 } from "../lib/layout";
import { diffDoc, mergeDocs, nameConflicts, shotName, takesAfterSave, type Doc } from "../lib/sync";
import { missingAssetIn, reconcileTakes } from "../lib/takes";
import { serverSet, toast, useStudio, type State } from "./store";
import { stateParts } from "../lib/shots";
import { adoptMedia, forgetAsset } from "./adopt";
import { announceSave } from "./tabs";

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
      const result = await call(api.PUT("/projects/{project_id}/save", { params: { path: { project_id: projectId } }, body }));
      if (useStudio.getState().projectId !== projectId) return;
      acknowledge(doc, result, body);
    } catch (e) {
      if (useStudio.getState().projectId !== projectId) return;
      if (e instanceof ApiError && e.status === 409 && e.body?.current) {
        mergeConflict(e.body.current as ProjectState);
        return;
      }
      const gone = e instanceof ApiError && e.status === 422 ? missingAssetIn((e as ApiError).body) : null;
      if (gone) {
        // A clip pointed at media deleted elsewhere (an undo can bring such a clip back): it shows nothing now.
        forgetAsset(gone);
        toast("info", "A clip's media was deleted from the library; the clip is kept without it.", 8000);
        useStudio.setState({ saveState: "dirty" });
        schedule();
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

/**
 * The server now has `sent` at result.version. The answer lists only what the server set itself:
 * a new shot's take (status pending), and for a shot whose media_asset_id was sent (a drop, "Use
 * as take", a clip brought back by undo or redo) the take it derived from that asset.
 */
function acknowledge(sent: Doc, result: SaveResult, body: ProjectSave): void {
  const cur = useStudio.getState();
  const newTakes = takesAfterSave(cur.takes, cur.shots, result, body);
  const dirty = !!diffDoc(sent, docOf(cur)!, result.version);
  serverSet({ base: sent, version: result.version, takes: newTakes, saveState: dirty ? "dirty" : "saved", lastSavedAt: Date.now(), saveError: null });
  announceSave(cur.projectId!, result.version);
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
  // Where the merge kept a take chosen here, the clip shows it (the next save tells the server).
  const shown = reconcileTakes(shots, takes, s.assets, Object.keys(shots));
  serverSet({ meta: merged.doc.meta, shots, takes: shown, base: server, version: current.version, saveState: "dirty", selectedId });
  const names: Record<string, string> = {};
  for (const sh of Object.values({ ...server.shots, ...s.shots })) names[sh.id] = shotName(sh);
  const conflicts = nameConflicts(merged.conflicts, names);
  const note = conflicts.length
    ? `; where you both changed the same thing, your edit was kept (${conflicts.slice(0, 3).join(", ")}${conflicts.length > 3 ? ", …" : ""})`
    : "";
  if (merged.kept === 0) {
    // Nothing unsaved here: the other side's changes simply arrive.
    const left = diffDoc(server, { meta: merged.doc.meta, shots }, current.version);
    serverSet({ saveState: left ? "dirty" : "saved" });
    if (left) schedule();
    if (merged.adopted) toast("info", `Updated with changes saved elsewhere (${merged.adopted} shot${merged.adopted > 1 ? "s" : ""})`, 4000);
    return;
  }
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
    // Same version: no one edited, but jobs may have finished and pointed shots at new takes.
    const change: Record<string, string | null> = {};
    for (const sh of current.shots) {
      const known = s.base?.shots[sh.id];
      if (known && (known.media_asset_id ?? null) !== (sh.media_asset_id ?? null) && (s.shots[sh.id]?.media_asset_id ?? null) === (known.media_asset_id ?? null)) {
        change[sh.id] = sh.media_asset_id ?? null;
      }
    }
    adoptMedia(change, { ...s.takes, ...stateParts(current).takes });
    const now = useStudio.getState();
    const shown = reconcileTakes(now.shots, now.takes, now.assets, Object.keys(now.shots));
    if (shown !== now.takes) serverSet({ takes: shown });
    return;
  }
  mergeConflict(current);
}
