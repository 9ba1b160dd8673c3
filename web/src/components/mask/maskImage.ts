// Masks as pictures: a served PNG decoded to a Mask, a Mask encoded back to a PNG.
import { fromRgba, toGrayRgba, type Mask } from "./maskOps";

export async function maskFromUrl(url: string): Promise<Mask> {
  const img = new Image();
  img.src = url;
  await img.decode();
  const c = document.createElement("canvas");
  c.width = img.naturalWidth;
  c.height = img.naturalHeight;
  const g = c.getContext("2d")!;
  g.drawImage(img, 0, 0);
  return fromRgba(g.getImageData(0, 0, c.width, c.height).data, c.width, c.height);
}

export function maskPng(m: Mask): Promise<Blob> {
  const c = document.createElement("canvas");
  c.width = m.width;
  c.height = m.height;
  c.getContext("2d")!.putImageData(new ImageData(toGrayRgba(m), m.width, m.height), 0, 0);
  return new Promise((ok, fail) => c.toBlob((b) => (b ? ok(b) : fail(new Error("could not encode the mask"))), "image/png"));
}
