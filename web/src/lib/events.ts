// The SSE reducer: server events → job views and takes. Pure, so every event shape is tested.
// Events for another project, or for a job that no longer owns its shot, change nothing.
import type { JobPublic, ShotTake } from "../api/types";

export type JobStatus = "queued" | "processing" | "cancelling" | "completed" | "failed" | "cancelled";
export type JobView = {
  job_id: string;
  status: JobStatus;
  progress: number;
  message: string;
  eta: number | null;
  enhanced_prompt?: string | null;
  error?: string | null;
  /** Still first: the image job this shot's video job waits for; its events drive the first part of the bar. */
  still_job_id?: string | null;
};

/** The share of a still-first shot's bar that is the still (a few image steps before many video steps). */
export const STILL_SHARE = 15;
export type LiveState = { jobs: Record<string, JobView>; takes: Record<string, ShotTake> };
export type ServerEvent = { type: string; data: Record<string, any> };
export type Effect =
  | { kind: "toast"; tone: "info" | "ok" | "error"; text: string }
  | { kind: "refresh-assets" }
  | { kind: "resync" };

export function isActive(j: JobView | undefined): boolean {
  return !!j && (j.status === "queued" || j.status === "processing" || j.status === "cancelling");
}

/**
 * Whose event is it: the shot whose current job is this job. A job this tab does not know (started
 * in another tab or by a script) belongs to its shot when the event names the open project and
 * the shot has no job of its own running here, so every tab showing a project sees its progress.
 */
function owner(state: LiveState, data: Record<string, any>, projectId: string | null): string | null {
  const sid = data.shot_id as string | undefined;
  if (!sid) return null;
  const job = state.jobs[sid];
  const take = state.takes[sid];
  if (job?.job_id === data.job_id || take?.last_job_id === data.job_id || (job?.still_job_id && job.still_job_id === data.job_id)) return sid;
  if (projectId && data.project_id === projectId && take && !isActive(job) && data.job_id) return sid;
  return null;
}

export function reduceEvent(state: LiveState, ev: ServerEvent, projectId: string | null): { state: LiveState; effects: Effect[] } {
  const d = ev.data ?? {};
  const effects: Effect[] = [];
  if (ev.type === "resync") return { state, effects: [{ kind: "resync" }] };
  if (d.project_id && projectId && d.project_id !== projectId) return { state, effects };
  if (ev.type === "complete" && !d.shot_id) {
    // A library image (POST /generate/image): nothing on a shot changes.
    return { state, effects: [{ kind: "refresh-assets" }, { kind: "toast", tone: "ok", text: "Image ready in the media library" }] };
  }
  if (d.type === "thumbnail" && d.shot_id) {
    // Concept art (seed §6.2) is matched by shot, not by the shot's job: only the card's picture
    // changes when it is done, never the shot's take, status or generation progress.
    const sid = d.shot_id as string;
    if (ev.type !== "complete" || !d.is_thumbnail || !state.takes[sid]) return { state, effects };
    effects.push({ kind: "refresh-assets" }, { kind: "toast", tone: "ok", text: "Concept art ready" });
    return { state: { ...state, takes: { ...state.takes, [sid]: { ...state.takes[sid], thumbnail_url: d.thumbnail_url ?? null } } }, effects };
  }
  const sid = owner(state, d, projectId);
  if (!sid) return { state, effects };
  const job = state.jobs[sid];
  if (d.keyframe && ev.type === "complete" && job?.job_id === d.job_id) {
    // Only the still was redone (regenerate "still"): the shot's keyframe is new, its take stays.
    const take = state.takes[sid];
    return {
      state: { jobs: { ...state.jobs, [sid]: { ...job, status: "completed", progress: 100, message: "New still ready (the take is unchanged)", eta: null } },
        takes: { ...state.takes, [sid]: { ...take, status: take?.video_url ? "completed" : "pending" } } },
      effects: [{ kind: "refresh-assets" }, { kind: "toast", tone: "ok", text: "New still ready" }],
    };
  }
  if (d.keyframe && ev.type === "complete") {
    // Still first: the shot's first frame is made; its video job (which waited for it) runs next.
    const base = job ?? { job_id: d.job_id, status: "processing", progress: 0, eta: null };
    const next = { ...base, progress: Math.max(base.progress, STILL_SHARE), message: "Still ready; animating it…" } as JobView;
    return { state: { ...state, jobs: { ...state.jobs, [sid]: next } }, effects: [{ kind: "refresh-assets" }] };
  }
  if (job?.still_job_id && job.still_job_id === d.job_id && job.job_id !== d.job_id) {
    // The still of a still-first shot, while its video job waits: the first STILL_SHARE of the bar.
    // Its failure or cancellation takes the video job with it, whose own event then ends the shot's job.
    if (ev.type !== "progress" || !isActive(job)) return { state, effects };
    const next: JobView = {
      ...job, status: job.status === "cancelling" ? "cancelling" : "processing", eta: null,
      progress: Math.max(job.progress, (Number(d.progress ?? 0) * STILL_SHARE) / 100),
      message: `Still: ${d.message ?? "making the first frame"}`,
    };
    const take = state.takes[sid];
    const takes = take?.status === "generating" ? state.takes : { ...state.takes, [sid]: { ...take, status: "generating" } as ShotTake };
    return { state: { jobs: { ...state.jobs, [sid]: next }, takes }, effects };
  }
  const take = state.takes[sid];
  const fresh = !job || job.job_id !== d.job_id;
  const put = (j: Partial<JobView>, t?: Partial<ShotTake>): LiveState => ({
    jobs: { ...state.jobs, [sid]: { ...(fresh ? { job_id: d.job_id, status: "queued", progress: 0, message: "", eta: null } : job), ...j } },
    takes: t ? { ...state.takes, [sid]: { ...take, ...t } } : state.takes,
  });
  switch (ev.type) {
    case "progress": {
      if (!fresh && (job.status === "completed" || job.status === "failed" || job.status === "cancelled")) return { state, effects };
      // Never goes backwards; after a still, the video fills the rest of the bar.
      const own = Number(d.progress ?? 0);
      const scaled = !fresh && job.still_job_id ? STILL_SHARE + (own * (100 - STILL_SHARE)) / 100 : own;
      const progress = Math.max(fresh ? 0 : job.progress, scaled);
      const next: Partial<JobView> = {
        job_id: d.job_id, progress, message: d.message ?? job?.message ?? "", eta: d.eta ?? null,
        status: !fresh && job.status === "cancelling" ? "cancelling" : "processing",
      };
      if (d.enhanced_prompt) next.enhanced_prompt = d.enhanced_prompt;
      const t: Partial<ShotTake> | undefined = fresh || d.enhanced_prompt
        ? { ...(fresh ? { status: "generating", last_job_id: d.job_id } : {}), ...(d.enhanced_prompt ? { enhanced_prompt: d.enhanced_prompt } : {}) } : undefined;
      return { state: put(next, t), effects };
    }
    case "complete": {
      const t: Partial<ShotTake> = {
        status: "completed", last_job_id: d.job_id,
        video_url: d.video_url ?? (d.type === "video" || d.type === "image" ? d.url : undefined) ?? take?.video_url ?? null,
        thumbnail_url: d.thumbnail_url ?? take?.thumbnail_url ?? null,
        engine: d.engine ?? take?.engine ?? null,
        actual_frames: d.actual_frames ?? take?.actual_frames ?? null,
        media_asset_id: d.asset_id ?? take?.media_asset_id ?? null,
      };
      if (d.enhanced_prompt) t.enhanced_prompt = d.enhanced_prompt;
      effects.push({ kind: "refresh-assets" }, { kind: "toast", tone: "ok", text: "Shot ready" + (d.engine === "draft" || String(d.engine ?? "").startsWith("draft") ? " (draft)" : "") });
      return { state: put({ status: "completed", progress: 100, message: "Done", eta: null }, t), effects };
    }
    case "error": {
      effects.push({ kind: "toast", tone: "error", text: `Generation failed: ${d.message ?? "unknown error"}` });
      return { state: put({ status: "failed", message: d.message ?? "Failed", error: d.message ?? null, eta: null },
        { status: take?.video_url ? "completed" : "failed" }), effects };
    }
    case "cancelled": {
      // The reference left a cancelled shot in "Cancelling…" forever; the shot goes back to its previous take.
      effects.push({ kind: "toast", tone: "info", text: "Generation cancelled" });
      return { state: put({ status: "cancelled", message: "Cancelled", eta: null }, { status: take?.video_url ? "completed" : "pending" }), effects };
    }
    default:
      return { state, effects };
  }
}

/** In-flight recovery (seed §5): a job row from GET /status → the shot's job view and take. */
export function recoverFromJob(state: LiveState, shotId: string, job: JobPublic): LiveState {
  const take = state.takes[shotId];
  const status: JobStatus = job.status === "pending" ? "queued" : job.status === "processing" ? (job.cancel_requested ? "cancelling" : "processing")
    : (job.status as JobStatus);
  const view: JobView = {
    job_id: job.id, status, progress: job.progress, message: job.status_message, eta: job.eta_seconds,
    enhanced_prompt: job.enhanced_prompt, error: job.error, still_job_id: job.after_job_id && job.after_job_id !== job.id ? job.after_job_id : null,
  };
  let t: ShotTake = take;
  if (status === "completed") {
    t = { ...take, status: "completed", video_url: job.video_url ?? job.url ?? take?.video_url ?? null,
      thumbnail_url: job.thumbnail_url ?? take?.thumbnail_url ?? null, engine: job.engine ?? take?.engine ?? null,
      actual_frames: job.actual_frames ?? take?.actual_frames ?? null, enhanced_prompt: job.enhanced_prompt ?? take?.enhanced_prompt ?? null,
      media_asset_id: job.asset_id ?? take?.media_asset_id ?? null };
  } else if (status === "failed" || status === "cancelled") {
    t = { ...take, status: take?.video_url ? "completed" : status === "failed" ? "failed" : "pending" };
  }
  return { jobs: { ...state.jobs, [shotId]: view }, takes: { ...state.takes, [shotId]: t } };
}

/** Whether a draft engine made this take (the UI badges drafts so they never pass for model output). */
export function isDraft(engine: string | null | undefined): boolean {
  return !!engine && (engine === "draft" || engine.startsWith("draft"));
}
