import { SHORTCUTS } from "../lib/keys";
import { serverSet, useStudio } from "../store/store";
import { Dialog } from "./ui/Dialog";

export function HelpOverlay() {
  const open = useStudio((s) => s.helpOpen);
  if (!open) return null;
  return (
    <Dialog title="Keyboard shortcuts" onClose={() => serverSet({ helpOpen: false })} className="help">
      <table>
        <tbody>
          {SHORTCUTS.map((s) => (
            <tr key={s.keys}><td><kbd>{s.keys}</kbd></td><td>{s.what}</td></tr>
          ))}
        </tbody>
      </table>
      <p className="muted">Keys act on the timeline; while you type in a field they belong to the field (except save and Esc).</p>
    </Dialog>
  );
}
