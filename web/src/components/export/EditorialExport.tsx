// Download links for the editorial formats: the server writes each file from the saved timeline.
import { useState } from "react";
import { flushSave } from "../../store/sync";
import { EDITORIAL_FORMATS, exportUrl, filenameOf } from "../../lib/editorial";
import type { ExportSectionProps } from "./types";

export function EditorialExport({ projectId }: ExportSectionProps) {
  const [error, setError] = useState<string | null>(null);
  // Save pending edits first, so the file is the cut on screen; an error (empty timeline, no
  // dialogue) is shown here instead of downloading the server's JSON answer.
  const download = async (e: React.MouseEvent<HTMLAnchorElement>, href: string) => {
    e.preventDefault();
    setError(null);
    await flushSave().catch(() => undefined);
    const r = await fetch(href).catch(() => null);
    if (!r || !r.ok) {
      const body = r ? await r.json().catch(() => null) : null;
      setError(body?.detail ?? (r ? `HTTP ${r.status}` : "The studio server cannot be reached"));
      return;
    }
    const url = URL.createObjectURL(await r.blob());
    const a = document.createElement("a");
    a.href = url;
    a.download = filenameOf(r.headers.get("content-disposition")) ?? "cut";
    a.click();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  };
  return (
    <>
      <ul className="export-formats">
        {EDITORIAL_FORMATS.map((f) => {
          const href = exportUrl(projectId, f.key);
          return (
            <li key={f.key}>
              <a className="btn" href={href} download data-format={f.key} onClick={(e) => void download(e, href)}>{f.label}</a>
              <span className="muted">{f.ext} · {f.hint}</span>
            </li>
          );
        })}
      </ul>
      {error && <p className="export-error" role="alert">{error}</p>}
    </>
  );
}
