import { describe, expect, it } from "vitest";
import { exportUrl, filenameOf, reportSummary, type ImportReport } from "./editorial";

const empty: ImportReport = { format: "otio", saved: false, project_version: 3, changed: [], deleted: [], unchanged: 4, needs_frames: [], unmatched: [], notes: [] };

describe("editorial", () => {
  it("builds export URLs the server serves", () => {
    expect(exportUrl("abc", "fcpxml")).toBe("/projects/abc/export?format=fcpxml");
  });
  it("summarises a report", () => {
    expect(reportSummary(empty)).toMatch(/nothing changed/);
    const place = { track: "V1", start_frame: 0, trim_in: 0, trim_out: 0, length: 10 };
    const r: ImportReport = { ...empty, saved: true, changed: [{ shot_id: "a", name: "Sh 1", before: place, after: place, changes: ["x"], frames_needed: 0, head_frames_needed: 0 }],
      deleted: [{ shot_id: "b", name: "Sh 2" }], needs_frames: [{ shot_id: "a", name: "Sh 1", frames: 12, head_frames: 0 }] };
    expect(reportSummary(r)).toBe("Cut imported: 1 shot re-timed, 1 deleted, 1 needs more frames.");
  });
});

describe("filenameOf", () => {
  it("reads RFC 6266 names", () => {
    expect(filenameOf("attachment; filename*=utf-8''Night%20Shift.otio")).toBe("Night Shift.otio");
    expect(filenameOf('attachment; filename="cut.edl"')).toBe("cut.edl");
    expect(filenameOf(null)).toBeNull();
  });
});
