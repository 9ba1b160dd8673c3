// In-flight recovery of the jobs that belong to no shot (lib/recovery.ts): on opening a project and on
// reconnecting, the running renders, clip inpaints and stills come back into the jobs area and the views
// that follow them, and their events update them again from there.
import { api, call } from "../api/client";
import { recoverProjectJobs } from "../lib/recovery";
import { serverSet, useStudio } from "./store";
import { useClipInpaint } from "./clipInpaint";
import { useElements } from "./elements";

// Jobs whose end this tab has already seen: a row read from the server just before its last event arrived
// must not come back as running and stay so (the event that would end it has gone by).
const ended = new Set<string>();

export function noteJobEvent(type: string, jobId: unknown): void {
  if (typeof jobId === "string" && (type === "complete" || type === "error" || type === "cancelled")) ended.add(jobId);
}

export async function recoverProjectRows(): Promise<void> {
  const id = useStudio.getState().projectId;
  if (!id) return;
  let jobs;
  try {
    jobs = await call(api.GET("/projects/{project_id}/jobs", { params: { path: { project_id: id } } }));
  } catch {
    return; // the next reconnect or reload tries again
  }
  if (useStudio.getState().projectId !== id) return;
  const found = recoverProjectJobs(jobs.filter((j) => !ended.has(j.id)));
  const knownRenders = new Set(useStudio.getState().renderJobs.map((j) => j.job_id));
  const renders = found.renders.filter((j) => !knownRenders.has(j.job_id));
  if (renders.length) serverSet((s) => ({ renderJobs: [...renders, ...s.renderJobs] }));
  // Rows this tab already follows keep what their events told them.
  if (found.clipInpaints.length) {
    useClipInpaint.setState((s) => ({ jobs: { ...Object.fromEntries(found.clipInpaints.map((j) => [j.job_id, j])), ...s.jobs } }));
  }
  if (found.images.length) {
    useElements.setState((s) => ({ jobs: { ...Object.fromEntries(found.images.map((j) => [j.job_id, j])), ...s.jobs } }));
  }
}
