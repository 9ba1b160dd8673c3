// The Export dialog: one modal with a section per way of getting the film out. Editorial formats and
// import-cut live here; the master render adds its section to SECTIONS (each is its own component).
import { useEffect, useState, type ComponentType } from "react";
import { useStudio } from "../../store/store";
import { EditorialExport } from "./EditorialExport";
import { ImportCut } from "./ImportCut";
import { MasterRender } from "./MasterRender";
import { exportButtonLabel, isActiveRender } from "../../lib/renders";

import type { ExportSectionProps } from "./types";
export type { ExportSectionProps };

export const SECTIONS: { id: string; title: string; Body: ComponentType<ExportSectionProps> }[] = [
  { id: "master", title: "Master file", Body: MasterRender },
  { id: "editorial", title: "Project files for editors", Body: EditorialExport },
  { id: "import-cut", title: "Import an edited cut", Body: ImportCut },
];

export function ExportDialog({ onClose }: { onClose: () => void }) {
  const projectId = useStudio((s) => s.projectId);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => { if (e.key === "Escape") onClose(); };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [onClose]);
  if (!projectId) return null;
  return (
    <div className="modal-backdrop" onMouseDown={onClose}>
      <div className="modal export-dialog" role="dialog" aria-label="Export" data-testid="export-dialog" onMouseDown={(e) => e.stopPropagation()}>
        <div className="modal-head">
          <h2>Export</h2>
          <button className="icon-btn" onClick={onClose} aria-label="Close">×</button>
        </div>
        {SECTIONS.map(({ id, title, Body }) => (
          <section key={id} className="export-section" data-section={id}>
            <h3>{title}</h3>
            <Body projectId={projectId} />
          </section>
        ))}
      </div>
    </div>
  );
}

/** The header's Export button, with the running render's progress on it; it owns whether the dialog is open. */
export function ExportButton() {
  const [open, setOpen] = useState(false);
  const hasProject = useStudio((s) => !!s.projectId);
  const label = useStudio((s) => exportButtonLabel(s.renderJobs));
  const busy = useStudio((s) => s.renderJobs.some(isActiveRender));
  if (!hasProject) return null;
  return (
    <>
      <button className={`btn ghost export-btn${busy ? " busy" : ""}`} onClick={() => setOpen(true)} data-testid="open-export"
        title="Render the cut to a master file, or export it for an editor">{label}</button>
      {open && <ExportDialog onClose={() => setOpen(false)} />}
    </>
  );
}
