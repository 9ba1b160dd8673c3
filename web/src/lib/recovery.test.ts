import { describe, expect, it } from "vitest";
import type { JobPublic } from "../api/types";
import { recoverProjectJobs } from "./recovery";

const job = (over: Partial<JobPublic>): JobPublic => ({
  job_id: "j", id: "j", project_id: "p", shot_id: null, type: "video", status: "processing", progress: 40, status_message: "Frame 10",
  eta_seconds: 3, engine: "draft-inpaint", engine_version: null, params: {}, outputs: {}, error: null, video_url: null, url: null,
  thumbnail_url: null, enhanced_prompt: null, actual_frames: null, asset_id: null, cancel_requested: false, created_at: "",
  started_at: null, finished_at: null, after_job_id: null, ...over,
} as JobPublic);

describe("recovering a project's jobs after a reload", () => {
  it("running renders, clip inpaints and studio stills come back; shot jobs and finished jobs do not", () => {
    const r = recoverProjectJobs([
      job({ id: "r1", type: "render", status: "pending", progress: 0, status_message: "", params: { format: "prores", in_frame: 24, out_frame: 96 } }),
      job({ id: "c1", type: "inpaint_clip", params: { prompt: "an empty wall", mask_sequence_id: "seq1" } }),
      job({ id: "i1", type: "image", params: { prompt: "a harbour at dawn" } }),
      job({ id: "i2", type: "image", shot_id: "s1", params: { prompt: "a still-first still" } }),
      job({ id: "v1", type: "video", shot_id: "s1" }),
      job({ id: "c2", type: "inpaint_clip", status: "completed", progress: 100 }),
      job({ id: "e1", type: "element_visual", status: "pending", status_message: "" }),
      job({ id: "t1", type: "thumbnail", shot_id: "s2", params: { prompt: "concept art" } }),
      job({ id: "a1", type: "ai_parse", status: "pending", status_message: "" }),
    ]);
    expect(r.renders).toEqual([{ job_id: "r1", status: "queued", progress: 0, message: "Queued", eta: 3, format: "prores", in_frame: 24, out_frame: 96 }]);
    expect(r.clipInpaints).toMatchObject([{ job_id: "c1", sequence_id: "seq1", label: "Inpaint clip: an empty wall", status: "processing",
      progress: 40, message: "Frame 10", eta: 3, engine: "draft-inpaint", asset_id: null }]);
    expect(r.images.map((i) => [i.job_id, i.label, i.status])).toEqual([["i1", "Image: a harbour at dawn", "processing"], ["e1", "Visualize element", "queued"],
      ["t1", "Concept art", "processing"], ["a1", "AI parse", "queued"]]);
  });
});
