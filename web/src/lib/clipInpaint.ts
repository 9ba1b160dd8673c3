// Jobs that run through a tracked mask sequence — clip inpainting (POST /edit/inpaint-clip) and mattes
// (POST /edit/matte): the events of one job folded into its row. Pure, for Vitest.

export type SequenceJobKind = "inpaint_clip" | "matte";

export type ClipInpaintJob = {
  job_id: string;
  kind: SequenceJobKind;
  sequence_id: string;  // the mask_sequence it repaints through
  label: string;
  status: "queued" | "processing" | "completed" | "failed" | "cancelled";
  progress: number;
  message: string;
  eta: number | null;
  engine: string;
  asset_id: string | null;  // the new video, once complete
  error: string | null;
};

export const isActiveClipInpaint = (j: ClipInpaintJob) => j.status === "queued" || j.status === "processing";

/** The job after one server event about it (events for other jobs leave it as it is). */
export function reduceClipInpaint(job: ClipInpaintJob, type: string, d: Record<string, any>): ClipInpaintJob {
  if (d.job_id !== job.job_id || !isActiveClipInpaint(job)) return job;
  if (type === "progress") {
    return { ...job, status: "processing", progress: Math.max(job.progress, Number(d.progress ?? 0)), message: d.message ?? job.message,
      eta: d.eta ?? null };
  }
  if (type === "complete") return { ...job, status: "completed", progress: 100, message: "Done", eta: null, asset_id: d.asset_id ?? null };
  if (type === "error") return { ...job, status: "failed", message: "Failed", eta: null, error: String(d.message ?? d.error ?? "unknown error") };
  if (type === "cancelled") return { ...job, status: "cancelled", message: "Cancelled", eta: null };
  return job;
}
