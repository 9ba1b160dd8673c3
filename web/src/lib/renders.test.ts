import { describe, expect, it } from "vitest";
import { clock, defaultForm, exportButtonLabel, reduceRenderEvent, renderRequest, type RenderJob } from "./renders";

describe("renderRequest", () => {
  it("sends the whole cut with the timeline's muted tracks", () => {
    expect(renderRequest(defaultForm(240), { 2: true }, 240)).toEqual({ body: { format: "mp4", quality: "standard", muted: ["A1"] } });
  });
  it("sends a range inside the cut and refuses one outside it", () => {
    const form = { ...defaultForm(240), range: "range" as const, inFrame: 24, outFrame: 96 };
    expect(renderRequest(form, {}, 240)).toEqual({ body: { format: "mp4", quality: "standard", muted: [], in_frame: 24, out_frame: 96 } });
    for (const [a, b] of [[-1, 10], [10, 241], [50, 50], [60, 20]]) {
      expect(renderRequest({ ...form, inFrame: a, outFrame: b }, {}, 240)).toHaveProperty("error");
    }
  });
  it("refuses an empty timeline", () => {
    expect(renderRequest(defaultForm(0), {}, 0)).toEqual({ error: "The timeline is empty: add a clip first." });
  });
});

describe("reduceRenderEvent", () => {
  const job: RenderJob = { job_id: "j1", status: "queued", progress: 0, message: "Queued", eta: null, format: "mp4", in_frame: 0, out_frame: 240 };
  it("follows progress without going backwards, then completes", () => {
    let jobs = reduceRenderEvent([job], { type: "progress", data: { job_id: "j1", progress: 40, message: "Rendering", eta: 12 } });
    expect(jobs[0]).toMatchObject({ status: "processing", progress: 40, eta: 12 });
    jobs = reduceRenderEvent(jobs, { type: "progress", data: { job_id: "j1", progress: 30 } });
    expect(jobs[0].progress).toBe(40);
    jobs = reduceRenderEvent(jobs, { type: "complete", data: { job_id: "j1", asset_id: "a1" } });
    expect(jobs[0]).toMatchObject({ status: "completed", progress: 100, asset_id: "a1" });
    expect(reduceRenderEvent(jobs, { type: "progress", data: { job_id: "j1", progress: 99 } })[0].status).toBe("completed");
  });
  it("ignores other jobs and records errors and cancels", () => {
    const jobs = [job];
    expect(reduceRenderEvent(jobs, { type: "progress", data: { job_id: "other", progress: 5 } })).toBe(jobs);
    expect(reduceRenderEvent(jobs, { type: "error", data: { job_id: "j1", message: "boom" } })[0]).toMatchObject({ status: "failed", error: "boom" });
    expect(reduceRenderEvent(jobs, { type: "cancelled", data: { job_id: "j1" } })[0].status).toBe("cancelled");
  });
});

it("clock formats minutes and seconds", () => {
  expect(clock(24 * 75, 24)).toBe("1:15");
});

describe("exportButtonLabel", () => {
  const job: RenderJob = { job_id: "j1", status: "processing", progress: 41.6, message: "Rendering", eta: 11.2, format: "mp4", in_frame: 0, out_frame: 240 };
  it("shows the running render's progress and ETA", () => {
    expect(exportButtonLabel([job])).toBe("Rendering 42% · 12 s");
    expect(exportButtonLabel([{ ...job, eta: null }])).toBe("Rendering 42%");
  });
  it("says Export when nothing runs", () => {
    expect(exportButtonLabel([])).toBe("Export");
    expect(exportButtonLabel([{ ...job, status: "completed" }, { ...job, job_id: "j2", status: "cancelled" }])).toBe("Export");
  });
});
