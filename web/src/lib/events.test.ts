import { describe, expect, it } from "vitest";
import { isDraft, recoverFromJob, reduceEvent, STILL_SHARE, type LiveState } from "./events";

const take = { status: "generating", last_job_id: "j1", video_url: null, thumbnail_url: null, enhanced_prompt: null, engine: null, actual_frames: null };
const start: LiveState = { jobs: { s1: { job_id: "j1", status: "queued", progress: 0, message: "", eta: null } }, takes: { s1: take } };

describe("SSE reducer", () => {
  it("progress updates the job, monotonically, with message, ETA and enhanced prompt", () => {
    let st = reduceEvent(start, { type: "progress", data: { job_id: "j1", shot_id: "s1", project_id: "p", progress: 40, message: "Denoising", eta: 3.2 } }, "p").state;
    expect(st.jobs.s1).toMatchObject({ status: "processing", progress: 40, message: "Denoising", eta: 3.2 });
    st = reduceEvent(st, { type: "progress", data: { job_id: "j1", shot_id: "s1", progress: 36, enhanced_prompt: "better" } }, "p").state;
    expect(st.jobs.s1.progress).toBe(40);
    expect(st.takes.s1.enhanced_prompt).toBe("better");
  });
  it("complete writes the take and asks for an asset refresh", () => {
    const { state, effects } = reduceEvent(start, { type: "complete", data: { job_id: "j1", shot_id: "s1", video_url: "/v.mp4", thumbnail_url: "/t.jpg", engine: "draft", actual_frames: 33, asset_id: "g1" } }, "p");
    expect(state.takes.s1).toMatchObject({ status: "completed", video_url: "/v.mp4", thumbnail_url: "/t.jpg", engine: "draft", actual_frames: 33, media_asset_id: "g1" });
    expect(state.jobs.s1).toMatchObject({ status: "completed", progress: 100 });
    expect(effects.map((e) => e.kind)).toContain("refresh-assets");
  });
  it("concept art changes only the card's picture, never the take", () => {
    const withTake = { ...start, takes: { s1: { ...take, status: "completed", video_url: "/v.mp4", media_asset_id: "g1" } } };
    const { state } = reduceEvent(withTake, { type: "complete", data: { job_id: "t1", shot_id: "s1", type: "thumbnail", is_thumbnail: true, url: "/c.jpg", thumbnail_url: "/c.jpg", concept_art_asset_id: "a9" } }, "p");
    expect(state.takes.s1).toMatchObject({ status: "completed", video_url: "/v.mp4", media_asset_id: "g1", thumbnail_url: "/c.jpg" });
    expect(state.jobs).toBe(withTake.jobs);
    const busy = reduceEvent(withTake, { type: "progress", data: { job_id: "t1", shot_id: "s1", type: "thumbnail", progress: 50 } }, "p");
    expect(busy.state).toBe(withTake);
  });
  it("still first: the still's progress fills the start of the shot's bar, then the video the rest", () => {
    const waiting: LiveState = { ...start, jobs: { s1: { ...start.jobs.s1, still_job_id: "k1", message: "Still: queued" } } };
    let st = reduceEvent(waiting, { type: "progress", data: { job_id: "k1", shot_id: "s1", project_id: "p", type: "image", progress: 50, message: "Step 2/4", eta: 1 } }, "p").state;
    expect(st.jobs.s1).toMatchObject({ job_id: "j1", status: "processing", progress: STILL_SHARE / 2, message: "Still: Step 2/4", eta: null, still_job_id: "k1" });
    expect(st.takes.s1.status).toBe("generating");
    st = reduceEvent(st, { type: "complete", data: { job_id: "k1", shot_id: "s1", project_id: "p", type: "image", keyframe: true, url: "/k.jpg", asset_id: "a1" } }, "p").state;
    expect(st.jobs.s1).toMatchObject({ job_id: "j1", progress: STILL_SHARE, message: "Still ready; animating it…" });
    expect(st.takes.s1.video_url).toBeNull(); // the still is the keyframe, never the take
    st = reduceEvent(st, { type: "progress", data: { job_id: "j1", shot_id: "s1", project_id: "p", type: "video", progress: 0, message: "Loading" } }, "p").state;
    expect(st.jobs.s1.progress).toBe(STILL_SHARE);
    st = reduceEvent(st, { type: "progress", data: { job_id: "j1", shot_id: "s1", project_id: "p", type: "video", progress: 50, message: "Denoising" } }, "p").state;
    expect(st.jobs.s1.progress).toBe(STILL_SHARE + (100 - STILL_SHARE) / 2);
    st = reduceEvent(st, { type: "complete", data: { job_id: "j1", shot_id: "s1", project_id: "p", type: "video", video_url: "/v.mp4", asset_id: "g2" } }, "p").state;
    expect(st.jobs.s1).toMatchObject({ status: "completed", progress: 100 });
    expect(st.takes.s1.video_url).toBe("/v.mp4");
  });
  it("still first: redoing only the still finishes the job and leaves the take", () => {
    const withTake: LiveState = { jobs: { s1: { job_id: "k2", status: "processing", progress: 40, message: "", eta: null } },
      takes: { s1: { ...take, status: "generating", last_job_id: "k2", video_url: "/v.mp4" } } };
    const { state, effects } = reduceEvent(withTake, { type: "complete", data: { job_id: "k2", shot_id: "s1", project_id: "p", type: "image", keyframe: true, url: "/k2.jpg", asset_id: "a2" } }, "p");
    expect(state.jobs.s1).toMatchObject({ status: "completed", progress: 100 });
    expect(state.takes.s1).toMatchObject({ status: "completed", video_url: "/v.mp4" });
    expect(effects.map((e) => e.kind)).toContain("refresh-assets");
  });
  it("still first: a recovered video job knows its still", () => {
    const job = { id: "j1", job_id: "j1", after_job_id: "k1", status: "pending", progress: 0, status_message: "", eta_seconds: null, enhanced_prompt: null, error: null, cancel_requested: false } as any;
    expect(recoverFromJob(start, "s1", job).jobs.s1.still_job_id).toBe("k1");
  });
  it("cancelled resets the shot instead of leaving it cancelling", () => {
    const { state } = reduceEvent({ ...start, jobs: { s1: { ...start.jobs.s1, status: "cancelling" } } }, { type: "cancelled", data: { job_id: "j1", shot_id: "s1" } }, "p");
    expect(state.jobs.s1.status).toBe("cancelled");
    expect(state.takes.s1.status).toBe("pending");
  });
  it("error keeps an earlier take and says why", () => {
    const withTake = { ...start, takes: { s1: { ...take, video_url: "/old.mp4" } } };
    const { state, effects } = reduceEvent(withTake, { type: "error", data: { job_id: "j1", shot_id: "s1", message: "out of memory" } }, "p");
    expect(state.jobs.s1).toMatchObject({ status: "failed", error: "out of memory" });
    expect(state.takes.s1).toMatchObject({ status: "completed", video_url: "/old.mp4" });
    expect(effects[0]).toMatchObject({ kind: "toast", tone: "error" });
  });
  it("ignores other projects, stale jobs, and a late progress after the end", () => {
    expect(reduceEvent(start, { type: "progress", data: { job_id: "j1", shot_id: "s1", project_id: "other", progress: 50 } }, "p").state).toBe(start);
    expect(reduceEvent(start, { type: "progress", data: { job_id: "old", shot_id: "s1", progress: 50 } }, "p").state).toBe(start);
    const done = reduceEvent(start, { type: "complete", data: { job_id: "j1", shot_id: "s1", video_url: "/v.mp4" } }, "p").state;
    expect(reduceEvent(done, { type: "progress", data: { job_id: "j1", shot_id: "s1", progress: 90 } }, "p").state).toBe(done);
  });
  it("resync asks for a reload", () => {
    expect(reduceEvent(start, { type: "resync", data: {} }, "p").effects).toEqual([{ kind: "resync" }]);
  });
});

describe("in-flight recovery", () => {
  const job = (over: object) => ({ id: "j1", job_id: "j1", status: "processing", progress: 55, status_message: "Denoising", eta_seconds: 4, cancel_requested: false,
    video_url: null, url: null, thumbnail_url: null, enhanced_prompt: null, actual_frames: null, engine: "draft", error: null, ...over }) as any;
  it("a running job shows its progress", () => {
    expect(recoverFromJob(start, "s1", job({})).jobs.s1).toMatchObject({ status: "processing", progress: 55, eta: 4 });
  });
  it("a job that finished while we were away fills the take", () => {
    const st = recoverFromJob(start, "s1", job({ status: "completed", progress: 100, video_url: "/v.mp4", thumbnail_url: "/t.jpg" }));
    expect(st.takes.s1).toMatchObject({ status: "completed", video_url: "/v.mp4" });
  });
  it("a cancelled job is not 'still generating' (the reference's poller bug)", () => {
    const st = recoverFromJob(start, "s1", job({ status: "cancelled" }));
    expect(st.jobs.s1.status).toBe("cancelled");
    expect(st.takes.s1.status).toBe("pending");
  });
});

it("badges drafts", () => {
  expect(isDraft("draft")).toBe(true);
  expect(isDraft("ltx2")).toBe(false);
  expect(isDraft(null)).toBe(false);
});

describe("a job started in another tab", () => {
  const idle: LiveState = { jobs: {}, takes: { s1: { ...take, status: "completed", last_job_id: "j0", video_url: "/old.mp4" } } };
  it("shows its progress here, and its take when it completes", () => {
    let st = reduceEvent(idle, { type: "progress", data: { job_id: "jB", shot_id: "s1", project_id: "p", progress: 30, message: "Denoising" } }, "p").state;
    expect(st.jobs.s1).toMatchObject({ job_id: "jB", status: "processing", progress: 30 });
    expect(st.takes.s1).toMatchObject({ status: "generating", last_job_id: "jB" });
    st = reduceEvent(st, { type: "complete", data: { job_id: "jB", shot_id: "s1", project_id: "p", video_url: "/new.mp4", asset_id: "g2" } }, "p").state;
    expect(st.takes.s1).toMatchObject({ status: "completed", video_url: "/new.mp4", media_asset_id: "g2" });
  });
  it("but not for another project, an unknown shot, or over a job running here", () => {
    expect(reduceEvent(idle, { type: "progress", data: { job_id: "jB", shot_id: "s1", project_id: "q", progress: 30 } }, "p").state).toBe(idle);
    expect(reduceEvent(idle, { type: "progress", data: { job_id: "jB", shot_id: "zz", project_id: "p", progress: 30 } }, "p").state).toBe(idle);
    expect(reduceEvent(start, { type: "progress", data: { job_id: "jB", shot_id: "s1", project_id: "p", progress: 30 } }, "p").state).toBe(start);
  });
});
