// Renders of the cut (docs/render.md): the Export dialog's request and the live state of render jobs.
// Pure, so Vitest covers it; the store (store/renders.ts) does the I/O.

export type RenderFormat = "mp4" | "prores";
export type RenderQuality = "draft" | "standard" | "high";
export type TrackName = "V1" | "V2" | "A1";
export const TRACK_NAMES: TrackName[] = ["V1", "V2", "A1"];

export type RenderForm = {
  format: RenderFormat;
  quality: RenderQuality;
  /** "all": the whole cut; "range": [inFrame, outFrame) */
  range: "all" | "range";
  inFrame: number;
  outFrame: number;
};

export type RenderBody = {
  format: RenderFormat;
  quality: RenderQuality;
  in_frame?: number;
  out_frame?: number;
  muted: TrackName[];
};

export type RenderStatus = "queued" | "processing" | "cancelling" | "completed" | "failed" | "cancelled";
export type RenderJob = {
  job_id: string;
  status: RenderStatus;
  progress: number;
  message: string;
  eta: number | null;
  format: RenderFormat;
  in_frame: number;
  out_frame: number;
  error?: string;
  asset_id?: string;
};

export const defaultForm = (duration: number): RenderForm => ({ format: "mp4", quality: "standard", range: "all", inFrame: 0, outFrame: duration });

/** The POST body for a form, or the reason it cannot be sent. Mute follows the timeline's M buttons. */
export function renderRequest(form: RenderForm, muted: Record<number, boolean>, duration: number): { body: RenderBody } | { error: string } {
  if (duration <= 0) return { error: "The timeline is empty: add a clip first." };
  const body: RenderBody = { format: form.format, quality: form.quality, muted: TRACK_NAMES.filter((_, i) => muted[i]) };
  if (form.range === "range") {
    const a = Math.round(form.inFrame);
    const b = Math.round(form.outFrame);
    if (!Number.isFinite(a) || !Number.isFinite(b) || a < 0 || b > duration || a >= b) {
      return { error: `The range must lie inside the cut: in from 0, out up to ${duration}, in before out.` };
    }
    body.in_frame = a;
    body.out_frame = b;
  }
  return { body };
}

export const isActiveRender = (j: RenderJob) => j.status === "queued" || j.status === "processing" || j.status === "cancelling";

/** The header's Export button text: the first running render's progress and ETA, else "Export". */
export function exportButtonLabel(jobs: RenderJob[]): string {
  const active = jobs.find(isActiveRender);
  if (!active) return "Export";
  const eta = active.eta != null && Number.isFinite(active.eta) ? ` · ${Math.ceil(active.eta)} s` : "";
  return `Rendering ${Math.round(active.progress)}%${eta}`;
}

type Ev = { type: string; data: Record<string, any> };

/** Apply one server event to the render jobs we follow; events of other jobs leave them as they are. */
export function reduceRenderEvent(jobs: RenderJob[], ev: Ev): RenderJob[] {
  const d = ev.data ?? {};
  const i = jobs.findIndex((j) => j.job_id === d.job_id);
  if (i < 0) return jobs;
  const job = jobs[i];
  let next: RenderJob = job;
  if (ev.type === "progress") {
    if (!isActiveRender(job)) return jobs;
    next = { ...job, status: job.status === "cancelling" ? "cancelling" : "processing", progress: Math.max(job.progress, Number(d.progress ?? 0)),
      message: d.message ?? job.message, eta: d.eta ?? null };
  } else if (ev.type === "complete") {
    next = { ...job, status: "completed", progress: 100, message: "Done", eta: null, asset_id: d.asset_id };
  } else if (ev.type === "error") {
    next = { ...job, status: "failed", message: d.message ?? "Render failed", error: d.message ?? "Render failed", eta: null };
  } else if (ev.type === "cancelled") {
    next = { ...job, status: "cancelled", message: "Cancelled", eta: null };
  } else return jobs;
  const out = jobs.slice();
  out[i] = next;
  return out;
}

/** "mm:ss" of a frame count at the project rate. */
export function clock(frames: number, fps: number): string {
  const s = Math.max(0, Math.round(frames / (fps || 24)));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}
