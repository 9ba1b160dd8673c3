// Live progress (seed §1, §5, §8): one SSE connection, in-flight job recovery, generate/cancel/extend.
import { api, ApiError, call } from "../api/client";
import type { ShotDoc } from "../api/types";
import { reduceEvent, recoverFromJob, type Effect, type ServerEvent } from "../lib/events";
import { insertAfter, applyEdit } from "../lib/edits";
import { serverSet, toast, useStudio } from "./store";
import { adoptVersion, flushSave, reloadAndMerge } from "./sync";
import { refreshAssets } from "./library";
import { newId } from "../lib/shots";
import { adoptMedia, holdStills } from "./adopt";
import { STILL_SECONDS } from "../lib/takes";
import { loadEngines } from "./engines";
import { loadModels } from "./models";
import { handleRenderEvent } from "./renders";
import { onDownloadEvent } from "./models";
import { onImageEvent } from "./elements";
import { onClipInpaintEvent } from "./clipInpaint";
import type { DownloadEvent } from "../lib/models";
import { noteJobEvent, recoverProjectRows } from "./recovery";

const APP_EVENTS = ["progress", "complete", "error", "cancelled", "log", "resync"] as const;

/** Apply one server event to the store (outside undo history) and run its effects. */
export function handleServerEvent(ev: ServerEvent): void {
  noteJobEvent(ev.type, ev.data?.job_id);
  if (ev.data?.type === "render") return handleRenderEvent(ev); // renders have no shot: the Export dialog follows them
  if (ev.data?.type === "inpaint_clip" || ev.data?.type === "matte") return onClipInpaintEvent(ev.type, ev.data); // no shot: the Mask editor, the library and the jobs area follow them
  onImageEvent(ev.type, ev.data ?? {}); // the image studio's and Visualize's own jobs
  const s = useStudio.getState();
  const { state, effects } = reduceEvent({ jobs: s.jobs, takes: s.takes }, ev, s.projectId);
  const sid = ev.data?.shot_id as string | undefined;
  if (ev.type === "complete" && sid && state.takes[sid] !== s.takes[sid] && ev.data.asset_id) {
    // The job pointed the shot at its new take on the server: so does every copy here.
    serverSet({ jobs: state.jobs });
    adoptMedia({ [sid]: String(ev.data.asset_id) }, state.takes);
    const shot = useStudio.getState().shots[sid];
    if (ev.data.type === "image" && shot?.num_frames === 1) {
      const fps = useStudio.getState().meta?.fps ?? 24;
      holdStills({ [sid]: Math.max(1, Math.round(STILL_SECONDS * fps)) });
      toast("info", `The still is held for ${STILL_SECONDS} s on the timeline: change Frames or trim it to adjust`, 5000);
    }
  } else if (state.jobs !== s.jobs || state.takes !== s.takes) serverSet({ jobs: state.jobs, takes: state.takes });
  runEffects(effects);
}

function runEffects(effects: Effect[]): void {
  for (const e of effects) {
    if (e.kind === "toast") toast(e.tone, e.text);
    else if (e.kind === "refresh-assets") void refreshAssets();
    else if (e.kind === "resync") void resync();
  }
}

async function resync(): Promise<void> {
  await reloadAndMerge().catch(() => undefined);
  await recoverJobs();
  await recoverProjectRows();
}

/**
 * The one EventSource. The browser reconnects by itself and sends Last-Event-ID; if it gives up
 * (the server was down long enough for a non-200), a new one resumes with ?since=<last id>.
 * The app's `error` event and EventSource's own connection error share a name: a connection error
 * is a plain Event without data, so the two are told apart before anything is parsed.
 */
export function connectEvents(url = "/events"): () => void {
  let source: EventSource | null = null;
  let retry: ReturnType<typeof setTimeout> | null = null;
  let attempts = 0;
  let closed = false;
  let wasLive = false;

  const open = () => {
    const last = useStudio.getState().lastEventId;
    source = new EventSource(last ? `${url}?since=${encodeURIComponent(last)}` : url);
    serverSet({ connection: wasLive ? "reconnecting" : "connecting" });
    source.onopen = () => {
      attempts = 0;
      const reconnected = wasLive;
      wasLive = true;
      serverSet({ connection: "live" });
      // Anything that finished while we were away is replayed by the server; job rows are the backstop.
      if (reconnected) {
        void recoverJobs();
        void recoverProjectRows();
        void loadEngines(); // a restarted server may have picked other engines
      }
    };
    // Model downloads: the library follows their progress.
    for (const type of ["download_progress", "download_complete", "download_error"] as const) {
      source.addEventListener(type, (e: Event) => {
        if (!(e instanceof MessageEvent) || typeof e.data !== "string") return;
        try {
          onDownloadEvent({ type, data: JSON.parse(e.data) } as DownloadEvent);
        } catch {
          /* not JSON: nothing to apply */
        }
      });
    }
    // The model library changed here or in another tab or replica (a download, a delete, a refresh):
    // the header chips and the library (free disk, what is ready) follow.
    source.addEventListener("engines_changed", () => {
      void loadEngines();
      void loadModels();
    });
    for (const type of APP_EVENTS) {
      source.addEventListener(type, (e: Event) => {
        if (!(e instanceof MessageEvent) || typeof e.data !== "string") {
          if (type === "error") onConnectionError();
          return;
        }
        if (e.lastEventId) serverSet({ lastEventId: e.lastEventId });
        let data: Record<string, unknown> = {};
        try {
          data = JSON.parse(e.data);
        } catch {
          return;
        }
        if (type === "log") return;
        handleServerEvent({ type, data });
      });
    }
  };

  const onConnectionError = () => {
    if (closed || !source) return;
    if (source.readyState === EventSource.CONNECTING) {
      serverSet({ connection: "reconnecting" });
      return;
    }
    // CLOSED: the browser gave up; back off and open a new one that resumes after the last id.
    source.close();
    serverSet({ connection: "offline" });
    const delay = Math.min(10_000, 1000 * 2 ** attempts++);
    retry = setTimeout(open, delay);
  };

  open();
  return () => {
    closed = true;
    if (retry) clearTimeout(retry);
    source?.close();
  };
}

/** Seed §5: every shot the server says is generating gets its job row read, and its state synced. */
export async function recoverJobs(): Promise<void> {
  const s = useStudio.getState();
  const pending = Object.entries(s.takes).filter(([id, t]) => t?.last_job_id && (t.status === "generating" || s.jobs[id]?.status === "queued"
    || s.jobs[id]?.status === "processing" || s.jobs[id]?.status === "cancelling"));
  await Promise.all(pending.map(async ([shotId, t]) => {
    try {
      const job = await call(api.GET("/status/{job_id}", { params: { path: { job_id: t.last_job_id! } } }));
      const cur = useStudio.getState();
      const next = recoverFromJob({ jobs: cur.jobs, takes: cur.takes }, shotId, job);
      serverSet({ jobs: next.jobs });
      if (next.jobs[shotId].status === "completed" && job.asset_id) adoptMedia({ [shotId]: job.asset_id }, next.takes);
      else serverSet({ takes: next.takes });
    } catch {
      /* the next event or reload tries again */
    }
  }));
}

function shotConfig(shot: ShotDoc) {
  return {
    id: shot.id, prompt: shot.prompt, negative_prompt: shot.negative_prompt, seed: shot.seed, width: shot.width,
    height: shot.height, num_frames: shot.num_frames, fps: shot.fps, num_inference_steps: shot.steps, cfg_scale: shot.cfg_scale,
    enhance_prompt: shot.enhance_prompt, upscale: shot.upscale, pipeline_override: shot.pipeline_override as "auto",
    auto_continue: shot.auto_continue, timeline: shot.timeline, still_first: shot.still_first,
  };
}

/** Generate (seed §1): save first so the server reads this shot as the user sees it, then queue the job. */
export async function generateShot(shotId: string): Promise<void> {
  const before = useStudio.getState();
  if (!before.projectId || !before.shots[shotId]) return;
  if (!before.shots[shotId].prompt.trim()) {
    toast("error", "Write a prompt first");
    return;
  }
  serverSet((s) => ({ jobs: { ...s.jobs, [shotId]: { job_id: "", status: "queued", progress: 0, message: "Queued", eta: null } } }));
  try {
    // The request says which version its shot_config is based on; if another tab saved meanwhile (409),
    // autosave merges that save into this document once and the generation is asked for again.
    let s = useStudio.getState();
    let r;
    for (let attempt = 0; ; attempt++) {
      await flushSave();
      s = useStudio.getState();
      const shot = s.shots[shotId];
      if (!shot) return;
      try {
        r = await call(api.POST("/generate/advanced", {
          body: { project_id: s.projectId!, shot_config: shotConfig(shot), base_version: s.version || undefined },
        }));
        break;
      } catch (e) {
        if (!(e instanceof ApiError && e.status === 409) || attempt > 0) throw e;
        await reloadAndMerge();
      }
    }
    const cur = useStudio.getState();
    // The server snapped frames and sizes to the engine grid and wrote them: the document and its base agree.
    const snapped: Partial<ShotDoc> = {};
    for (const a of r.adjustments ?? []) if (a.field === "num_frames" || a.field === "width" || a.field === "height") (snapped as any)[a.field] = a.used;
    const shots = Object.keys(snapped).length && cur.shots[shotId] ? { ...cur.shots, [shotId]: { ...cur.shots[shotId], ...snapped } } : cur.shots;
    const base = cur.base && cur.base.shots[shotId] && Object.keys(snapped).length
      ? { ...cur.base, shots: { ...cur.base.shots, [shotId]: { ...cur.base.shots[shotId], ...snapped } } } : cur.base;
    serverSet({
      shots, base,
      jobs: { ...cur.jobs, [shotId]: {
        job_id: r.job_id, status: "queued", progress: 0, eta: null,
        // Still first: the still's events fill the start of this shot's bar while the video job waits.
        ...(r.still_job_id && r.still_job_id !== r.job_id ? { still_job_id: r.still_job_id, message: "Still: queued" } : { message: "Queued" }),
      } },
      takes: { ...cur.takes, [shotId]: { ...cur.takes[shotId], status: "generating", last_job_id: r.job_id } },
      adjustments: { ...cur.adjustments, [shotId]: r.adjustments ?? [] },
    });
    await adoptVersion(s.version, r.project_version);
    if (r.adjustments?.length) {
      toast("info", "Adjusted to the engine grid: " + r.adjustments.map((a) => `${a.field} ${a.requested}→${a.used}`).join(", "), 7000);
    }
  } catch (e) {
    serverSet((s) => ({ jobs: { ...s.jobs, [shotId]: { job_id: "", status: "failed", progress: 0, message: (e as Error).message, eta: null, error: (e as Error).message } } }));
    toast("error", `Could not start generation: ${(e as Error).message}`, 8000);
  }
}

/** Cancel (seed §8): a queued job is cancelled at once, a running one at its next step; the shot resets either way. */
export async function cancelShot(shotId: string): Promise<void> {
  const s = useStudio.getState();
  const jobId = s.jobs[shotId]?.job_id || s.takes[shotId]?.last_job_id;
  if (!jobId) return;
  serverSet((st) => ({ jobs: { ...st.jobs, [shotId]: { ...st.jobs[shotId], job_id: jobId, status: "cancelling", message: "Cancelling…" } } }));
  try {
    const r = await call(api.POST("/jobs/{job_id}/cancel", { params: { path: { job_id: jobId } } }));
    if (r.status === "cancelled") handleServerEvent({ type: "cancelled", data: { job_id: jobId, shot_id: shotId } });
  } catch (e) {
    if (e instanceof ApiError && e.status === 409) {
      await recoverJobs(); // it finished first: take whatever it ended as
      return;
    }
    toast("error", `Cancel failed: ${(e as Error).message}`);
  }
}

/** Extend: a new shot right after this one, same prompt and settings, continuing from its last frame. */
export async function extendShot(shotId: string): Promise<void> {
  const s = useStudio.getState();
  const shot = s.shots[shotId];
  if (!shot) return;
  const next: ShotDoc = { ...shot, id: newId(), trim_in: 0, trim_out: 0, auto_continue: true, timeline: [], index: shot.index + 1, media_asset_id: null };
  const { edit, v1Order } = insertAfter(s.shots, shot, next);
  useStudio.setState({ shots: applyEdit(s.shots, edit, v1Order), selectedId: next.id });
  await generateShot(next.id);
}
