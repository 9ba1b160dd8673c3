// Take history: every take of the open project's shots, read again whenever the project's version
// moves (a save here or elsewhere, a finished job) and when the library changes.
import { api, call } from "../api/client";
import type { TakePublic } from "../api/types";
import { serverSet, toast, useStudio } from "./store";
import { useAsTake } from "./takes";

let inFlight: Promise<void> | null = null;
let again = false;

export async function loadTakes(): Promise<void> {
  if (inFlight) {
    again = true;
    return inFlight;
  }
  inFlight = (async () => {
    do {
      again = false;
      const id = useStudio.getState().projectId;
      if (!id) return;
      try {
        const r = await call(api.GET("/projects/{project_id}/takes", { params: { path: { project_id: id } } }));
        if (useStudio.getState().projectId !== id) return;
        const takeLabels: Record<string, string> = {};
        for (const t of r.takes) if (!t.upload) takeLabels[t.asset_id] = t.label;
        serverSet({ takeList: r.takes, takeLabels });
      } catch {
        /* keep the list we have; the next change reads it again */
      }
    } while (again);
  })();
  try {
    await inFlight;
  } finally {
    inFlight = null;
  }
}

/** Read the takes again when the server's version or the library changes (debounced). */
export function startTakeHistorySync(): () => void {
  let timer: ReturnType<typeof setTimeout> | null = null;
  const unsub = useStudio.subscribe((s, prev) => {
    if (s.projectId !== prev.projectId && !s.projectId) serverSet({ takeList: [], takeLabels: {} });
    if (s.projectId === prev.projectId && s.version === prev.version && s.assets === prev.assets) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => void loadTakes(), 250);
  });
  return () => {
    unsub();
    if (timer) clearTimeout(timer);
  };
}

/** The shot shows this take from now on: an ordinary, undoable edit ("Use as take"). */
export function chooseTake(take: TakePublic): void {
  const asset = useStudio.getState().assets.find((a) => a.id === take.asset_id);
  if (!asset) {
    toast("error", "That take is not in the media library any more");
    return;
  }
  useAsTake(take.shot_id, asset);
}
