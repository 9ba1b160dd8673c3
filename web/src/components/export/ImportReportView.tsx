// What an import changed, shot by shot, with the shots the editor extended past their media first.
import type { ImportReport } from "../../lib/editorial";
import { reportSummary } from "../../lib/editorial";

export function ImportReportView({ report }: { report: ImportReport }) {
  return (
    <div className="import-report" data-testid="import-report">
      <p><strong>{reportSummary(report)}</strong></p>
      {report.needs_frames.length > 0 && (
        <div className="needs-frames">
          <h4>Need more frames</h4>
          <ul>
            {report.needs_frames.map((n) => (
              <li key={n.shot_id} data-shot={n.shot_id}>
                <strong>{n.name}</strong>: {n.frames > 0 && `${n.frames} frames after its end`}
                {n.frames > 0 && n.head_frames > 0 && ", "}{n.head_frames > 0 && `${n.head_frames} frames before its start`} — select it and Extend
              </li>
            ))}
          </ul>
        </div>
      )}
      {report.changed.length > 0 && (
        <ul className="changes">
          {report.changed.map((c) => (
            <li key={c.shot_id} data-shot={c.shot_id}><strong>{c.name}</strong>: {c.changes.join("; ")}</li>
          ))}
        </ul>
      )}
      {report.deleted.length > 0 && <p>Deleted: {report.deleted.map((d) => d.name).join(", ")}</p>}
      {report.unmatched.length > 0 && <p className="muted">Not shots of this project (ignored): {report.unmatched.join(", ")}</p>}
      {report.notes.map((n, i) => <p key={i} className="muted">{n}</p>)}
    </div>
  );
}
