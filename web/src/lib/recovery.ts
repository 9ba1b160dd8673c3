// After a reload (seed §5, in-flight recovery): the project's running jobs that belong to no shot —
// renders, clip inpaints and mattes, stills — read from GET /projects/{id}/jobs back into the rows that follow them.
// Shot jobs are recovered per shot (store/jobs.ts recoverJobs). Pure, for Vitest.
import type { JobPublic } from "../api/types";
import type { ClipInpaintJob } from "./clipInpaint";
import type { RenderJob } from "./renders";

export type ImageJobRow = { job_id: string; label: string; progress: number; message: string; status: string; engine: string;
  element_id?: string }; // a Visualize: the element whose card shows it

export type Recovered = { renders: RenderJob[]; clipInpaints: ClipInpaintJob[]; images: ImageJobRow[] };

const running = (j: JobPublic) => j.status === "pending" || j.status === "processing";
const statusOf = (j: JobPublic) => (j.status === "pending" ? "queued" : "processing") as "queued" | "processing";
const messageOf = (j: JobPublic) => j.status_message || (j.status === "pending" ? "Queued" : "Working…");
const num = (v: unknown, fallback = 0) => (typeof v === "number" && Number.isFinite(v) ? v : fallback);

export function renderFromJob(j: JobPublic): RenderJob {
  const p = (j.params ?? {}) as Record<string, unknown>;
  return { job_id: j.id, status: statusOf(j), progress: j.progress ?? 0, message: messageOf(j), eta: j.eta_seconds ?? null,
    format: p.format === "prores" ? "prores" : "mp4", in_frame: num(p.in_frame), out_frame: num(p.out_frame) };
}

export function clipInpaintFromJob(j: JobPublic): ClipInpaintJob {
  const p = (j.params ?? {}) as Record<string, unknown>;
  const prompt = typeof p.prompt === "string" && p.prompt ? `: ${p.prompt.slice(0, 40)}` : "";
  const kind = j.type === "matte" ? "matte" : "inpaint_clip";
  return { job_id: j.id, kind, sequence_id: String(p.mask_sequence_id ?? ""), label: kind === "matte" ? "Matte" : `Inpaint clip${prompt}`, status: statusOf(j),
    progress: j.progress ?? 0, message: messageOf(j), eta: j.eta_seconds ?? null, engine: j.engine ?? "", asset_id: null, error: null };
}

export function imageFromJob(j: JobPublic): ImageJobRow {
  const p = (j.params ?? {}) as Record<string, unknown>;
  const prompt = typeof p.prompt === "string" ? p.prompt.slice(0, 40) : "";
  const label = j.type === "element_visual" ? "Visualize element" : j.type === "inpaint" ? `Inpaint: ${prompt}`
    : j.type === "thumbnail" ? "Concept art" : j.type === "ai_parse" ? "AI parse" : `Image: ${prompt}`;
  const element_id = j.type === "element_visual" && typeof p.element_id === "string" ? p.element_id : undefined;
  return { job_id: j.id, label, progress: j.progress ?? 0, message: messageOf(j), status: statusOf(j), engine: j.engine ?? "", element_id };
}

/** The running jobs of `jobs` (the list as the server gives it) that the studio follows outside the shots. */
export function recoverProjectJobs(jobs: JobPublic[]): Recovered {
  const out: Recovered = { renders: [], clipInpaints: [], images: [] };
  for (const j of jobs) {
    if (!running(j)) continue;
    if (j.type === "render") out.renders.push(renderFromJob(j));
    else if (j.type === "inpaint_clip" || j.type === "matte") out.clipInpaints.push(clipInpaintFromJob(j));
    // A still made for a shot (still first) is that shot's job; the others are the image studio's.
    else if ((j.type === "image" || j.type === "element_visual" || j.type === "inpaint") && !j.shot_id) out.images.push(imageFromJob(j));
    // Concept art and AI parse (the storyboard's jobs) are followed like the image studio's: a row with a cancel.
    else if (j.type === "thumbnail" || j.type === "ai_parse") out.images.push(imageFromJob(j));
  }
  return out;
}
