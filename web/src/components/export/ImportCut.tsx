// Import-cut: pick an edited .otio, FCP 7 XML, FCPXML or AAF, the server re-times the shots in one save, the
// report says what changed and which shots need more frames, and the project reloads.
import { useRef, useState } from "react";
import { useStudio } from "../../store/store";
import { flushSave } from "../../store/sync";
import { openProject } from "../../store/project";
import type { ImportReport } from "../../lib/editorial";
import { ImportReportView } from "./ImportReportView";
import type { ExportSectionProps } from "./types";

export function ImportCut({ projectId }: ExportSectionProps) {
  const input = useRef<HTMLInputElement>(null);
  const [busy, setBusy] = useState(false);
  const [report, setReport] = useState<ImportReport | null>(null);
  const [error, setError] = useState<string | null>(null);

  const send = async (file: File) => {
    setBusy(true);
    setError(null);
    setReport(null);
    try {
      await flushSave();
      const form = new FormData();
      form.append("file", file);
      form.append("base_version", String(useStudio.getState().version));
      const r = await fetch(`/projects/${encodeURIComponent(projectId)}/import-cut`, { method: "POST", body: form });
      const body = await r.json().catch(() => null);
      if (!r.ok) {
        setError(r.status === 409 ? "Someone saved this project meanwhile; it was reloaded — import the file again." : body?.detail ?? `HTTP ${r.status}`);
        if (r.status === 409) await openProject(projectId);
        return;
      }
      setReport(body as ImportReport);
      await openProject(projectId);  // the report stays in the dialog; the timeline behind it is the new cut
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
      if (input.current) input.current.value = "";
    }
  };

  return (
    <>
      <p className="muted">Send back the timeline from your editor (.otio, FCP 7 XML from Premiere or Resolve, FCPXML from Final Cut or Resolve, or AAF from Avid). Clips are matched to shots by the id this studio wrote into them, else by media name.</p>
      <label className="btn file-pick">
        {busy ? "Importing…" : "Choose edited cut…"}
        <input ref={input} type="file" accept=".otio,.xml,.fcpxml,.aaf,application/json,application/xml" data-testid="import-cut-file" disabled={busy} hidden
          onChange={(e) => { const f = e.target.files?.[0]; if (f) void send(f); }} />
      </label>
      {error && <p className="export-error" role="alert">{error}</p>}
      {report && <ImportReportView report={report} />}
    </>
  );
}
