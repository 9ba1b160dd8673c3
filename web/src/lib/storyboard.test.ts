import { describe, expect, it } from "vitest";
import { editShot, fromParse, fromStoryboard, kindOf, move, sceneNumber, toCommit, type ParseResult, type StoryboardPublic } from "./storyboard";

const parsed: ParseResult = {
  mode: "fountain", why: "line 1 is a scene heading", notes: [], title_page: {}, grid: { fps: 24, frame_step: 8, native_max_frames: 505 },
  scenes: [{
    id: "scene-1", heading: "INT. LIGHTHOUSE - NIGHT", scene_number: "1", forced: false, synopsis: "", source_text: "INT. ...",
    line_start: 1, line_end: 9,
    shots: [
      { id: "shot-1", kind: "action", action: "Mara climbs.", dialogue: "", character: "", shot_type: "medium", dual: false, transition: "",
        line_start: 3, line_end: 3, num_frames: 49, prompt: "auto", seconds_needed: 2, clamped: false, matched_elements: [] },
      { id: null, kind: "dialogue", action: "", dialogue: "Not tonight.", character: "MARA", shot_type: "medium", dual: false, transition: "",
        line_start: 5, line_end: 6, num_frames: 57, prompt: 'Mara says, "Not tonight."', seconds_needed: 2.2, clamped: false, matched_elements: [] },
    ],
  }],
};

describe("storyboard cards", () => {
  it("keep the ids parse recognised and send only what a commit needs", () => {
    const scenes = fromParse(parsed);
    const body = toCommit(scenes, 7, "script");
    expect(body.base_version).toBe(7);
    expect(body.script_text).toBe("script");
    const [stored, fresh] = body.scenes[0].shots!;
    expect(stored).toEqual({ id: "shot-1", kind: "action", action: "Mara climbs.", dialogue: "", character: "", shot_type: "medium",
      transition: "", dual: false });
    expect(fresh).toMatchObject({ kind: "dialogue", num_frames: 57, prompt: 'Mara says, "Not tonight."' });
    expect(fresh).not.toHaveProperty("id");
    expect(body.scenes[0].id).toBe("scene-1");
  });

  it("an edited new card lets the server redo its prompt and length", () => {
    const [, fresh] = fromParse(parsed)[0].shots;
    const edited = editShot(fresh, { dialogue: "Not tonight, not ever." });
    expect(edited.prompt).toBeNull();
    expect(edited.num_frames).toBeNull();
    expect(edited.key).toBe(fresh.key);
    expect(editShot(fresh, { dialogue: "" }).kind).toBe("action");
  });

  it("carry the script's transitions and dual dialogue through parse, edits and commit", () => {
    const withMarks: ParseResult = structuredClone(parsed);
    withMarks.scenes[0].shots[0].transition = "CUT TO:";
    withMarks.scenes[0].shots[1].dual = true;
    const scenes = fromParse(withMarks);
    expect(scenes[0].shots.map((s) => [s.transition, s.dual])).toEqual([["CUT TO:", false], ["", true]]);
    const [stored, fresh] = toCommit(scenes, 1, null).scenes[0].shots!;
    expect(stored).toMatchObject({ id: "shot-1", transition: "CUT TO:", dual: false });
    expect(fresh).toMatchObject({ dual: true, transition: "", prompt: 'Mara says, "Not tonight."' });
    // The transition is the cut, not the content: a new card keeps its automatic prompt and length.
    const cut = editShot(scenes[0].shots[1], { transition: "  SMASH CUT TO: " });
    expect([cut.prompt, cut.num_frames, cut.dual]).toEqual(['Mara says, "Not tonight."', 57, true]);
    expect(toCommit([{ ...scenes[0], shots: [cut] }], 1, null).scenes[0].shots![0]).toMatchObject({ transition: "SMASH CUT TO:" });
    expect(editShot(cut, { transition: "X".repeat(150) }).transition).toHaveLength(100);
    expect(editShot(cut, { dialogue: "" }).dual).toBe(false); // no longer a cue, so not half of a pair
  });

  it("read the stored marks back from the storyboard", () => {
    const shot = { id: "s1", action: "", dialogue: "I heard that.", character: "MARA", shot_type: "medium", transition: "FADE OUT.",
      dual_dialogue: true, num_frames: 49, status: "pending", video_url: null, thumbnail_url: null };
    const board = { project_id: "p", project_version: 3, script_text: "", scenes: [{ id: "sc", index: 0, heading: "EXT. CLIFF", script_content: "",
      shots: [shot] }] } as unknown as StoryboardPublic;
    expect(fromStoryboard(board)[0].shots[0]).toMatchObject({ kind: "dialogue", transition: "FADE OUT.", dual: true });
  });

  it("kind follows the fields", () => {
    expect(kindOf("", "~la la")).toBe("lyrics");
    expect(kindOf(">THE END<", "")).toBe("centered");
    expect(kindOf("She runs.", "")).toBe("action");
  });

  it("reads the scene number back from the stored source line", () => {
    expect(sceneNumber("INT. LIGHTHOUSE - NIGHT #1A#\n\nMara.")).toBe("1A");
    expect(sceneNumber("EXT. CLIFF - DAY\n")).toBe("");
  });

  it("move reorders and ignores moves off the ends", () => {
    expect(move([1, 2, 3], 0, 2)).toEqual([2, 3, 1]);
    expect(move([1, 2, 3], 0, -1)).toEqual([1, 2, 3]);
  });
});
