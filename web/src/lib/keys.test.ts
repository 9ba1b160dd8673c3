import { describe, expect, it } from "vitest";
import { commandFor, isTypingTarget, zoomStep } from "./keys";

describe("keyboard", () => {
  it("maps the NLE conventions", () => {
    expect(commandFor({ key: " " })).toBe("play-pause");
    expect(["j", "k", "l"].map((key) => commandFor({ key }))).toEqual(["shuttle-reverse", "shuttle-stop", "shuttle-forward"]);
    expect(commandFor({ key: "I", shiftKey: false })).toBe("mark-in");
    expect(commandFor({ key: "o" })).toBe("mark-out");
    expect(commandFor({ key: "z", metaKey: true })).toBe("undo");
    expect(commandFor({ key: "z", ctrlKey: true, shiftKey: true })).toBe("redo");
    expect(commandFor({ key: "Z", metaKey: true, shiftKey: true })).toBe("redo");
    expect(commandFor({ key: "s", ctrlKey: true })).toBe("save");
    expect(commandFor({ key: "s" })).toBe("save");
    expect(commandFor({ key: "Delete" })).toBe("delete");
    expect(commandFor({ key: "Backspace", shiftKey: true })).toBe("ripple-delete");
    expect(commandFor({ key: "ArrowLeft" })).toBe("step-back");
    expect(commandFor({ key: "ArrowRight", shiftKey: true })).toBe("jump-forward");
    expect(commandFor({ key: "End" })).toBe("end");
    expect(commandFor({ key: "+" })).toBe("zoom-in");
    expect(commandFor({ key: "-" })).toBe("zoom-out");
    expect(commandFor({ key: "?" })).toBe("help");
    expect(commandFor({ key: "q" })).toBeNull();
  });
  it("leaves keys to text fields", () => {
    const input = { tagName: "INPUT", type: "text" } as unknown as EventTarget;
    const box = { tagName: "INPUT", type: "checkbox" } as unknown as EventTarget;
    expect(isTypingTarget(input)).toBe(true);
    expect(isTypingTarget(box)).toBe(false);
    expect(isTypingTarget({ tagName: "TEXTAREA" } as unknown as EventTarget)).toBe(true);
  });
  it("zooms by steps and stops at the ends", () => {
    expect(zoomStep(4, 1)).toBe(6);
    expect(zoomStep(4, -1)).toBe(3);
    expect(zoomStep(32, 1)).toBe(32);
    expect(zoomStep(0.25, -1)).toBe(0.25);
  });
});
