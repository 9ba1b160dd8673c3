// The Mask editor's calls: masks from clicks, text and detection, inpainting, the SAM service's state.
import { api, call } from "../../api/client";
import type { components } from "../../api/schema";
import type { Prompt } from "./maskOps";

type S = components["schemas"];
export type MaskResult = S["MaskResult"];
export type DetectResult = S["DetectResult"];
export type SamState = { state: "up" | "draft" | "down"; engine: string | null; reason: string; text_prompts?: boolean };

export async function samStatus(): Promise<SamState> {
  try {
    return (await call(api.GET("/edit/sam/status"))) as unknown as SamState;
  } catch {
    return { state: "down", engine: null, reason: "the studio cannot be reached" };
  }
}

export function segment(projectId: string, assetId: string, p: Prompt): Promise<MaskResult> {
  return call(api.POST("/edit/segment", { body: { project_id: projectId, asset_id: assetId, points: p.points.length ? p.points : null,
    labels: p.points.length ? p.labels : null, box: p.box } }));
}

export function segmentText(projectId: string, assetId: string, text: string, confidence: number): Promise<MaskResult> {
  return call(api.POST("/edit/segment-text", { body: { project_id: projectId, asset_id: assetId, text, confidence } }));
}

export function detect(projectId: string, assetId: string, text: string, confidence: number): Promise<DetectResult> {
  return call(api.POST("/edit/detect", { body: { project_id: projectId, asset_id: assetId, text, confidence } }));
}

/** An edited mask (grown, brushed…) goes back as an upload of the project, so the inpaint job can name it. */
export async function uploadMask(projectId: string, png: Blob): Promise<string> {
  const form = new FormData();
  form.append("file", new File([png], "mask.png", { type: "image/png" }));
  form.append("project_id", projectId);
  const r = await fetch("/upload", { method: "POST", body: form });
  const body = await r.json().catch(() => ({}));
  if (!r.ok) throw new Error(body?.detail ?? `HTTP ${r.status}`);
  return body.id as string;
}

export async function inpaint(projectId: string, image: string, mask: string, prompt: string, strength: number): Promise<string> {
  const q = await call(api.POST("/edit/inpaint", { body: { project_id: projectId, image, mask, prompt, strength } }));
  return q.job_id;
}

/** Poll the job row until it ends (the row is the truth; seed §5 reload path). Resolves to the new still's asset id. */
export async function waitForJob(jobId: string, onProgress: (pct: number, msg: string) => void): Promise<string> {
  for (;;) {
    const job = (await call(api.GET("/status/{job_id}", { params: { path: { job_id: jobId } } }))) as any;
    onProgress(job.progress ?? 0, job.status_message ?? "");
    if (job.status === "completed") return job.asset_id as string;
    if (job.status === "failed" || job.status === "cancelled") throw new Error(job.error || `the job was ${job.status}`);
    await new Promise((r) => setTimeout(r, 300));
  }
}
