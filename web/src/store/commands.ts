// Commands shared by keys, buttons and menus.
import { commandFor, isTypingTarget, zoomStep, type Command } from "../lib/keys";
import { seek, shuttle, togglePlay } from "../playback/playback";
import { serverSet, redo, toast, undo, useStudio } from "./store";
import { deleteSelected, markAtPlayhead, splitAtPlayhead } from "./edits";
import { layoutOf } from "../lib/layout";
import { flushSave } from "./sync";

export function zoom(dir: 1 | -1): void {
  serverSet((s) => ({ pxPerFrame: zoomStep(s.pxPerFrame, dir) }));
}

export async function saveCommand(): Promise<void> {
  try {
    await flushSave();
    if (useStudio.getState().saveState === "saved") toast("ok", "Saved", 1500);
  } catch {
    /* the save state shows the error */
  }
}

export function run(cmd: Command): void {
  const s = useStudio.getState();
  const hasProject = !!s.projectId;
  switch (cmd) {
    case "help": serverSet({ helpOpen: !s.helpOpen }); return;
    case "escape": serverSet({ helpOpen: false, confirm: null, selectedId: null }); return;
    case "undo": if (hasProject) undo(); return;
    case "redo": if (hasProject) redo(); return;
    case "save": void saveCommand(); return;
    default: break;
  }
  if (!hasProject) return;
  const end = layoutOf(s.shots).duration;
  switch (cmd) {
    case "play-pause": togglePlay(); break;
    case "shuttle-reverse": shuttle(-1); break;
    case "shuttle-stop": shuttle(0); break;
    case "shuttle-forward": shuttle(1); break;
    case "step-back": serverSet({ playing: false }); seek(s.frame - 1); break;
    case "step-forward": serverSet({ playing: false }); seek(s.frame + 1); break;
    case "jump-back": serverSet({ playing: false }); seek(s.frame - 10); break;
    case "jump-forward": serverSet({ playing: false }); seek(s.frame + 10); break;
    case "home": seek(0); break;
    case "end": serverSet({ playing: false }); seek(end); break; // the timeline end, not the last shot's length
    case "mark-in": markAtPlayhead("in"); break;
    case "mark-out": markAtPlayhead("out"); break;
    case "split": void splitAtPlayhead(); break;
    case "delete": deleteSelected(false); break;
    case "ripple-delete": deleteSelected(true); break;
    case "toggle-snapping": serverSet({ snapping: !s.snapping }); toast("info", `Snapping ${!s.snapping ? "on" : "off"}`, 1500); break;
    case "zoom-in": zoom(1); break;
    case "zoom-out": zoom(-1); break;
  }
}

export function onKeyDown(e: KeyboardEvent): void {
  const cmd = commandFor(e);
  if (!cmd) return;
  // In a text field a plain "s" is a letter (it used to save and vanish from the prompt); Cmd/Ctrl+S still saves.
  if (isTypingTarget(e.target) && !(cmd === "save" && (e.metaKey || e.ctrlKey)) && cmd !== "escape") return;
  if (e.repeat && (cmd === "undo" || cmd === "redo" || cmd === "delete" || cmd === "ripple-delete" || cmd === "split")) return;
  e.preventDefault();
  run(cmd);
}
