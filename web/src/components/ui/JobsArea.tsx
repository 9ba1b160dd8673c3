// The jobs area: everything running in the studio now (shot generations of the open project and
// model downloads) in one place in the header, each with its progress, time left and a cancel.
// Other views (storyboard, elements, export) list their jobs here by adding rows; renders do.
import { useState } from "react";
import { Activity, X } from "lucide-react";
import { useStudio } from "../../store/store";
import { cancelShot } from "../../store/jobs";
import { cancelRender } from "../../store/renders";
import { isActiveRender } from "../../lib/renders";
import { cancelDownload } from "../../store/models";
import { cancelImageJob, useElements } from "../../store/elements";
import { activeClipInpaints, cancelClipInpaint, useClipInpaint } from "../../store/clipInpaint";
import { isActive } from "../../lib/events";
import { formatEta, formatSpeed } from "../../lib/models";
import { shotName } from "../../lib/sync";
import { Icon, IconButton } from "./Icon";
import { ProgressBar } from "./ProgressBar";

export type JobRow = { key: string; title: string; detail: string; progress: number; onCancel?: () => void };

export function useJobRows(): JobRow[] {
  const jobs = useStudio((s) => s.jobs);
  const shots = useStudio((s) => s.shots);
  const models = useStudio((s) => s.models);
  const renders = useStudio((s) => s.renderJobs);
  const rows: JobRow[] = [];
  for (const r of renders) {
    if (!isActiveRender(r)) continue;
    rows.push({ key: `render-${r.job_id}`, title: `Render ${r.format === "prores" ? "ProRes" : "MP4"} ${r.in_frame}–${r.out_frame}`,
      progress: r.progress, detail: `${r.message || r.status}${r.eta != null ? ` · ${formatEta(r.eta)}` : ""}`,
      onCancel: () => void cancelRender(r.job_id) });
  }
  const imageJobs = useElements((s) => s.jobs);
  for (const j of Object.values(imageJobs)) {
    rows.push({ key: `image-${j.job_id}`, title: j.label, progress: j.progress, detail: `${j.message}${j.engine.startsWith("draft") ? " · draft" : ""}`,
      onCancel: () => void cancelImageJob(j.job_id) });
  }
  const clipJobs = useClipInpaint((s) => s.jobs);
  for (const j of activeClipInpaints(clipJobs)) {
    rows.push({ key: `inpaint-clip-${j.job_id}`, title: j.label, progress: j.progress,
      detail: `${j.message}${j.eta != null ? ` · ${formatEta(j.eta)}` : ""}${j.engine.startsWith("draft") ? " · draft" : ""}`,
      onCancel: () => void cancelClipInpaint(j.job_id) });
  }
  for (const [id, j] of Object.entries(jobs)) {
    if (!isActive(j) || !shots[id]) continue;
    rows.push({ key: `shot-${id}`, title: `Shot ${shotName(shots[id])}`, progress: j.progress,
      detail: `${j.message || j.status}${j.eta != null ? ` · ${formatEta(j.eta)}` : ""}`, onCancel: () => void cancelShot(id) });
  }
  for (const m of models?.models ?? []) {
    if (m.status !== "downloading") continue;
    const p = m.progress;
    rows.push({ key: `model-${m.id}`, title: `Download ${m.name}`, progress: p?.progress ?? 0,
      detail: p ? `${formatSpeed(p.speed_bps)} · ${formatEta(p.eta_s)}` : "starting…", onCancel: () => void cancelDownload(m) });
  }
  return rows;
}

export function JobsArea() {
  const rows = useJobRows();
  const [open, setOpen] = useState(false);
  return (
    <div className="jobs-area">
      <button className={`btn ghost small jobs-button${rows.length ? " busy" : ""}`} onClick={() => setOpen(!open)} data-testid="jobs-button"
        aria-expanded={open} title="What is running: generations and downloads">
        <Icon icon={Activity} size={14} /> {rows.length ? `${rows.length} running` : "Idle"}
      </button>
      {open && (
        <div className="jobs-popover" data-testid="jobs-area" role="region" aria-label="Running jobs">
          {!rows.length && <p className="muted">Nothing is running.</p>}
          {rows.map((r) => (
            <div className="job-row" key={r.key} data-testid="job-row">
              <div className="job-row-head"><span className="job-title">{r.title}</span>
                {r.onCancel && <IconButton small icon={X} label={`Cancel ${r.title}`} onClick={r.onCancel} />}</div>
              <ProgressBar value={r.progress} />
              <div className="muted">{Math.round(r.progress)}% · {r.detail}</div>
            </div>
          ))}
        </div>
      )}
    </div>
  );
}
