// The Export dialog's master section (docs/render.md): format, quality and range; render jobs with
// progress, ETA and cancel (they are in the jobs area too); finished renders with a player and a download link.
import { useEffect, useState } from "react";
import type { AssetPublic } from "../../api/types";
import { layoutOf } from "../../lib/layout";
import { useStudio } from "../../store/store";
import { cancelRender, loadRenders, startRender } from "../../store/renders";
import { clock, defaultForm, isActiveRender, renderRequest, TRACK_NAMES, type RenderForm, type RenderJob } from "../../lib/renders";
import { ProgressBar } from "../ui/ProgressBar";
import type { ExportSectionProps } from "./types";

const FORMAT_LABEL = { mp4: "H.264 MP4 — plays everywhere", prores: "ProRes 422 HQ .mov — for editors" } as const;

function RenderRow({ job }: { job: RenderJob }) {
  const active = isActiveRender(job);
  return (
    <li className={`render-job render-${job.status}`} data-testid="render-job" data-status={job.status}>
      <div className="render-job-line">
        <span>{job.format === "prores" ? "ProRes" : "MP4"} · frames {job.in_frame}–{job.out_frame}</span>
        <span className="muted">{job.message}{job.eta != null && active ? ` · about ${Math.ceil(job.eta)} s left` : ""}</span>
        {active && <button className="btn ghost small" onClick={() => void cancelRender(job.job_id)} disabled={job.status === "cancelling"}>Cancel</button>}
      </div>
      {active && <ProgressBar value={job.progress} />}
    </li>
  );
}

function FinishedRender({ asset }: { asset: AssetPublic }) {
  const meta = asset.meta as Record<string, any>;
  const size = asset.size_bytes >= 1e6 ? `${(asset.size_bytes / 1e6).toFixed(1)} MB` : `${Math.max(1, Math.round(asset.size_bytes / 1e3))} kB`;
  return (
    <li className="render-done" data-testid="render-done">
      {asset.mime === "video/mp4"
        ? <video className="render-player" src={asset.url} poster={asset.thumbnail_url ?? undefined} controls preload="metadata" />
        : asset.thumbnail_url && <img className="render-player" src={asset.thumbnail_url} alt="" />}
      <div className="render-info">
        <div className="render-name">{asset.filename}</div>
        <div className="muted">{asset.num_frames} frames · {asset.width}×{asset.height} · {size}
          {meta?.copied_frames ? ` · ${meta.copied_frames} frames copied` : ""}</div>
        <a className="btn" href={asset.url} download={asset.filename}>Download</a>
      </div>
    </li>
  );
}

export function MasterRender({ projectId }: ExportSectionProps) {
  const duration = useStudio((s) => layoutOf(s.shots).duration);
  const fps = useStudio((s) => s.meta?.fps ?? 24);
  const playhead = useStudio((s) => s.frame);
  const muted = useStudio((s) => s.muted);
  const jobs = useStudio((s) => s.renderJobs);
  const renders = useStudio((s) => s.renders);
  const [form, setForm] = useState<RenderForm>(() => defaultForm(duration));
  useEffect(() => void loadRenders(), [projectId]);
  useEffect(() => setForm((f) => (f.range === "all" ? defaultForm(duration) : f)), [duration]);
  const request = renderRequest(form, muted, duration);
  const set = (patch: Partial<RenderForm>) => setForm((f) => ({ ...f, ...patch }));
  const mutedNames = TRACK_NAMES.filter((_, i) => muted[i]);
  return (
    <div className="master-render" onKeyDown={(e) => e.stopPropagation()}>
      <div className="export-form">
        <label>Format
          <select aria-label="Format" value={form.format} onChange={(e) => set({ format: e.target.value as RenderForm["format"] })}>
            {(["mp4", "prores"] as const).map((f) => <option key={f} value={f}>{FORMAT_LABEL[f]}</option>)}
          </select>
        </label>
        <label>Quality
          <select aria-label="Quality" value={form.quality} disabled={form.format === "prores"}
            onChange={(e) => set({ quality: e.target.value as RenderForm["quality"] })}>
            <option value="draft">Draft (fast)</option>
            <option value="standard">Standard (as the takes)</option>
            <option value="high">High</option>
          </select>
        </label>
        <label>Range
          <select aria-label="Range" value={form.range} onChange={(e) => set({ range: e.target.value as RenderForm["range"] })}>
            <option value="all">Whole cut (frames 0–{duration}, {clock(duration, fps)})</option>
            <option value="range">In and out frames</option>
          </select>
        </label>
        {form.range === "range" && (
          <div className="export-range">
            <label>In <input type="number" aria-label="In frame" min={0} max={duration - 1} value={form.inFrame}
              onChange={(e) => set({ inFrame: Number(e.target.value) })} /></label>
            <label>Out <input type="number" aria-label="Out frame" min={1} max={duration} value={form.outFrame}
              onChange={(e) => set({ outFrame: Number(e.target.value) })} /></label>
            <button className="btn ghost" onClick={() => set({ inFrame: playhead })}>In at playhead</button>
            <button className="btn ghost" onClick={() => set({ outFrame: playhead })}>Out at playhead</button>
            <span className="muted">{form.outFrame - form.inFrame} frames (out is not included)</span>
          </div>
        )}
        <p className="muted">Sound: clip audio of V1 and V2 and the A1 track{mutedNames.length ? `; muted on the timeline, left out: ${mutedNames.join(", ")}` : ""}.</p>
        {"error" in request && <p className="export-error" role="alert">{request.error}</p>}
        <div className="row-actions">
          <button className="btn primary" disabled={"error" in request} onClick={() => "body" in request && void startRender(request.body)}>Render</button>
        </div>
      </div>
      {jobs.length > 0 && <ul className="render-jobs">{jobs.map((j) => <RenderRow key={j.job_id} job={j} />)}</ul>}
      {renders.length ? <ul className="render-list">{renders.map((a) => <FinishedRender key={a.id} asset={a} />)}</ul>
        : <p className="muted">No renders yet.</p>}
    </div>
  );
}
