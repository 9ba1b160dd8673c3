// Clip frames and tracking as data: which frame of its media a clip shows at the playhead, how many
// frames a track will cover, the NDJSON lines of /edit/track/propagate as they arrive, and a mask
// sequence's manifest as frame → mask URL.

export type Direction = "forward" | "backward" | "both";

/**
 * The frame of the clip's own media at timeline frame `frame` (0-based, at the media's rate), or
 * null when the playhead is outside the clip or past the media's end.
 * `start` is the clip's first timeline frame; `trimIn` frames of media are skipped before it.
 */
export function mediaFrameAt(
  frame: number, start: number, length: number, trimIn: number, projectFps: number,
  media: { fps: number | null; num_frames: number | null },
): number | null {
  if (frame < start || frame >= start + length) return null;
  const timeline = trimIn + (frame - start);
  const rate = media.fps && Math.abs(media.fps - projectFps) > 1e-3 ? media.fps / projectFps : 1;
  const at = Math.floor(timeline * rate + 1e-6);
  if (media.num_frames != null && at >= media.num_frames) return null;
  return at;
}

/** How many frames propagation from `start` will yield (the service yields each frame once). */
export function trackTotal(direction: Direction, start: number, numFrames: number): number {
  if (direction === "forward") return numFrames - start;
  if (direction === "backward") return start + 1;
  return numFrames;
}

/** Split what arrived so far into whole lines (parsed) and the unfinished rest. */
export function takeLines(buffer: string): { lines: Record<string, unknown>[]; rest: string } {
  const parts = buffer.split("\n");
  const rest = parts.pop() ?? "";
  return { lines: parts.filter((p) => p.trim()).map((p) => JSON.parse(p)), rest };
}

export type Manifest = { objects: number[]; frames: { frame_idx: number; masks: Record<string, string> }[] };

/** Media frame → URL of its mask (the first tracked object), next to the manifest's own URL. */
export function maskUrls(manifestUrl: string, manifest: Manifest): Map<number, string> {
  const folder = manifestUrl.slice(0, manifestUrl.lastIndexOf("/") + 1);
  const obj = String(manifest.objects[0] ?? 1);
  const out = new Map<number, string>();
  for (const f of manifest.frames) if (f.masks[obj]) out.set(f.frame_idx, folder + f.masks[obj]);
  return out;
}
