// Pure operations on a mask: one byte per pixel (0 = not selected, 255 = selected), row-major.
// Grow and shrink are a square max/min filter done as two 1-D passes, so the cost does not grow
// with the radius squared; feather is a box blur of the same shape.

export type Mask = { width: number; height: number; data: Uint8Array };

export function emptyMask(width: number, height: number): Mask {
  return { width, height, data: new Uint8Array(width * height) };
}

function pass(src: Uint8Array, w: number, h: number, r: number, horizontal: boolean, pick: (a: number, b: number) => number): Uint8Array {
  const out = new Uint8Array(src.length);
  const [outer, inner] = horizontal ? [h, w] : [w, h];
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      let v = src[horizontal ? o * w + i : i * w + o];
      for (let k = Math.max(0, i - r); k <= Math.min(inner - 1, i + r); k++) {
        v = pick(v, src[horizontal ? o * w + k : k * w + o]);
      }
      out[horizontal ? o * w + i : i * w + o] = v;
    }
  }
  return out;
}

export function grow(m: Mask, r: number): Mask {
  if (r <= 0) return m;
  const h = pass(m.data, m.width, m.height, r, true, Math.max);
  return { ...m, data: pass(h, m.width, m.height, r, false, Math.max) };
}

export function shrink(m: Mask, r: number): Mask {
  if (r <= 0) return m;
  const h = pass(m.data, m.width, m.height, r, true, Math.min);
  return { ...m, data: pass(h, m.width, m.height, r, false, Math.min) };
}

/** Soft edge: a box blur of radius r (values between 0 and 255 at the border). */
export function feather(m: Mask, r: number): Mask {
  if (r <= 0) return m;
  const blur = (src: Uint8Array, horizontal: boolean): Uint8Array => {
    const out = new Uint8Array(src.length);
    const { width: w, height: h } = m;
    const [outer, inner] = horizontal ? [h, w] : [w, h];
    for (let o = 0; o < outer; o++) {
      for (let i = 0; i < inner; i++) {
        let sum = 0, n = 0;
        for (let k = Math.max(0, i - r); k <= Math.min(inner - 1, i + r); k++, n++) sum += src[horizontal ? o * w + k : k * w + o];
        out[horizontal ? o * w + i : i * w + o] = Math.round(sum / n);
      }
    }
    return out;
  };
  return { ...m, data: blur(blur(m.data, true), false) };
}

export function invert(m: Mask): Mask {
  return { ...m, data: m.data.map((v) => 255 - v) };
}

/** The brush: a filled disc of radius r at (x, y), adding (255) or erasing (0). Returns a new mask. */
export function paint(m: Mask, x: number, y: number, r: number, value: 0 | 255): Mask {
  const data = m.data.slice();
  const r2 = r * r;
  for (let yy = Math.max(0, Math.floor(y - r)); yy <= Math.min(m.height - 1, Math.ceil(y + r)); yy++) {
    for (let xx = Math.max(0, Math.floor(x - r)); xx <= Math.min(m.width - 1, Math.ceil(x + r)); xx++) {
      if ((xx - x) ** 2 + (yy - y) ** 2 <= r2) data[yy * m.width + xx] = value;
    }
  }
  return { ...m, data };
}

export function area(m: Mask): number {
  let n = 0;
  for (const v of m.data) if (v >= 128) n++;
  return n;
}

/** A grayscale image's pixels (RGBA, as a canvas reads them) -> a mask from the red channel. */
export function fromRgba(rgba: Uint8ClampedArray, width: number, height: number): Mask {
  const data = new Uint8Array(width * height);
  for (let i = 0; i < data.length; i++) data[i] = rgba[i * 4];
  return { width, height, data };
}

/** The mask as a coloured overlay (RGBA): `color` where selected, an opaque `edge` line on its border, transparent elsewhere. */
export function overlayRgba(m: Mask, color: [number, number, number], alpha = 0.5,
  edge: [number, number, number] = [255, 230, 0]): Uint8ClampedArray<ArrayBuffer> {
  const { width: w, height: h, data } = m;
  const out = new Uint8ClampedArray(data.length * 4);
  const on = (x: number, y: number) => x >= 0 && y >= 0 && x < w && y < h && data[y * w + x] >= 128;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      const border = on(x, y) && !(on(x - 1, y) && on(x + 1, y) && on(x, y - 1) && on(x, y + 1));
      const c = border ? edge : color;
      out[i * 4] = c[0]; out[i * 4 + 1] = c[1]; out[i * 4 + 2] = c[2];
      out[i * 4 + 3] = border ? 255 : Math.round(data[i] * alpha);
    }
  }
  return out;
}

/** The mask as grayscale RGBA (white = selected), for encoding to PNG through a canvas. */
export function toGrayRgba(m: Mask): Uint8ClampedArray<ArrayBuffer> {
  const out = new Uint8ClampedArray(m.data.length * 4);
  for (let i = 0; i < m.data.length; i++) {
    out[i * 4] = out[i * 4 + 1] = out[i * 4 + 2] = m.data[i];
    out[i * 4 + 3] = 255;
  }
  return out;
}

/** Clicks and a box, the way the segmentation endpoint takes them. */
export type Prompt = { points: [number, number][]; labels: (0 | 1)[]; box: [number, number, number, number] | null };

/** A drag from (x0, y0) to (x1, y1) as an [x0, y0, x1, y1] box clamped to the image, or null if too small to mean one. */
export function dragBox(x0: number, y0: number, x1: number, y1: number, w: number, h: number): [number, number, number, number] | null {
  const clamp = (v: number, hi: number) => Math.max(0, Math.min(hi, Math.round(v)));
  const box: [number, number, number, number] = [clamp(Math.min(x0, x1), w), clamp(Math.min(y0, y1), h), clamp(Math.max(x0, x1), w), clamp(Math.max(y0, y1), h)];
  return box[2] - box[0] >= 4 && box[3] - box[1] >= 4 ? box : null;
}
