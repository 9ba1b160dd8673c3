import { beforeEach, expect, it } from "vitest";
import { history, initialState, serverSet, undo, useStudio } from "./store";
import { handleServerEvent } from "./jobs";
import { updateShot } from "./edits";
import { diffDoc } from "../lib/sync";
import { mk } from "../lib/fixtures";

const meta = { name: "P", resolution_w: 768, resolution_h: 512, fps: 25, seed: 1, script_text: "" };

beforeEach(() => {
  const p = mk("p", { num_frames: 1 });
  serverSet({ ...initialState, projectId: "proj", meta, shots: { p }, base: { meta, shots: { p } }, version: 2,
    jobs: { p: { job_id: "j1", status: "processing", progress: 50, message: "", eta: null } },
    takes: { p: { status: "generating", last_job_id: "j1", enhanced_prompt: null, video_url: null, thumbnail_url: null, engine: null, actual_frames: null } } });
  history().clear();
});

it("a finished still is held for STILL_SECONDS, saved to the server, and no undo shrinks it", () => {
  updateShot("p", { prompt: "an edit before the result" }); // one undo step whose state has 1 frame
  handleServerEvent({ type: "complete", data: { type: "image", job_id: "j1", shot_id: "p", project_id: "proj", url: "/s.png", asset_id: "img1", actual_frames: 1 } });
  const s = useStudio.getState();
  expect(s.shots.p.num_frames).toBe(125); // 5 s at 25 fps
  expect(s.shots.p.media_asset_id).toBe("img1");
  expect(diffDoc(s.base!, { meta: s.meta!, shots: s.shots }, s.version)?.shots?.[0]).toMatchObject({ id: "p", num_frames: 125 });
  undo();
  expect(useStudio.getState().shots.p).toMatchObject({ num_frames: 125, prompt: "p" });
});

it("a video result leaves the length alone", () => {
  serverSet((s) => ({ shots: { p: { ...s.shots.p, num_frames: 33 } } }));
  handleServerEvent({ type: "complete", data: { type: "video", job_id: "j1", shot_id: "p", project_id: "proj", video_url: "/v.mp4", asset_id: "v1", actual_frames: 33 } });
  expect(useStudio.getState().shots.p.num_frames).toBe(33);
});
