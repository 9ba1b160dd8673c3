// Smooth motion ×2 (issue 16): a finished take again at twice its frame rate, same length, same sound,
// as a new take of the same shot. The job runs like a generation of the shot: its progress bar, cancel
// and errors are the shot's; when it completes the new take is the shot's take (the old one stays listed).
import { api, call } from "../api/client";
import type { TakePublic } from "../api/types";
import { serverSet, toast, useStudio } from "./store";

export async function smoothTake(take: TakePublic, engine: "auto" | "draft" | "ltx2" = "auto"): Promise<void> {
  const s = useStudio.getState();
  if (!s.projectId) return;
  const shotId = take.shot_id;
  try {
    const r = await call(api.POST("/projects/{project_id}/takes/{asset_id}/smooth", {
      params: { path: { project_id: s.projectId, asset_id: take.asset_id } }, body: { engine },
    }));
    const cur = useStudio.getState();
    serverSet({
      jobs: { ...cur.jobs, [shotId]: { job_id: r.job_id, status: "queued", progress: 0, message: `Smooth motion ×2: ${r.source_fps} → ${r.fps} fps`, eta: null } },
      takes: { ...cur.takes, [shotId]: { ...cur.takes[shotId], status: "generating", last_job_id: r.job_id } },
    });
    // Say which engine makes it, and why not LTX-2.5's refine when it is the draft interpolator.
    toast("info", r.refine === "ltx2" ? "Smoothing with LTX-2.5's temporal refine" : `Smoothing with the draft interpolator: ${r.note}`, 8000);
  } catch (e) {
    toast("error", `Could not smooth the take: ${(e as Error).message}`, 8000);
  }
}
