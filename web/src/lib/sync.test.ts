import { describe, expect, it } from "vitest";
import { diffDoc, mergeDocs, nameConflicts, shotName, takesAfterSave, type Doc } from "./sync";
import type { SaveResult, ShotTake } from "../api/types";
import { map, mk } from "./fixtures";

const meta = { name: "P", resolution_w: 768, resolution_h: 512, fps: 24, seed: 1, script_text: "" };
const doc = (shots: ReturnType<typeof map>, m = meta): Doc => ({ meta: m, shots });

describe("autosave diff", () => {
  it("sends nothing when nothing changed", () => {
    const d = doc(map(mk("a")));
    expect(diffDoc(d, d, 3)).toBeNull();
  });
  it("sends only changed fields of changed shots, new shots whole, and explicit deletions", () => {
    const base = doc(map(mk("a"), mk("b"), mk("c")));
    const cur = doc({ a: base.shots.a, b: { ...base.shots.b, trim_out: 8, timeline: [{ asset_id: "x", frame_index: 0, strength: 1, type: "image" }] }, n: mk("n") });
    const body = diffDoc(base, cur, 7)!;
    expect(body.base_version).toBe(7);
    expect(body.shots!.find((s) => s.id === "b")).toEqual({ id: "b", trim_out: 8, timeline: [{ asset_id: "x", frame_index: 0, strength: 1, type: "image" }] });
    expect(Object.keys(body.shots!.find((s) => s.id === "n")!)).toContain("num_frames");
    expect(body.shots!.map((s) => s.id).sort()).toEqual(["b", "n"]);
    expect(body.deleted_shot_ids).toEqual(["c"]);
    expect(body.project).toBeUndefined();
  });
  it("sends project settings that changed", () => {
    expect(diffDoc(doc({}), doc({}, { ...meta, name: "Q" }), 1)!.project).toEqual({ name: "Q" });
  });
  it("never sends server-owned fields", () => {
    const base = doc(map(mk("a")));
    const cur = doc({ a: { ...base.shots.a, video_url: "/x.mp4", status: "completed" } as any });
    expect(diffDoc(base, cur, 1)).toBeNull();
  });
});

describe("409 merge", () => {
  it("keeps every unsaved local edit and adopts the other side's changes", () => {
    const base = doc(map(mk("a"), mk("b"), mk("c"), mk("d")));
    const local = doc({ a: { ...base.shots.a, prompt: "mine" }, b: base.shots.b, d: base.shots.d, n: mk("n") }, { ...meta, name: "Mine" }); // c deleted here
    const server = doc({ a: { ...base.shots.a, seed: 99 }, b: { ...base.shots.b, trim_in: 5 }, c: base.shots.c, s: mk("s") }); // d deleted there
    const r = mergeDocs(base, local, server);
    expect(r.doc.shots.a).toMatchObject({ prompt: "mine", seed: 99 });
    expect(r.doc.shots.b.trim_in).toBe(5);
    expect(r.doc.shots.c).toBeUndefined();
    expect(r.doc.shots.d).toBeUndefined(); // deleted there, untouched here
    expect(r.doc.shots.n).toBeDefined();
    expect(r.doc.shots.s).toBeDefined();
    expect(r.doc.meta.name).toBe("Mine");
    expect(r.conflicts).toEqual([]);
    // The next save, against the server's state, carries exactly the local edits.
    const body = diffDoc(server, r.doc, 9)!;
    expect(body.shots!.map((s) => s.id).sort()).toEqual(["a", "n"]);
    expect(body.shots!.find((s) => s.id === "a")).toEqual({ id: "a", prompt: "mine" });
    expect(body.deleted_shot_ids).toEqual(["c"]);
    expect(body.project).toEqual({ name: "Mine" });
  });
  it("reports a conflict where both sides changed the same field, and the local value wins", () => {
    const base = doc(map(mk("a")));
    const r = mergeDocs(base, doc({ a: { ...base.shots.a, prompt: "mine" } }), doc({ a: { ...base.shots.a, prompt: "theirs" } }));
    expect(r.doc.shots.a.prompt).toBe("mine");
    expect(r.conflicts).toEqual(["shot a: prompt"]);
  });
  it("keeps a shot deleted elsewhere when it has unsaved edits here", () => {
    const base = doc(map(mk("a")));
    const r = mergeDocs(base, doc({ a: { ...base.shots.a, trim_out: 3 } }), doc({}));
    expect(r.doc.shots.a.trim_out).toBe(3);
    expect(r.conflicts[0]).toMatch(/deleted elsewhere/);
  });
});

describe("conflict notes name the shot", () => {
  it("by its prompt's first words, else by its place", () => {
    const names = { abc123: shotName(mk("abc123", { prompt: "a harbour at dawn with gulls over the water" })), e: shotName(mk("e", { prompt: "", index: 2, track_index: 1 })) };
    expect(names.abc123).toBe("“a harbour at dawn with…”");
    expect(nameConflicts(["shot abc123: prompt", "shot e: num_frames", "shot zz: seed", "project name"], names))
      .toEqual(["“a harbour at dawn with…”: prompt", "Sh 3 on V2: length", "shot zz: seed", "project name"]);
  });
});

describe("save answer", () => {
  const take = (over: Partial<ShotTake> = {}): ShotTake => ({ status: "completed", last_job_id: "j1", video_url: "/v1.mp4", thumbnail_url: "/t1.jpg",
    enhanced_prompt: null, engine: "draft", actual_frames: 49, media_asset_id: "a1", ...over });
  const answer = (shots: SaveResult["shots"]): SaveResult => ({ version: 8, updated_at: "2026-01-01T00:00:00Z", shots, scenes: [] });

  it("changes nothing when the server stored everything as sent", () => {
    const takes = { a: take() };
    expect(takesAfterSave(takes, map(mk("a")), answer([]), { base_version: 7, shots: [{ id: "a", prompt: "x" }] })).toBe(takes);
  });
  it("gives a new shot the take the server made for it", () => {
    const r = takesAfterSave({}, map(mk("n")), answer([{ id: "n", status: "pending", video_url: null, index: 3 }]),
      { base_version: 7, shots: [{ id: "n", prompt: "new" }] });
    expect(r.n).toMatchObject({ status: "pending", video_url: null, media_asset_id: null });
  });
  it("shows the take the server derived from a sent media_asset_id, while the document still asks for it", () => {
    const shots = map({ ...mk("a"), media_asset_id: "a2" });
    const derived = { id: "a", media_asset_id: "a2", status: "completed", video_url: "/v2.mp4", thumbnail_url: "/t2.jpg", engine: "upload", actual_frames: 12 };
    const body = { base_version: 7, shots: [{ id: "a", media_asset_id: "a2" }] };
    expect(takesAfterSave({ a: take() }, shots, answer([derived]), body).a).toMatchObject({ media_asset_id: "a2", video_url: "/v2.mp4", engine: "upload" });
    // The user moved on to another take during the save: the answer must not overwrite it.
    const moved = map({ ...mk("a"), media_asset_id: "a3" });
    expect(takesAfterSave({ a: take() }, moved, answer([derived]), body).a.video_url).toBe("/v1.mp4");
    // A take being generated keeps saying so.
    expect(takesAfterSave({ a: take({ status: "generating" }) }, shots, answer([derived]), body).a.status).toBe("generating");
  });
});
