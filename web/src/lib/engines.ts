// The engines as data: what GET /engines says is active (draft or real, and why), and the video
// grid a request is snapped to (mirrors the server's engines/grid.py and tasks/chaining.py), so
// the inspector can say before generating what the server will do.
import { isDraft } from "./events";

/** The video engine's grid: valid frame counts are frame_step·k + 1 up to native_max_frames per call. */
export type VideoGrid = { frame_step: number; size_multiple: number; min_size: number; max_size: number; native_max_frames: number };
const GRID_KEYS = ["frame_step", "size_multiple", "min_size", "max_size", "native_max_frames"] as const;

/** LTX-2's grid (8k+1 frames, 505 per call, sizes on multiples of 32; 64 for its two-stage pipeline). Used until the server reports one. */
export const LTX2_GRID: VideoGrid = { frame_step: 8, size_multiple: 32, min_size: 64, max_size: 2048, native_max_frames: 505 };

export type Capability = "video" | "image" | "text";
export const CAPABILITIES: Capability[] = ["video", "image", "text"];

/** One capability's entry in GET /engines (only the fields the app reads). */
export type EngineInfo = {
  engine: string;
  why?: string;
  reason?: string;
  device?: string | null;
  dtype?: string | null;
  planned?: boolean;
  candidates?: { engine: string; status: string; reason: string }[];
  capabilities?: Record<string, unknown>;
  [k: string]: unknown;
};
/** One worker in GET /engines (`workers`): the in-process slots, a `milimo worker` process or a Ray GPU actor. */
export type WorkerInfo = {
  name: string;
  kind?: string;
  host?: string;
  device?: string | null;
  gpu_ids?: string[];
  active?: string[];
  loaded?: string[];
  in_use?: Record<string, number>;
  last_seen_s?: number; // cluster workers: seconds since its last heartbeat
  [k: string]: unknown;
};
export type EnginesOverview = {
  engines: Partial<Record<Capability, EngineInfo>>;
  loaded?: string[];
  device?: string;
  executor?: string;
  workers?: WorkerInfo[];
};

/** The active video engine's grid when GET /engines reports it (under `capabilities` or flat), else null. */
export function serverGrid(overview: EnginesOverview | null | undefined): VideoGrid | null {
  const video = overview?.engines?.video;
  if (!video) return null;
  for (const source of [video.capabilities, video] as (Record<string, unknown> | undefined)[]) {
    if (!source) continue;
    const values = GRID_KEYS.map((k) => source[k]);
    if (values.every((v) => typeof v === "number" && Number.isInteger(v) && v > 0)) {
      return Object.fromEntries(GRID_KEYS.map((k, i) => [k, values[i]])) as VideoGrid;
    }
  }
  return null;
}

/**
 * The grid at the shot's own rate: an engine whose one-call limit is in seconds (LTX-2) reports it
 * per rate under `frame_limits.max_frames` ("24": 481, "12": 233…), the server chains by that; an
 * engine that does not, or a rate it does not list, keeps the grid's single number.
 */
export function gridAtRate(grid: VideoGrid, overview: EnginesOverview | null | undefined, fps: number): VideoGrid {
  const limits = (overview?.engines?.video?.frame_limits as { max_frames?: Record<string, unknown> } | undefined)?.max_frames;
  const limit = limits?.[rateKey(fps)];
  return typeof limit === "number" && Number.isInteger(limit) && limit > 0 ? { ...grid, native_max_frames: limit } : grid;
}

/** A rate as the server writes it ("%g"): 24 → "24", 23.976 → "23.976". */
export function rateKey(fps: number): string {
  return String(Number(fps.toPrecision(6)));
}

/** Nearest valid count step·k + 1 (ties go up); 1 stays 1 (a still). Same as the server's snap_frames. */
export function snapFrames(n: number, step = LTX2_GRID.frame_step): number {
  if (n <= 1 || step <= 1) return Math.max(1, n);
  const k = Math.floor((n - 1 + Math.floor(step / 2)) / step);
  return Math.max(1, k) * step + 1;
}

/** Nearest multiple (ties go up), clamped to [lo, hi] on the grid. Same as the server's snap_size. */
export function snapSize(value: number, multiple: number, lo: number, hi: number): number {
  const loG = Math.ceil(lo / multiple) * multiple;
  const hiG = Math.floor(hi / multiple) * multiple;
  const snapped = Math.floor((value + Math.floor(multiple / 2)) / multiple) * multiple;
  return Math.min(Math.max(snapped, loG), hiG);
}

/** The overlap chained generation re-creates between chunks: 24 frames aligned to the grid (25 on 8k+1). */
export function overlapFrames(step: number, requested = 24): number {
  if (step <= 1) return requested;
  return Math.ceil((requested - 1) / step) * step + 1;
}

/** How many engine calls a shot of `total` frames takes (1 up to the native maximum). Mirrors plan_chunks. */
export function chunkCount(total: number, grid: VideoGrid): number {
  const native = grid.native_max_frames;
  if (total <= native) return 1;
  const overlap = overlapFrames(grid.frame_step);
  if (native <= overlap) return Infinity;
  return 1 + Math.ceil((total - native) / (native - overlap));
}

/** What generating `n` frames will do: a still, one call (snapped to the grid), or a chain of calls keeping exactly n. */
export type FramePlan =
  | { kind: "still" }
  | { kind: "native"; frames: number; snapped: number }
  | { kind: "chained"; frames: number; chunks: number };

export function framePlan(n: number, grid: VideoGrid): FramePlan {
  if (n <= 1) return { kind: "still" };
  if (n > grid.native_max_frames) return { kind: "chained", frames: n, chunks: chunkCount(n, grid) };
  return { kind: "native", frames: n, snapped: snapFrames(n, grid.frame_step) };
}

/** The size the server will use, or null when width and height are already on the grid. */
export function snappedSize(w: number, h: number, grid: VideoGrid): { width: number; height: number } | null {
  const width = snapSize(w, grid.size_multiple, grid.min_size, grid.max_size);
  const height = snapSize(h, grid.size_multiple, grid.min_size, grid.max_size);
  return width === w && height === h ? null : { width, height };
}

/** The header's engine summary: each capability's engine, whether it is the draft, and why it was chosen. */
export type EngineLine = { capability: Capability; engine: string; draft: boolean; why: string; text: string };

export function engineLines(overview: EnginesOverview | null | undefined): EngineLine[] {
  const out: EngineLine[] = [];
  for (const capability of CAPABILITIES) {
    const e = overview?.engines?.[capability];
    if (!e) continue;
    const where = [e.device, e.dtype].filter(Boolean).join(", ");
    const passed = (e.candidates ?? []).map((c) => `${c.engine}: ${c.reason}`);
    const text = `${capability}: ${e.engine}${where ? ` on ${where}${e.planned ? " (once loaded)" : ""}` : ""} — ${e.reason ?? e.why ?? ""}`
      + (passed.length ? `\n  passed over: ${passed.join("; ")}` : "");
    out.push({ capability, engine: e.engine, draft: isDraft(e.engine), why: e.why ?? "", text });
  }
  return out;
}

/** Where jobs run, in words: the executor kind GET /engines reports. */
export const EXECUTOR_WORDS: Record<string, string> = {
  local: "In this server (in-process)",
  ray: "Ray cluster (one actor per GPU)",
  external: "Worker processes (milimo worker)",
};

/** One row of the model library's Workers section. */
export type WorkerLine = { name: string; where: string; active: number; loaded: string; seen: string; runs: string };

/** The workers GET /engines lists, as the model library shows them: device and GPUs, jobs running, families held, last heartbeat. */
export function workerLines(overview: EnginesOverview | null | undefined): { executor: string; lines: WorkerLine[] } {
  const kind = overview?.executor ?? "local";
  const lines = (overview?.workers ?? []).map((w) => {
    const gpus = w.gpu_ids?.length ? `GPU ${w.gpu_ids.join(", ")}` : "";
    const where = [w.device ? `device ${w.device}` : "", gpus, w.host ?? ""].filter(Boolean).join(" · ") || "unknown device";
    const loaded = (w.loaded ?? []).map((f) => (w.in_use?.[f] ? `${f} (in use)` : f)).join(", ") || "nothing loaded";
    const seen = typeof w.last_seen_s === "number" ? `seen ${w.last_seen_s.toFixed(1)} s ago` : "this server";
    // What the worker's next job of each kind runs on (its heartbeat's `engines`; follows engines_changed).
    const runs = Object.entries((w.engines ?? {}) as Record<string, string | null>)
      .map(([cap, name]) => `${cap} ${name ? (isDraft(name) ? "draft" : name) : "none"}`).join(" · ");
    return { name: w.name, where, active: w.active?.length ?? 0, loaded, seen, runs };
  });
  return { executor: EXECUTOR_WORDS[kind] ?? kind, lines };
}
