import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { history, initialState, redo, serverSet, undo, useStudio } from "./store";
import { handleServerEvent } from "./jobs";
import { deleteSelected, updateShot } from "./edits";
import { placeAssets, startTakeSync, useAsTake } from "./takes";
import { forgetAsset } from "./adopt";
import { diffDoc } from "../lib/sync";
import { takeFromAsset } from "../lib/takes";
import { asset, mk } from "../lib/fixtures";

const meta = { name: "P", resolution_w: 768, resolution_h: 512, fps: 24, seed: 1, script_text: "" };
const clip = asset("up"); // an uploaded 48-frame video
const gen1 = asset("gen1", { engine: "draft", num_frames: 33 });
let stop: () => void = () => undefined;

/** What the next autosave would send. */
const pendingSave = () => {
  const s = useStudio.getState();
  return diffDoc(s.base!, { meta: s.meta!, shots: s.shots }, s.version);
};
/** As if the autosave went through: the server has the document. */
const saved = () => serverSet((s) => ({ base: { meta: s.meta!, shots: s.shots }, version: s.version + 1 }));

beforeEach(() => {
  const a = mk("a", { num_frames: 33, media_asset_id: "gen1" });
  serverSet({ ...initialState, projectId: "p", meta, shots: { a }, base: { meta, shots: { a } }, assets: [clip, gen1], version: 3,
    takes: { a: { status: "completed", last_job_id: "j1", enhanced_prompt: null, ...takeFromAsset(gen1) } } });
  history().clear();
  stop = startTakeSync();
});
afterEach(() => stop());

describe("takes in the store", () => {
  it("a library video dropped on V1 becomes a clip that shows it at its real length, in one undo step", () => {
    const [id] = placeAssets([clip], 0, 0);
    const s = useStudio.getState();
    expect(s.shots[id]).toMatchObject({ media_asset_id: "up", num_frames: 48, track_index: 0, start_frame: 0, timeline: [] });
    expect(s.shots.a.start_frame).toBe(48); // inserted before a: the drop is left of a's centre
    expect(s.takes[id]).toMatchObject({ video_url: clip.url, thumbnail_url: clip.thumbnail_url, engine: "upload", status: "completed" });
    expect(history().pastStates.length).toBe(1);
    expect(pendingSave()!.shots.find((x) => x.id === id)).toMatchObject({ media_asset_id: "up", num_frames: 48 });
    undo();
    expect(useStudio.getState().shots[id]).toBeUndefined();
  });
  it("audio goes to A1 and a still gets 5 s, whatever lane it was dropped on", () => {
    const sound = asset("snd", { media_type: "audio", duration_s: 1.5, fps: null, num_frames: null, url: "/s.wav", thumbnail_url: null });
    const still = asset("img", { media_type: "image", url: "/i.png", thumbnail_url: "/i.png" });
    serverSet((s) => ({ assets: [...s.assets, sound, still] }));
    const [snd, img] = placeAssets([sound, still], 0, 10).map((id) => useStudio.getState().shots[id]);
    expect([snd.track_index, snd.num_frames, snd.start_frame]).toEqual([2, 36, 10]);
    expect([img.track_index, img.num_frames, img.media_asset_id]).toEqual([0, 120, "img"]);
  });
  it("undo of a saved delete sends the shot back with its take", () => {
    serverSet({ selectedId: "a" });
    deleteSelected(false);
    expect(useStudio.getState().confirm).toBeNull(); // nothing is lost: no question asked
    saved();
    undo();
    expect(useStudio.getState().takes.a.video_url).toBe(gen1.url); // the clip shows its take at once
    const body = pendingSave()!;
    expect(body.shots).toEqual([expect.objectContaining({ id: "a", media_asset_id: "gen1", num_frames: 33 })]);
  });
  it("redo of a split brings the new half back with its take", () => {
    // The split's result as splitAtPlayhead applies it: the server has both halves, the edit is one step.
    const b = mk("b", { num_frames: 33, trim_in: 10, start_frame: 10, media_asset_id: "gen1" });
    serverSet((s) => ({ base: { ...s.base!, shots: { ...s.base!.shots, b } }, takes: { ...s.takes, b: s.takes.a } }));
    useStudio.setState((s) => ({ shots: { ...s.shots, a: { ...s.shots.a, trim_out: 23 }, b } }));
    undo();
    saved(); // the server deleted the new half
    redo();
    expect(pendingSave()!.shots.find((x) => x.id === "b")).toMatchObject({ media_asset_id: "gen1", trim_in: 10 });
  });
  it("a finished job's take replaces the old one in every undo state, so undo never reverts it", () => {
    updateShot("a", { prompt: "edited" });
    serverSet({ selectedId: "a" });
    deleteSelected(false);
    handleServerEvent({ type: "complete", data: { job_id: "j1", shot_id: "a", asset_id: "gen2", video_url: "/g2.mp4", engine: "draft" } });
    expect(useStudio.getState().base!.shots.a.media_asset_id).toBe("gen2");
    undo(); // the delete
    expect(useStudio.getState().shots.a).toMatchObject({ prompt: "edited", media_asset_id: "gen2" });
    undo(); // the prompt edit
    expect(useStudio.getState().shots.a).toMatchObject({ prompt: "a", media_asset_id: "gen2" });
    expect(useStudio.getState().takes.a.video_url).toBe("/g2.mp4");
    expect(pendingSave()?.shots.find((x) => x.id === "a")?.media_asset_id).toBeUndefined(); // the server set it: not sent back
  });
  it("Use as take is an edit: the clip shows the asset, takes its length, and undo goes back", () => {
    useAsTake("a", clip);
    expect(useStudio.getState().shots.a).toMatchObject({ media_asset_id: "up", num_frames: 48 });
    expect(useStudio.getState().takes.a).toMatchObject({ video_url: clip.url, engine: "upload" });
    undo();
    expect(useStudio.getState().shots.a).toMatchObject({ media_asset_id: "gen1", num_frames: 33 });
    expect(useStudio.getState().takes.a).toMatchObject({ video_url: gen1.url, engine: "draft" });
  });
  it("a deleted asset is forgotten by the document, its base and its history", () => {
    serverSet({ selectedId: "a" });
    deleteSelected(false);
    forgetAsset("gen1");
    undo();
    expect(useStudio.getState().shots.a.media_asset_id).toBeNull();
    expect(useStudio.getState().takes.a).toMatchObject({ video_url: null, status: "pending" });
  });
});
