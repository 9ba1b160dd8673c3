import { describe, expect, it } from "vitest";
import { area, dragBox, emptyMask, feather, fromRgba, grow, invert, overlayRgba, paint, shrink, toGrayRgba } from "./maskOps";

function square(w = 20, h = 20, x0 = 5, y0 = 5, side = 10) {
  const m = emptyMask(w, h);
  for (let y = y0; y < y0 + side; y++) for (let x = x0; x < x0 + side; x++) m.data[y * w + x] = 255;
  return m;
}

describe("mask operations", () => {
  it("grow and shrink move the edge by the radius", () => {
    expect(area(square())).toBe(100);
    expect(area(grow(square(), 2))).toBe(14 * 14);
    expect(area(shrink(square(), 2))).toBe(6 * 6);
    expect(area(shrink(grow(square(), 1), 1))).toBe(100);
  });

  it("feather softens only the border", () => {
    const f = feather(square(), 2);
    expect(f.data[10 * 20 + 10]).toBe(255);
    expect(f.data[0]).toBe(0);
    const edge = f.data[10 * 20 + 5];
    expect(edge).toBeGreaterThan(0);
    expect(edge).toBeLessThan(255);
  });

  it("invert swaps selected and not", () => {
    expect(area(invert(square()))).toBe(300);
  });

  it("the brush adds and erases a disc", () => {
    const added = paint(emptyMask(20, 20), 10, 10, 3, 255);
    expect(area(added)).toBeGreaterThan(25);
    expect(area(paint(added, 10, 10, 3, 0))).toBe(0);
    expect(area(paint(emptyMask(20, 20), -50, -50, 3, 255))).toBe(0);
  });

  it("round-trips through RGBA", () => {
    const m = square();
    expect(Array.from(fromRgba(toGrayRgba(m), 20, 20).data)).toEqual(Array.from(m.data));
    const o = overlayRgba(m, [255, 0, 0], 0.5, [0, 255, 0]);
    expect(o[(10 * 20 + 10) * 4 + 3]).toBe(128);  // inside: the tint
    expect(Array.from(o.slice((5 * 20 + 10) * 4, (5 * 20 + 10) * 4 + 4))).toEqual([0, 255, 0, 255]);  // the border line
    expect(o[3]).toBe(0);
  });

  it("a drag becomes a box only when it is big enough", () => {
    expect(dragBox(30, 40, 10, 5, 100, 100)).toEqual([10, 5, 30, 40]);
    expect(dragBox(10, 10, 12, 12, 100, 100)).toBeNull();
    expect(dragBox(-5, -5, 500, 50, 100, 100)).toEqual([0, 0, 100, 50]);
  });
});
