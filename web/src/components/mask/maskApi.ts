// The Mask editor's calls: masks from clicks, text and detection, inpainting, the SAM service's state.
import { api, call, notifyUnauthorized } from "../../api/client";
import type { components } from "../../api/schema";
import type { AssetPublic } from "../../api/types";
import { takeLines, trackTotal, type Direction } from "../../lib/tracking";
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
  form.append("kind", "mask");  // a mask, not a still: kept out of the reference pickers
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

/** One frame of a video asset as a new still of the project (kind "frame"). */
export function frameStill(projectId: string, videoAssetId: string, frame: number): Promise<AssetPublic> {
  return call(api.POST("/assets/{asset_id}/frame", { params: { path: { asset_id: videoAssetId } }, body: { project_id: projectId, frame } }));
}

async function post(path: string, body: unknown): Promise<Response> {
  const r = await fetch(path, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  if (!r.ok) {
    notifyUnauthorized(r.status);
    const detail = await r.json().then((b) => b?.detail, () => null);
    throw new Error(typeof detail === "string" ? detail : `HTTP ${r.status}`);
  }
  return r;
}

/**
 * Track the selected object through the clip: start a session on the video, prompt it on `frame`
 * with the clicks or box, read the propagation's NDJSON as it arrives (onFrame: frames done, total),
 * and always stop the session. Resolves to the mask_sequence asset.
 */
export async function track(projectId: string, videoAssetId: string, frame: number, p: Prompt, direction: Direction,
  onFrame: (done: number, total: number) => void): Promise<AssetPublic> {
  const session = await (await post("/edit/track/start", { project_id: projectId, asset_id: videoAssetId })).json();
  const sid = session.session_id as string;
  try {
    await post("/edit/track/prompt", { project_id: projectId, session_id: sid, frame_idx: frame, obj_id: 1,
      ...(p.points.length ? { points: p.points, labels: p.labels } : {}), ...(p.box ? { box: p.box } : {}) });
    const total = trackTotal(direction, frame, session.num_frames as number);
    onFrame(0, total);
    const r = await post("/edit/track/propagate", { project_id: projectId, session_id: sid, direction, start_frame: frame });
    const reader = r.body!.pipeThrough(new TextDecoderStream()).getReader();
    let rest = "";
    let done = 0;
    for (;;) {
      const chunk = await reader.read();
      const got = takeLines(rest + (chunk.value ?? "") + (chunk.done ? "\n" : ""));
      rest = got.rest;
      for (const line of got.lines) {
        if ("frame_idx" in line) onFrame(++done, total);
        else if (line.status === "complete") return line.asset as AssetPublic;
        else if (line.status === "error") throw new Error(String(line.detail ?? "tracking failed"));
      }
      if (chunk.done) throw new Error("the tracking stream ended before it finished");
    }
  } finally {
    await post("/edit/track/stop", { project_id: projectId, session_id: sid }).catch(() => undefined);
  }
}
