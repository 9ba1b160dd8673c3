import { describe, expect, it } from "vitest";
import { chunkCount, engineLines, framePlan, gridAtRate, rateKey, LTX2_GRID, serverGrid, snapFrames, snappedSize, snapSize, workerLines } from "./engines";

const grid = { frame_step: 8, size_multiple: 32, min_size: 64, max_size: 2048, native_max_frames: 505 };

describe("engine grid", () => {
  it("reads the video grid from GET /engines when it is there, nested or flat, else none", () => {
    expect(serverGrid(null)).toBeNull();
    expect(serverGrid({ engines: { video: { engine: "draft", why: "draft" } } })).toBeNull();
    expect(serverGrid({ engines: { video: { engine: "ltx2", capabilities: { ...grid, size_multiple: 64, accepts_video: true } } } }))
      .toEqual({ ...grid, size_multiple: 64 });
    expect(serverGrid({ engines: { video: { engine: "x", ...grid, native_max_frames: 257 } } })).toEqual({ ...grid, native_max_frames: 257 });
    // Half a grid is no grid: the fallback applies.
    expect(serverGrid({ engines: { video: { engine: "x", capabilities: { frame_step: 8 } } } })).toBeNull();
    expect(serverGrid({ engines: { video: { engine: "x", capabilities: { ...grid, frame_step: 0 } } } })).toBeNull();
  });
  it("snaps like the server (engines/grid.py)", () => {
    expect([1, 9, 30, 33, 100, 121].map((n) => snapFrames(n))).toEqual([1, 9, 33, 33, 97, 121]);
    expect([10, 11].map((n) => snapFrames(n, 1))).toEqual([10, 11]);
    expect([320, 330, 50, 3000, 100].map((v) => snapSize(v, 32, 64, 2048))).toEqual([320, 320, 64, 2048, 96]);
    expect([320, 352, 96].map((v) => snapSize(v, 64, 64, 2048))).toEqual([320, 384, 128]);
    expect(snappedSize(320, 192, grid)).toBeNull();
    expect(snappedSize(330, 192, { ...grid, size_multiple: 64 })).toEqual({ width: 320, height: 192 });
  });
  it("counts chained chunks like plan_chunks (25-frame overlap on 8k+1)", () => {
    // From milimo.tasks.chaining.plan_chunks(total, 505, 8).
    const expected: [number, number][] = [[505, 1], [506, 2], [985, 2], [986, 3], [1000, 3], [2000, 5], [14400, 30]];
    for (const [total, chunks] of expected) expect(chunkCount(total, grid)).toBe(chunks);
  });
  it("says what generating n frames does: a still, one snapped pass, or an exact chain", () => {
    expect(framePlan(1, LTX2_GRID)).toEqual({ kind: "still" });
    expect(framePlan(30, LTX2_GRID)).toEqual({ kind: "native", frames: 30, snapped: 33 });
    // Above the native maximum nothing is snapped: chained generation keeps the exact count.
    expect(framePlan(600, LTX2_GRID)).toEqual({ kind: "chained", frames: 600, chunks: 2 });
    expect(framePlan(300, { ...grid, native_max_frames: 121 })).toMatchObject({ kind: "chained", chunks: 3 });
  });
  it("summarises the active engines, draft or real, with the reasons", () => {
    const lines = engineLines({ engines: {
      video: { engine: "ltx2", why: "weights_found", reason: "weights found at /m", device: "cuda", dtype: "bfloat16" },
      image: { engine: "draft", why: "draft", reason: "no real engine is ready, using the CPU draft engine",
        candidates: [{ engine: "flux2-klein", status: "weights_missing", reason: "weights not found" }] },
    } });
    expect(lines.map((l) => [l.capability, l.engine, l.draft])).toEqual([["video", "ltx2", false], ["image", "draft", true]]);
    expect(lines[0].text).toContain("cuda, bfloat16");
    expect(lines[1].text).toContain("flux2-klein: weights not found");
  });
  it("at the shot's own rate the one-call limit is the engine's for that rate (LTX-2 reports it per rate)", () => {
    const overview = { engines: { video: { engine: "ltx2", frame_limits: { max_frames: { "12": 233, "24": 481, "23.976": 481 } } } } };
    expect(gridAtRate(grid, overview, 12).native_max_frames).toBe(233);
    expect(gridAtRate(grid, overview, 23.976).native_max_frames).toBe(481);
    expect(gridAtRate(grid, overview, 60)).toBe(grid); // a rate it does not list: the grid's own number
    expect(gridAtRate(grid, { engines: { video: { engine: "draft" } } }, 12)).toBe(grid);
    expect(framePlan(300, gridAtRate(grid, overview, 12))).toMatchObject({ kind: "chained" });
    expect(framePlan(300, gridAtRate(grid, overview, 24))).toMatchObject({ kind: "native" });
    expect(rateKey(24)).toBe("24");
    expect(rateKey(29.97)).toBe("29.97");
  });
});

describe("workers", () => {
  it("lists the in-process worker of a local studio", () => {
    const view = workerLines({ engines: {}, executor: "local",
      workers: [{ name: "in-process", kind: "local", device: "cpu", active: [], loaded: [], slots: 1 }] });
    expect(view).toEqual({ executor: "In this server (in-process)",
      lines: [{ name: "in-process", where: "device cpu", active: 0, loaded: "nothing loaded", seen: "this server", runs: "" }] });
  });
  it("says where each cluster worker runs, what it holds and when it was last heard", () => {
    const view = workerLines({ engines: {}, executor: "ray", workers: [
      { name: "gpu-0", device: "cuda", gpu_ids: ["0"], host: "node-a", active: ["job_1", "job_2"], loaded: ["ltx2", "gemma3"],
        in_use: { ltx2: 1 }, last_seen_s: 0.42, engines: { video: "ltx2", image: "draft", text: null } },
      { name: "gpu-1", active: [], last_seen_s: 3 },
    ] });
    expect(view.executor).toBe("Ray cluster (one actor per GPU)");
    expect(view.lines).toEqual([
      { name: "gpu-0", where: "device cuda · GPU 0 · node-a", active: 2, loaded: "ltx2 (in use), gemma3", seen: "seen 0.4 s ago",
        runs: "video ltx2 · image draft · text none" },
      { name: "gpu-1", where: "unknown device", active: 0, loaded: "nothing loaded", seen: "seen 3.0 s ago", runs: "" },
    ]);
  });
  it("copes with a server that reports no executor", () => {
    expect(workerLines(null)).toEqual({ executor: "In this server (in-process)", lines: [] });
    expect(workerLines({ engines: {}, executor: "mesos" }).executor).toBe("mesos");
  });
});
