import { describe, expect, it } from "vitest";
import { formatDuration, formatTimecode, nominalRate, parseTimecode } from "./timecode";

describe("timecode", () => {
  it("formats frames at the project rate", () => {
    expect(formatTimecode(0, 24)).toBe("00:00:00:00");
    expect(formatTimecode(23, 24)).toBe("00:00:00:23");
    expect(formatTimecode(24, 24)).toBe("00:00:01:00");
    expect(formatTimecode(24 * 3600 + 25, 24)).toBe("01:00:01:01");
    expect(formatTimecode(30, 30)).toBe("00:00:01:00");
    expect(formatTimecode(-25, 25)).toBe("-00:00:01:00");
  });
  it("uses the nominal rate for fractional fps", () => {
    expect(nominalRate(23.976)).toBe(24);
    expect(nominalRate(29.97)).toBe(30);
    expect(formatTimecode(48, 23.976)).toBe("00:00:02:00");
  });
  it("parses what it formats, and rejects nonsense", () => {
    for (const f of [0, 1, 23, 24, 1000, 86399]) expect(parseTimecode(formatTimecode(f, 24), 24)).toBe(f);
    expect(parseTimecode("120", 24)).toBe(120);
    expect(parseTimecode("01:00", 24)).toBe(24);
    expect(parseTimecode("00:00:00:24", 24)).toBeNull();
    expect(parseTimecode("ab", 24)).toBeNull();
  });
  it("labels durations", () => {
    expect(formatDuration(121, 24)).toBe("5s 1f");
    expect(formatDuration(12, 24)).toBe("12f");
  });
});
