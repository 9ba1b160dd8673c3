import { describe, expect, it } from "vitest";
import { editShot, fromParse, kindOf, move, sceneNumber, toCommit, type ParseResult } from "./storyboard";

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
    expect(stored).toEqual({ id: "shot-1", kind: "action", action: "Mara climbs.", dialogue: "", character: "", shot_type: "medium" });
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
