// The model library as data: download_* events folded into the list GET /models gave, and the
// words a filmmaker reads (sizes, speeds, time left, what a model enables). Pure, Vitest-tested.
import type { ModelList, ModelPublic } from "../api/types";

export type DownloadEvent = { type: "download_progress" | "download_complete" | "download_error"; data: Record<string, any> };

/** Apply one download event to the list; an event for a model the list does not name changes nothing. */
export function reduceDownload(list: ModelList | null, ev: DownloadEvent): ModelList | null {
  if (!list) return list;
  const id = ev.data?.model_id;
  const i = list.models.findIndex((m) => m.id === id);
  if (i < 0) return list;
  const m = list.models[i];
  let next: ModelPublic;
  if (ev.type === "download_progress") {
    const d = ev.data;
    // Progress never goes backwards within a run (events can be replayed after a reconnect).
    if (m.progress && d.bytes_done < m.progress.bytes_done && m.status === "downloading") return list;
    next = { ...m, status: "downloading", message: "", progress: { bytes_done: d.bytes_done, bytes_total: d.bytes_total, progress: d.progress, speed_bps: d.speed_bps, eta_s: d.eta_s ?? null } };
  } else if (ev.type === "download_complete") {
    next = { ...m, status: "downloaded", progress: null, partial: false, message: "", bytes_on_disk: ev.data.bytes ?? m.bytes_on_disk, path: ev.data.path ?? m.path };
  } else {
    const d = ev.data;
    next = { ...m, status: d.cancelled ? "not_downloaded" : "error", progress: null, partial: !!d.resumable || m.partial,
      message: d.cancelled ? "Cancelled — Download again resumes it" : String(d.message ?? "Download failed") };
  }
  const models = list.models.slice();
  models[i] = next;
  return { ...list, models };
}

const UNITS = ["B", "KB", "MB", "GB", "TB"];
/** Bytes as a person reads them (decimal units, like disk makers and the hub). */
export function formatBytes(n: number | null | undefined): string {
  if (n == null || !Number.isFinite(n) || n < 0) return "—";
  let v = n;
  let u = 0;
  while (v >= 1000 && u < UNITS.length - 1) {
    v /= 1000;
    u++;
  }
  return `${u === 0 ? v : v < 10 ? v.toFixed(1) : Math.round(v)} ${UNITS[u]}`;
}

export function formatSpeed(bps: number | null | undefined): string {
  return bps && bps > 0 ? `${formatBytes(bps)}/s` : "—";
}

/** Time left: seconds under a minute, then minutes, then hours and minutes. */
export function formatEta(s: number | null | undefined): string {
  if (s == null || !Number.isFinite(s)) return "estimating…";
  if (s < 60) return `${Math.max(1, Math.ceil(s))} s left`;
  if (s < 3600) return `${Math.ceil(s / 60)} min left`;
  const h = Math.floor(s / 3600);
  return `${h} h ${Math.round((s - h * 3600) / 60)} min left`;
}

/** What each engine does for a film, in the trade's words. */
const ENGINE_WORDS: Record<string, string> = {
  ltx2: "Video (LTX-2)", "flux2-klein": "Images (FLUX.2 klein)", gemma3: "Prompts and screenplay (Gemma 3)", sam3: "Masks and tracking (SAM 3)",
};
const ROLE_WORDS: Record<string, string> = {
  base: "", upsampler: "upscaler", temporal_upsampler: "temporal upscaler (smooth motion)", lora: "speed LoRA", text_encoder: "text encoder",
};

/** What downloading a model enables, in words: "Video (LTX-2) · upscaler". */
export function enables(m: Pick<ModelPublic, "role" | "engine" | "used_by">): string {
  const engines = (m.used_by.length ? m.used_by : [m.engine]).map((e) => ENGINE_WORDS[e] ?? e);
  const role = ROLE_WORDS[m.role] ?? m.role;
  return `${engines.join(" + ")}${role ? ` · ${role}` : ""}`;
}

/** Whether there is room on disk for what is left of a model (the server asks for 10 % headroom). */
export function fits(m: Pick<ModelPublic, "size_bytes" | "bytes_on_disk">, freeBytes: number): boolean {
  return Math.max(0, m.size_bytes - m.bytes_on_disk) * 1.1 <= freeBytes;
}
