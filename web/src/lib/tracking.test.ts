import { describe, expect, it } from "vitest";
import { maskUrls, mediaFrameAt, takeLines, trackTotal } from "./tracking";

describe("mediaFrameAt", () => {
  const media = { fps: 24, num_frames: 48 };
  it("counts from the clip's start plus its trim in", () => {
    expect(mediaFrameAt(10, 10, 40, 0, 24, media)).toBe(0);
    expect(mediaFrameAt(15, 10, 40, 3, 24, media)).toBe(8);
  });
  it("is null outside the clip and past the media", () => {
    expect(mediaFrameAt(9, 10, 40, 0, 24, media)).toBeNull();
    expect(mediaFrameAt(50, 10, 40, 0, 24, media)).toBeNull();
    expect(mediaFrameAt(59, 10, 60, 0, 24, media)).toBeNull();
  });
  it("converts between rates by time", () => {
    expect(mediaFrameAt(24, 0, 48, 0, 24, { fps: 12, num_frames: 24 })).toBe(12);
    expect(mediaFrameAt(25, 0, 48, 0, 24, { fps: 12, num_frames: 24 })).toBe(12);
  });
});

describe("trackTotal", () => {
  it("covers the frames each direction visits", () => {
    expect(trackTotal("forward", 10, 48)).toBe(38);
    expect(trackTotal("backward", 10, 48)).toBe(11);
    expect(trackTotal("both", 10, 48)).toBe(48);
  });
});

describe("takeLines", () => {
  it("keeps a half line for the next chunk", () => {
    const a = takeLines('{"frame_idx":0}\n{"frame_idx":1}\n{"frame');
    expect(a.lines).toEqual([{ frame_idx: 0 }, { frame_idx: 1 }]);
    expect(takeLines(a.rest + '_idx":2}\n').lines).toEqual([{ frame_idx: 2 }]);
  });
});

describe("maskUrls", () => {
  it("maps frames to the first object's PNG beside the manifest", () => {
    const m = maskUrls("/projects/p/masks/track_x/manifest.json", {
      objects: [1], frames: [{ frame_idx: 3, masks: { "1": "frame_00003_obj_1.png" } }, { frame_idx: 4, masks: {} }],
    });
    expect([...m]).toEqual([[3, "/projects/p/masks/track_x/frame_00003_obj_1.png"]]);
  });
});
