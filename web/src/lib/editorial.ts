// Editorial exports and import-cut: what the Export dialog lists and how an import report reads.
import type { components } from "../api/schema";

export type ImportReport = components["schemas"]["ImportReport"];

export const EDITORIAL_FORMATS = [
  { key: "otio", label: "OpenTimelineIO", ext: ".otio", hint: "DaVinci Resolve, any OTIO tool" },
  { key: "otioz", label: "OpenTimelineIO bundle", ext: ".otioz", hint: "the timeline with its media in one file" },
  { key: "fcp7xml", label: "FCP 7 XML", ext: ".xml", hint: "Premiere Pro, Resolve" },
  { key: "fcpxml", label: "FCPXML 1.11", ext: ".fcpxml", hint: "Final Cut Pro, Resolve" },
  { key: "aaf", label: "AAF", ext: ".aaf", hint: "Avid Media Composer, Pro Tools" },
  { key: "edl", label: "CMX 3600 EDL", ext: ".edl", hint: "V1 and A1, for conform and colour" },
  { key: "srt", label: "SRT subtitles", ext: ".srt", hint: "the shots' dialogue" },
  { key: "vtt", label: "WebVTT subtitles", ext: ".vtt", hint: "the shots' dialogue" },
] as const;

export type EditorialFormat = (typeof EDITORIAL_FORMATS)[number]["key"];

export function exportUrl(projectId: string, format: EditorialFormat): string {
  return `/projects/${encodeURIComponent(projectId)}/export?format=${format}`;
}

/** One line for the toast after an import: what changed, at a glance. */
export function reportSummary(r: ImportReport): string {
  if (!r.saved) return "The edited cut matches the timeline: nothing changed.";
  const parts = [`${r.changed.length} shot${r.changed.length === 1 ? "" : "s"} re-timed`];
  if (r.deleted.length) parts.push(`${r.deleted.length} deleted`);
  if (r.needs_frames.length) parts.push(`${r.needs_frames.length} need${r.needs_frames.length === 1 ? "s" : ""} more frames`);
  return `Cut imported: ${parts.join(", ")}.`;
}

/** The file name from a Content-Disposition header (RFC 6266: filename* first, then filename). */
export function filenameOf(header: string | null): string | null {
  if (!header) return null;
  const star = /filename\*=utf-8''([^;]+)/i.exec(header);
  if (star) return decodeURIComponent(star[1]);
  const plain = /filename="?([^";]+)"?/i.exec(header);
  return plain ? plain[1] : null;
}
