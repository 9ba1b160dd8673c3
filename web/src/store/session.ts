// What a browser session keeps for the user: the selection across a reload, a warning before
// leaving with unsaved edits, and word between tabs on one project (a save in one tab makes the
// others read the project again and merge, field by field).
import { useStudio } from "./store";
import { reloadAndMerge } from "./sync";
import { onOtherTabSave } from "./tabs";

const SELECTION = "milimo.selection.";

export function rememberedSelection(projectId: string, shots: Record<string, unknown>): string | null {
  try {
    const id = localStorage.getItem(SELECTION + projectId);
    return id && shots[id] ? id : null;
  } catch {
    return null;
  }
}

/** Unsaved means a save has not reached the server yet (pending, in flight, failed or offline). */
export function hasUnsavedEdits(s: { projectId: string | null; saveState: string }): boolean {
  return !!s.projectId && s.saveState !== "saved";
}

export function startSession(): () => void {
  const beforeUnload = (e: BeforeUnloadEvent) => {
    if (!hasUnsavedEdits(useStudio.getState())) return;
    e.preventDefault();
    e.returnValue = ""; // the browser shows its own "Leave site? Changes may not be saved" question
  };
  window.addEventListener("beforeunload", beforeUnload);
  const unsub = useStudio.subscribe((s, prev) => {
    if (s.selectedId === prev.selectedId || !s.projectId || s.projectId !== prev.projectId) return;
    try {
      if (s.selectedId) localStorage.setItem(SELECTION + s.projectId, s.selectedId);
      else localStorage.removeItem(SELECTION + s.projectId);
    } catch {
      /* private mode: nothing to remember */
    }
  });
  // Another tab saved this project: read it and merge now, not at our next save's 409.
  const stopTabs = onOtherTabSave((note) => {
    const s = useStudio.getState();
    if (note.projectId === s.projectId && note.version > s.version) void reloadAndMerge().catch(() => undefined);
  });
  return () => {
    window.removeEventListener("beforeunload", beforeUnload);
    unsub();
    stopTabs();
  };
}
