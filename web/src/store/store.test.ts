import { beforeEach, describe, expect, it } from "vitest";
import { history, initialState, redo, serverSet, undo, useStudio } from "./store";
import { handleServerEvent } from "./jobs";
import { commitTrim, updateShot } from "./edits";
import { mk } from "../lib/fixtures";

const meta = { name: "P", resolution_w: 768, resolution_h: 512, fps: 24, seed: 1, script_text: "" };

beforeEach(() => {
  serverSet({ ...initialState, projectId: "p", meta, shots: { a: mk("a", { num_frames: 33 }) }, base: { meta, shots: { a: mk("a", { num_frames: 33 }) } },
    takes: { a: { status: "generating", last_job_id: "j1", video_url: null, thumbnail_url: null, enhanced_prompt: null, engine: null, actual_frames: null } },
    jobs: { a: { job_id: "j1", status: "queued", progress: 0, message: "", eta: null } } });
  history().clear();
});

describe("undo history", () => {
  it("records user edits and undoes/redoes them", () => {
    commitTrim("a", "out", -8);
    expect(useStudio.getState().shots.a.trim_out).toBe(8);
    undo();
    expect(useStudio.getState().shots.a.trim_out).toBe(0);
    redo();
    expect(useStudio.getState().shots.a.trim_out).toBe(8);
  });
  it("never records progress, completions or playback", () => {
    for (const p of [10, 20, 30]) handleServerEvent({ type: "progress", data: { job_id: "j1", shot_id: "a", progress: p } });
    handleServerEvent({ type: "complete", data: { job_id: "j1", shot_id: "a", video_url: "/v.mp4", engine: "draft" } });
    useStudio.setState({ frame: 12, playing: true });
    expect(history().pastStates.length).toBe(0);
    updateShot("a", { prompt: "new" });
    expect(history().pastStates.length).toBe(1);
    undo();
    // Undo reverts the edit but not the completion the server reported.
    expect(useStudio.getState().shots.a.prompt).toBe("a");
    expect(useStudio.getState().takes.a.video_url).toBe("/v.mp4");
    expect(useStudio.getState().jobs.a.status).toBe("completed");
  });
  it("server-applied document changes are not undo steps", () => {
    serverSet((s) => ({ shots: { ...s.shots, a: { ...s.shots.a, num_frames: 97 } } }));
    expect(history().pastStates.length).toBe(0);
  });
});
