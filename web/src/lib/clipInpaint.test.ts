import { describe, expect, it } from "vitest";
import { reduceClipInpaint, type ClipInpaintJob } from "./clipInpaint";

const job: ClipInpaintJob = { job_id: "j1", kind: "inpaint_clip", sequence_id: "s1", label: "Inpaint clip", status: "queued", progress: 0, message: "Queued",
  eta: null, engine: "draft", asset_id: null, error: null };

describe("reduceClipInpaint", () => {
  it("follows progress without going backwards, then completes with the new asset", () => {
    let j = reduceClipInpaint(job, "progress", { job_id: "j1", progress: 40, message: "Inpainting frames (20/48)", eta: 3 });
    expect(j).toMatchObject({ status: "processing", progress: 40, eta: 3 });
    j = reduceClipInpaint(j, "progress", { job_id: "j1", progress: 30 });
    expect(j.progress).toBe(40);
    j = reduceClipInpaint(j, "complete", { job_id: "j1", asset_id: "a9" });
    expect(j).toMatchObject({ status: "completed", progress: 100, asset_id: "a9" });
    expect(reduceClipInpaint(j, "error", { job_id: "j1", message: "late" })).toBe(j);  // a finished job stays finished
  });

  it("ignores other jobs' events and records a failure's message", () => {
    expect(reduceClipInpaint(job, "progress", { job_id: "other", progress: 90 })).toBe(job);
    expect(reduceClipInpaint(job, "error", { job_id: "j1", message: "no clip" })).toMatchObject({ status: "failed", error: "no clip" });
    expect(reduceClipInpaint(job, "cancelled", { job_id: "j1" }).status).toBe("cancelled");
  });
});
