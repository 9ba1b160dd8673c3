import { describe, expect, it } from "vitest";
import type { ProjectMeta } from "../api/types";
import { defaultShot, rateMismatch } from "./shots";

const meta: ProjectMeta = { name: "p", resolution_w: 768, resolution_h: 512, fps: 25, seed: 42, script_text: "" };

describe("a shot's rate", () => {
  it("a new shot takes the project's rate", () => {
    expect(defaultShot(meta, 0).fps).toBe(25);
  });

  it("a shot at the project's rate is not marked, 23.976 against 24000/1001 included", () => {
    expect(rateMismatch(24, 24, 48)).toBeNull();
    expect(rateMismatch(23.976, 24000 / 1001, 48)).toBeNull();
  });

  it("a 48-frame shot at 12 fps in a 24 fps project: a 4 s take in a 2 s clip", () => {
    expect(rateMismatch(12, 24, 48)).toEqual({ takeSeconds: 4, clipSeconds: 2 });
    expect(rateMismatch(30, 24, 60)).toEqual({ takeSeconds: 2, clipSeconds: 2.5 });
  });
});
