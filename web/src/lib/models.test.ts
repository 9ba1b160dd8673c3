import { describe, expect, it } from "vitest";
import type { ModelList, ModelPublic } from "../api/types";
import { enables, fits, formatBytes, formatEta, formatSpeed, reduceDownload } from "./models";

const model = (over: Partial<ModelPublic> = {}): ModelPublic => ({
  id: "up", name: "Upscaler", engine: "ltx2", used_by: ["ltx2"], role: "upsampler", variant: "", repo_id: "r", license: "x", gated: false,
  commercial_use: true, description: "", requires: [], missing_requirements: [], status: "not_downloaded", size_bytes: 1000, bytes_on_disk: 0,
  path: null, source: "", partial: false, message: "", loaded: false, in_use: false, progress: null, ...over,
});
const list = (m: ModelPublic): ModelList => ({ models: [m], count: 1, models_dir: "/m", disk_free_bytes: 10_000 });

describe("download events", () => {
  it("progress, then complete, then the list says ready", () => {
    let l = reduceDownload(list(model()), { type: "download_progress", data: { model_id: "up", bytes_done: 200, bytes_total: 1000, progress: 20, speed_bps: 50, eta_s: 16 } })!;
    expect(l.models[0]).toMatchObject({ status: "downloading", progress: { bytes_done: 200, progress: 20, eta_s: 16 } });
    // A replayed older event does not move it back.
    const same = reduceDownload(l, { type: "download_progress", data: { model_id: "up", bytes_done: 100, bytes_total: 1000, progress: 10, speed_bps: 50, eta_s: 18 } });
    expect(same).toBe(l);
    l = reduceDownload(l, { type: "download_complete", data: { model_id: "up", bytes: 1000, path: "/m/up" } })!;
    expect(l.models[0]).toMatchObject({ status: "downloaded", progress: null, bytes_on_disk: 1000, partial: false });
  });
  it("a cancel leaves a resumable model, a failure says why", () => {
    const busy = list(model({ status: "downloading" }));
    const cancelled = reduceDownload(busy, { type: "download_error", data: { model_id: "up", cancelled: true, resumable: true, message: "x" } })!;
    expect(cancelled.models[0]).toMatchObject({ status: "not_downloaded", partial: true });
    expect(cancelled.models[0].message).toMatch(/resumes/);
    const failed = reduceDownload(busy, { type: "download_error", data: { model_id: "up", cancelled: false, resumable: false, message: "401 gated" } })!;
    expect(failed.models[0]).toMatchObject({ status: "error", message: "401 gated" });
  });
  it("ignores unknown models", () => {
    const l = list(model());
    expect(reduceDownload(l, { type: "download_complete", data: { model_id: "other" } })).toBe(l);
    expect(reduceDownload(null, { type: "download_complete", data: { model_id: "up" } })).toBeNull();
  });
});

describe("words", () => {
  it("formats bytes, speeds and time left", () => {
    expect(formatBytes(999)).toBe("999 B");
    expect(formatBytes(44_000_000_000)).toBe("44 GB");
    expect(formatBytes(3_450_000_000)).toBe("3.5 GB");
    expect(formatSpeed(12_500_000)).toBe("13 MB/s");
    expect(formatSpeed(0)).toBe("—");
    expect(formatEta(null)).toBe("estimating…");
    expect(formatEta(0.2)).toBe("1 s left");
    expect(formatEta(125)).toBe("3 min left");
    expect(formatEta(3 * 3600 + 600)).toBe("3 h 10 min left");
  });
  it("says what a model enables", () => {
    expect(enables(model())).toBe("Video (LTX-2) · upscaler");
    expect(enables(model({ engine: "gemma3", used_by: ["gemma3", "ltx2"], role: "text_encoder" }))).toBe("Prompts and screenplay (Gemma 3) + Video (LTX-2) · text encoder");
    expect(enables(model({ engine: "flux2-klein", used_by: ["flux2-klein"], role: "base" }))).toBe("Images (FLUX.2 klein)");
    expect(enables(model({ role: "temporal_upsampler" }))).toBe("Video (LTX-2) · temporal upscaler (smooth motion)");
  });
  it("needs the rest of the size plus 10 % free", () => {
    expect(fits(model({ size_bytes: 1000, bytes_on_disk: 0 }), 1100)).toBe(true);
    expect(fits(model({ size_bytes: 1000, bytes_on_disk: 0 }), 1099)).toBe(false);
    expect(fits(model({ size_bytes: 1000, bytes_on_disk: 900 }), 120)).toBe(true);
  });
});
