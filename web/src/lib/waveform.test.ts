import { expect, it } from "vitest";
import { peaks } from "./waveform";

it("computes min/max per column", () => {
  const s = new Float32Array([0, 0.5, -0.5, 0.25, 1, -1, 0, 0]);
  expect([...peaks(s, 4)]).toEqual([0, 0.5, -0.5, 0.25, -1, 1, 0, 0]);
  expect(peaks(new Float32Array(0), 3).length).toBe(6);
});
