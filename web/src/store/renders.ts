// Renders (docs/render.md): queue one from the Export dialog, follow its events, list the finished ones.
import { api, call } from "../api/client";
import { isActiveRender, reduceRenderEvent, type RenderBody, type RenderJob } from "../lib/renders";
import { recoverProjectJobs } from "../lib/recovery";
import { serverSet, toast, useStudio } from "./store";
import { flushSave } from "./sync";
import { refreshAssets } from "./library";

/** Finished renders, and render jobs the server is still running (after a reload they are followed again). */
export async function loadRenders(): Promise<void> {
  const id = useStudio.getState().projectId;
  if (!id) return;
  try {
    const [renders, jobs] = await Promise.all([
      call(api.GET("/projects/{project_id}/renders", { params: { path: { project_id: id } } })),
      call(api.GET("/projects/{project_id}/jobs", { params: { path: { project_id: id } } })),
    ]);
    if (useStudio.getState().projectId !== id) return;
    const known = new Set(useStudio.getState().renderJobs.map((j) => j.job_id));
    const running = recoverProjectJobs(jobs).renders.filter((j) => !known.has(j.job_id));
    serverSet((s) => ({ renders, renderJobs: [...running, ...s.renderJobs] }));
  } catch {
    /* keep what we have; the dialog can be opened again */
  }
}

/** Save first, so the server renders the cut the user sees, then queue the render. */
export async function startRender(body: RenderBody): Promise<void> {
  const id = useStudio.getState().projectId;
  if (!id) return;
  try {
    await flushSave();
    const r = await call(api.POST("/projects/{project_id}/render", { params: { path: { project_id: id } }, body }));
    const job: RenderJob = { job_id: r.job_id, status: "queued", progress: 0, message: "Queued", eta: null, format: r.format as RenderJob["format"],
      in_frame: r.in_frame, out_frame: r.out_frame };
    serverSet((s) => ({ renderJobs: [job, ...s.renderJobs] }));
    for (const w of r.warnings ?? []) toast("info", w, 7000);
  } catch (e) {
    toast("error", `Could not start the render: ${(e as Error).message}`, 8000);
  }
}

export async function cancelRender(jobId: string): Promise<void> {
  serverSet((s) => ({ renderJobs: s.renderJobs.map((j) => (j.job_id === jobId && isActiveRender(j) ? { ...j, status: "cancelling", message: "Cancelling…" } : j)) }));
  try {
    const r = await call(api.POST("/jobs/{job_id}/cancel", { params: { path: { job_id: jobId } } }));
    if (r.status === "cancelled") handleRenderEvent({ type: "cancelled", data: { job_id: jobId } });
  } catch (e) {
    toast("error", `Cancel failed: ${(e as Error).message}`);
  }
}

/** A server event of a render job (type "render"). */
export function handleRenderEvent(ev: { type: string; data: Record<string, any> }): void {
  const s = useStudio.getState();
  if (ev.data.project_id && s.projectId && ev.data.project_id !== s.projectId) return;
  const renderJobs = reduceRenderEvent(s.renderJobs, ev);
  if (renderJobs !== s.renderJobs) serverSet({ renderJobs });
  if (ev.type === "complete") {
    toast("ok", "Render ready: see Export");
    void loadRenders();
    void refreshAssets(); // the master is an asset of the project too
  } else if (ev.type === "error") toast("error", `Render failed: ${ev.data.message ?? ""}`, 8000);
}
