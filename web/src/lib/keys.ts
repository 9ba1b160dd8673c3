// Keyboard map (reference-system §4.5, ecosystem §4.2): key presses → named commands. Pure, tested.

export type Command =
  | "play-pause" | "shuttle-reverse" | "shuttle-stop" | "shuttle-forward"
  | "mark-in" | "mark-out" | "undo" | "redo" | "delete" | "ripple-delete" | "save" | "split" | "toggle-snapping"
  | "step-back" | "step-forward" | "jump-back" | "jump-forward" | "home" | "end" | "zoom-in" | "zoom-out"
  | "help" | "escape";

export type KeyLike = { key: string; metaKey?: boolean; ctrlKey?: boolean; shiftKey?: boolean; altKey?: boolean };

/** What the help overlay lists, in order. */
export const SHORTCUTS: { keys: string; what: string }[] = [
  { keys: "Space", what: "Play / pause" },
  { keys: "J / K / L", what: "Shuttle: reverse / stop / forward (press again for 2×, 4×)" },
  { keys: "← / →", what: "One frame back / forward (Shift: 10 frames)" },
  { keys: "Home / End", what: "Go to the start / the end of the timeline" },
  { keys: "I / O", what: "Mark in / out: trim the clip under the playhead to start or end here" },
  { keys: "B or Cmd/Ctrl+K", what: "Split the clip under the playhead" },
  { keys: "Delete / Backspace", what: "Delete the selected clip (V1 closes the gap; undo brings it back with its take)" },
  { keys: "Shift+Delete", what: "Ripple delete: also close the gap on V2 / A1" },
  { keys: "S or Cmd/Ctrl+S", what: "Save now (autosave runs 2 s after every change)" },
  { keys: "N", what: "Snapping on / off" },
  { keys: "Cmd/Ctrl+Z", what: "Undo" },
  { keys: "Cmd/Ctrl+Shift+Z or Ctrl+Y", what: "Redo" },
  { keys: "+ / −", what: "Zoom the timeline in / out (also Ctrl/Cmd + wheel)" },
  { keys: "?", what: "This help" },
  { keys: "Esc", what: "Close dialogs, deselect" },
];

export function commandFor(e: KeyLike): Command | null {
  const mod = !!(e.metaKey || e.ctrlKey);
  const k = e.key.length === 1 ? e.key.toLowerCase() : e.key;
  if (mod) {
    if (k === "z") return e.shiftKey ? "redo" : "undo";
    if (k === "y") return "redo";
    if (k === "s") return "save";
    if (k === "k") return "split";
    if (k === "=" || k === "+") return "zoom-in";
    if (k === "-") return "zoom-out";
    return null;
  }
  if (e.altKey) return null;
  switch (k) {
    case " ": return "play-pause";
    case "j": return "shuttle-reverse";
    case "k": return "shuttle-stop";
    case "l": return "shuttle-forward";
    case "i": return "mark-in";
    case "o": return "mark-out";
    case "s": return "save";
    case "b": return "split";
    case "n": return "toggle-snapping";
    case "Delete":
    case "Backspace": return e.shiftKey ? "ripple-delete" : "delete";
    case "ArrowLeft": return e.shiftKey ? "jump-back" : "step-back";
    case "ArrowRight": return e.shiftKey ? "jump-forward" : "step-forward";
    case "Home": return "home";
    case "End": return "end";
    case "+":
    case "=": return "zoom-in";
    case "-":
    case "_": return "zoom-out";
    case "?": return "help";
    case "Escape": return "escape";
    default: return null;
  }
}

/** Keys typed into a text field belong to the field, except save and escape. */
export function isTypingTarget(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null;
  if (!el || !el.tagName) return false;
  const tag = el.tagName;
  if (tag === "TEXTAREA" || tag === "SELECT") return true;
  if (tag === "INPUT") {
    const type = (el as HTMLInputElement).type;
    return !["checkbox", "radio", "range", "button", "submit"].includes(type);
  }
  return el.isContentEditable === true;
}

export const ZOOM_STEPS = [0.25, 0.5, 1, 2, 3, 4, 6, 8, 12, 16, 24, 32];

export function zoomStep(px: number, dir: 1 | -1): number {
  if (dir > 0) return ZOOM_STEPS.find((z) => z > px + 1e-9) ?? ZOOM_STEPS[ZOOM_STEPS.length - 1];
  return [...ZOOM_STEPS].reverse().find((z) => z < px - 1e-9) ?? ZOOM_STEPS[0];
}
