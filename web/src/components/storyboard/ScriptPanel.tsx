import { useRef } from "react";
import { aiParseScript, exportScript, openScriptFile, parseScript, setMode, setScript, useStoryboard } from "../../store/storyboard";
import type { ParseMode } from "../../lib/storyboard";

const MODES: { value: ParseMode; label: string }[] = [
  { value: "auto", label: "Auto-detect" },
  { value: "fountain", label: "Fountain screenplay" },
  { value: "fdx", label: "Final Draft (.fdx)" },
  { value: "freeform", label: "Paragraphs" },
  { value: "numbered", label: "Numbered shot list" },
];

/** The script: paste or open a file, pick how to read it, parse; export the committed storyboard. */
export function ScriptPanel() {
  const script = useStoryboard((s) => s.script);
  const mode = useStoryboard((s) => s.mode);
  const busy = useStoryboard((s) => s.busy);
  const note = useStoryboard((s) => s.parseNote);
  const notes = useStoryboard((s) => s.notes);
  const file = useRef<HTMLInputElement>(null);
  return (
    <aside className="sb-script panel">
      <div className="panel-head">
        <h3>Script</h3>
        <button className="btn ghost" onClick={() => file.current?.click()} title="Open a .fountain, .fdx or .txt file">Open file…</button>
        <input ref={file} type="file" accept=".fountain,.fdx,.txt,.spmd,text/plain" hidden data-testid="storyboard-file"
          onChange={(e) => { const f = e.target.files?.[0]; if (f) void openScriptFile(f); e.target.value = ""; }} />
      </div>
      <textarea className="sb-script-text" data-testid="storyboard-script" spellCheck={false} value={script}
        placeholder={"Paste a screenplay (Fountain or Final Draft), a story in paragraphs, or a numbered shot list.\n\nINT. LIGHTHOUSE - NIGHT\n\nMara climbs the stairs.\n\nMARA\nNot tonight."}
        onChange={(e) => setScript(e.target.value)} />
      <div className="sb-script-actions">
        <select aria-label="Parse mode" data-testid="storyboard-mode" value={mode} onChange={(e) => setMode(e.target.value as ParseMode)}>
          {MODES.map((m) => <option key={m.value} value={m.value}>{m.label}</option>)}
        </select>
        <button className="btn primary" data-testid="storyboard-parse" disabled={!script.trim() || busy !== null} onClick={() => void parseScript()}>
          {busy === "parse" ? "Parsing…" : "Parse"}
        </button>
        <button className="btn" data-testid="storyboard-ai-parse" disabled={!script.trim() || busy !== null} onClick={() => void aiParseScript()}
          title="Let the text engine read the script (falls back to the parser, and says why)">AI parse</button>
      </div>
      {note && <p className="sb-note" data-testid="storyboard-parse-note">{note}</p>}
      {notes.map((n) => <p key={n} className="sb-note warn">{n}</p>)}
      <div className="sb-export">
        <span className="muted">Export the committed storyboard:</span>
        <button className="btn ghost" data-testid="storyboard-export-fountain" onClick={() => void exportScript("fountain")}>.fountain</button>
        <button className="btn ghost" data-testid="storyboard-export-fdx" onClick={() => void exportScript("fdx")}>.fdx</button>
      </div>
    </aside>
  );
}
