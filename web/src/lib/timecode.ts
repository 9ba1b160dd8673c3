// Timecode at the project rate. Frames are the truth; seconds and timecode exist only for display.

/** Frames per timecode second: the nominal rate (23.976 → 24, 29.97 → 30). */
export function nominalRate(fps: number): number {
  return Math.max(1, Math.round(fps));
}

/** HH:MM:SS:FF for a frame count (non-drop-frame). Negative frames get a leading minus. */
export function formatTimecode(frame: number, fps: number): string {
  const rate = nominalRate(fps);
  const sign = frame < 0 ? "-" : "";
  let f = Math.abs(Math.trunc(frame));
  const ff = f % rate;
  f = (f - ff) / rate;
  const ss = f % 60;
  f = (f - ss) / 60;
  const mm = f % 60;
  const hh = (f - mm) / 60;
  const two = (n: number) => String(n).padStart(2, "0");
  return `${sign}${two(hh)}:${two(mm)}:${two(ss)}:${two(ff)}`;
}

/** Parse HH:MM:SS:FF (or fewer fields from the right, or a plain frame count). null when malformed. */
export function parseTimecode(text: string, fps: number): number | null {
  const t = text.trim();
  if (/^\d+$/.test(t)) return Number(t);
  if (!/^\d{1,2}(:\d{1,2}){1,3}$/.test(t)) return null;
  const rate = nominalRate(fps);
  const parts = t.split(":").map(Number);
  while (parts.length < 4) parts.unshift(0);
  const [hh, mm, ss, ff] = parts;
  if (mm >= 60 || ss >= 60 || ff >= rate) return null;
  return ((hh * 60 + mm) * 60 + ss) * rate + ff;
}

/** A short duration label: "5s 12f" style, or frames only below one second. */
export function formatDuration(frames: number, fps: number): string {
  const rate = nominalRate(fps);
  const s = Math.floor(frames / rate);
  const f = frames % rate;
  return s > 0 ? `${s}s ${f}f` : `${f}f`;
}

/** Seconds at the edge (media elements, Web Audio). */
export function framesToSeconds(frames: number, fps: number): number {
  return frames / fps;
}

export function secondsToFrame(seconds: number, fps: number): number {
  return Math.round(seconds * fps);
}
