import { SHORTCUTS } from "../lib/keys";
import { serverSet, useStudio } from "../store/store";

export function HelpOverlay() {
  const open = useStudio((s) => s.helpOpen);
  if (!open) return null;
  return (
    <div className="modal-backdrop" onMouseDown={() => serverSet({ helpOpen: false })}>
      <div className="modal help" role="dialog" aria-label="Keyboard shortcuts" onMouseDown={(e) => e.stopPropagation()}>
        <div className="modal-head">
          <h2>Keyboard shortcuts</h2>
          <button className="icon-btn" aria-label="Close" onClick={() => serverSet({ helpOpen: false })}>✕</button>
        </div>
        <table>
          <tbody>
            {SHORTCUTS.map((s) => (
              <tr key={s.keys}><td><kbd>{s.keys}</kbd></td><td>{s.what}</td></tr>
            ))}
          </tbody>
        </table>
        <p className="muted">Keys act on the timeline; while you type in a field they belong to the field (except save and Esc).</p>
      </div>
    </div>
  );
}
