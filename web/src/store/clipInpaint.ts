// Jobs through a tracked mask sequence (docs/segmentation.md): clip inpainting and mattes. Queue one,
// follow its events, and when it is done the new video is in the media library (an inpainted clip is
// placed from there with "Use as take"; a matte is downloaded for an editor).
import { create } from "zustand";
import { api, call } from "../api/client";
import type { AssetPublic } from "../api/types";
import { isActiveClipInpaint, reduceClipInpaint, type ClipInpaintJob } from "../lib/clipInpaint";
import { refreshAssets } from "./library";
import { toast, useStudio } from "./store";

export const useClipInpaint = create<{ jobs: Record<string, ClipInpaintJob> }>(() => ({ jobs: {} }));

/** Queue POST /edit/inpaint-clip for `sequence` with `prompt`; resolves to the job id (null when the server refused). */
export async function inpaintClip(sequence: AssetPublic, prompt: string): Promise<string | null> {
  const projectId = useStudio.getState().projectId;
  if (!projectId) return null;
  try {
    const r = await call(api.POST("/edit/inpaint-clip", { body: { project_id: projectId, mask_sequence: sequence.id, prompt } }));
    const job: ClipInpaintJob = { job_id: r.job_id, kind: "inpaint_clip", sequence_id: sequence.id, label: `Inpaint clip (${r.frames} of ${r.num_frames} frames)`,
      status: "queued", progress: 0, message: "Queued", eta: null, engine: r.engine, asset_id: null, error: null };
    // An event may have arrived before this answer: keep what it said.
    useClipInpaint.setState((s) => ({ jobs: { [job.job_id]: s.jobs[job.job_id] ?? job, ...s.jobs } }));
    return r.job_id;
  } catch (e) {
    toast("error", `Could not inpaint the clip: ${(e as Error).message}`, 8000);
    return null;
  }
}

/** Queue POST /edit/matte for `sequence`: its objects white on black, every frame of its clip. */
export async function exportMatte(sequence: AssetPublic, options: { invert?: boolean; feather_px?: number } = {}): Promise<string | null> {
  const projectId = useStudio.getState().projectId;
  if (!projectId) return null;
  try {
    const r = await call(api.POST("/edit/matte", { body: { project_id: projectId, mask_sequence: sequence.id, ...options } }));
    const job: ClipInpaintJob = { job_id: r.job_id, kind: "matte", sequence_id: sequence.id, label: `Matte (${r.frames} of ${r.num_frames} frames)`,
      status: "queued", progress: 0, message: "Queued", eta: null, engine: "matte", asset_id: null, error: null };
    useClipInpaint.setState((s) => ({ jobs: { [job.job_id]: s.jobs[job.job_id] ?? job, ...s.jobs } }));
    return r.job_id;
  } catch (e) {
    toast("error", `Could not make the matte: ${(e as Error).message}`, 8000);
    return null;
  }
}

export async function cancelClipInpaint(jobId: string): Promise<void> {
  try {
    const r = await call(api.POST("/jobs/{job_id}/cancel", { params: { path: { job_id: jobId } } }));
    if (r.status === "cancelled") onClipInpaintEvent("cancelled", { job_id: jobId });
  } catch (e) {
    toast("error", `Cancel failed: ${(e as Error).message}`);
  }
}

/** Every event of type "inpaint_clip" or "matte" (store/jobs.ts routes them here: they have no shot). */
export function onClipInpaintEvent(type: string, data: Record<string, any>): void {
  const projectId = useStudio.getState().projectId;
  if (data.project_id && projectId && data.project_id !== projectId) return;
  const jobs = useClipInpaint.getState().jobs;
  const known = jobs[data.job_id];
  if (known) {
    const next = reduceClipInpaint(known, type, data);
    if (next !== known) useClipInpaint.setState({ jobs: { ...jobs, [known.job_id]: next } });
  }
  const matte = data.type === "matte";
  if (type === "complete") {
    void refreshAssets();
    toast("ok", matte ? "Matte ready in the media library: download it for your editor's track matte"
      : "Inpainted clip ready in the media library: select a clip and “Use as take” to place it", 6000);
  } else if (type === "error") toast("error", `${matte ? "The matte" : "Inpainting the clip"} failed: ${data.message ?? "unknown error"}`, 8000);
}

export const activeClipInpaints = (jobs: Record<string, ClipInpaintJob>) => Object.values(jobs).filter(isActiveClipInpaint);
