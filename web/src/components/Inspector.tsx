import { TRANSITIONS, TRANSITION_MAX } from "../lib/storyboard";
import { useEffect, useState, type ReactNode } from "react";
import { Dices, Sparkles, Square, X } from "lucide-react";
import type { AssetPublic, ShotDoc, TimelineItem } from "../api/types";
import { useStudio } from "../store/store";
import { addConditioning, removeConditioning, updateConditioning, updateShot } from "../store/edits";
import { cancelShot, extendShot, generateShot } from "../store/jobs";
import { framePlan, gridAtRate, snappedSize, type VideoGrid } from "../lib/engines";
import { gridOf } from "../store/engines";
import { visibleLength } from "../lib/layout";
import { formatDuration } from "../lib/timecode";
import { isActive } from "../lib/events";
import { EngineBadge } from "./EngineBadge";
import { ASSET_MIME } from "./MediaLibrary";
import { TakesPanel } from "./TakesPanel";
import { Icon, IconButton } from "./ui/Icon";
import { ProgressBar } from "./ui/ProgressBar";
import { randomSeed } from "../lib/takeHistory";
import { rateMismatch } from "../lib/shots";
import { formatEta } from "../lib/models";
import { PromptField } from "./PromptField";
import { useElements } from "../store/elements";
import { findTriggers } from "../lib/triggers";
import { stillFirstBlocked } from "../lib/shots";

/** Still first: on by default when the shot's elements have reference images, and never when something
 * conditions frame 0 already (the server decides the same way: studio/still_first.py `applies`). */
function StillFirst({ shot }: { shot: ShotDoc }) {
  const elements = useElements((s) => s.elements);
  const blocked = useStudio((s) => stillFirstBlocked(shot, s.shots, s.takes));
  const named = findTriggers(shot.prompt, elements);
  const withImages = elements.some((e) => e.images.length && (named.includes(e) || shot.matched_elements.some((m) => m.element_id === e.id)));
  if (shot.num_frames === 1) return null;
  const value = !blocked && (shot.still_first ?? withImages);
  const auto = !blocked && shot.still_first == null && withImages;
  return (
    <label className="toggle" data-testid="still-first-toggle"
      title={blocked ? `Off: ${blocked}` : "The image engine makes the first frame from the elements' reference images, then the video engine animates it (consistent characters)"}>
      <input type="checkbox" checked={value} disabled={!!blocked} data-testid="still-first" onChange={(e) => updateShot(shot.id, { still_first: e.target.checked })} />
      Still first{auto ? " (auto)" : ""}
    </label>
  );
}

/** A text field that commits on blur or after a pause in typing: one undo step per edit, not per key. */
function TextField({ label, value, onCommit, rows = 0, title, ...rest }: {
  label: string; value: string; onCommit: (v: string) => void; rows?: number; placeholder?: string; title?: string; list?: string; maxLength?: number;
}) {
  const [draft, setDraft] = useState(value);
  useEffect(() => setDraft(value), [value]);
  useEffect(() => {
    if (draft === value) return;
    const t = setTimeout(() => onCommit(draft), 800);
    return () => clearTimeout(t);
  }, [draft]); // eslint-disable-line react-hooks/exhaustive-deps
  const props = { value: draft, "aria-label": label, onChange: (e: { target: { value: string } }) => setDraft(e.target.value), onBlur: () => draft !== value && onCommit(draft), ...rest };
  return (
    <label className="field" title={title}>
      <span>{label}</span>
      {rows ? <textarea rows={rows} {...props} /> : <input {...props} />}
    </label>
  );
}

function NumberField({ label, value, onCommit, min, max, step = 1, hint, after, title }: { label: string; value: number; onCommit: (v: number) => void; min?: number; max?: number; step?: number; hint?: ReactNode; after?: ReactNode; title?: string }) {
  const [draft, setDraft] = useState(String(value));
  useEffect(() => setDraft(String(value)), [value]);
  const commit = () => {
    const n = Number(draft);
    if (!Number.isFinite(n) || draft.trim() === "") return setDraft(String(value));
    const v = Math.min(max ?? Infinity, Math.max(min ?? -Infinity, step === 1 ? Math.round(n) : n));
    if (v !== value) onCommit(v);
    setDraft(String(v));
  };
  return (
    <label className="field" title={title}>
      <span>{label}</span>
      <span className="field-row">
        <input type="number" aria-label={label} value={draft} min={min} max={max} step={step} onChange={(e) => setDraft(e.target.value)} onBlur={commit}
          onKeyDown={(e) => e.key === "Enter" && commit()} />
        {after}
      </span>
      {hint && <small className="hint">{hint}</small>}
    </label>
  );
}

function Toggle({ label, value, onChange, title }: { label: string; value: boolean; onChange: (v: boolean) => void; title?: string }) {
  return (
    <label className="toggle" title={title}>
      <input type="checkbox" checked={value} onChange={(e) => onChange(e.target.checked)} /> {label}
    </label>
  );
}

function Conditioning({ shot }: { shot: ShotDoc }) {
  const assets = useStudio((s) => s.assets);
  const [over, setOver] = useState(false);
  const byId = new Map(assets.map((a) => [a.id, a]));
  const last = Math.max(0, shot.num_frames - 1);
  return (
    <div className={`conditioning${over ? " over" : ""}`} data-testid="conditioning"
      onDragOver={(e) => { if (e.dataTransfer.types.includes(ASSET_MIME)) { e.preventDefault(); setOver(true); } }}
      onDragLeave={() => setOver(false)}
      onDrop={(e) => {
        setOver(false);
        const raw = e.dataTransfer.getData(ASSET_MIME);
        if (!raw) return;
        e.preventDefault();
        const a = JSON.parse(raw) as AssetPublic;
        if (a.media_type === "audio") return;
        // A first image goes to frame 0, a second one to the last frame (a keyframe pair).
        const frame_index = shot.timeline.length === 0 ? 0 : last;
        addConditioning(shot.id, { asset_id: a.id, frame_index, strength: a.media_type === "video" ? 1 : 0.8, type: a.media_type === "video" ? "video" : "image" } as TimelineItem);
      }}>
      <div className="sub-head"><span>Conditioning</span>{shot.timeline.length > 0 && <button className="btn ghost small" onClick={() => updateShot(shot.id, { timeline: [] })}>Clear</button>}</div>
      {shot.timeline.length === 0 && <p className="muted drop-hint">Drag images or videos from the media library here.</p>}
      {shot.timeline.map((item, i) => {
        const a = item.asset_id ? byId.get(item.asset_id) : undefined;
        return (
          <div className="cond-item" key={i} data-testid="cond-item">
            <div className="cond-thumb">{(a?.thumbnail_url || item.url) && <img src={a?.thumbnail_url ?? a?.url ?? item.url ?? ""} alt="" />}</div>
            <div className="cond-fields">
              <span className="cond-name">{a?.filename ?? item.url ?? item.asset_id} <em>{item.type}</em></span>
              <label>Frame <input type="number" min={0} max={last} value={item.frame_index ?? 0} aria-label="Frame index"
                onChange={(e) => updateConditioning(shot.id, i, { frame_index: Math.max(0, Math.min(last, Math.round(Number(e.target.value) || 0))) })} /></label>
              <label>Strength <input type="range" min={0} max={1} step={0.05} value={item.strength ?? 1} aria-label="Strength"
                onChange={(e) => updateConditioning(shot.id, i, { strength: Number(e.target.value) })} /> {(item.strength ?? 1).toFixed(2)}</label>
            </div>
            <IconButton small icon={X} label="Remove conditioning item" onClick={() => removeConditioning(shot.id, i)} />
          </div>
        );
      })}
    </div>
  );
}

function JobStatus({ shotId }: { shotId: string }) {
  const job = useStudio((s) => s.jobs[shotId]);
  const take = useStudio((s) => s.takes[shotId]);
  const adjustments = useStudio((s) => s.adjustments[shotId]);
  const active = isActive(job);
  return (
    <div className="job-status" data-testid="job-status" data-status={job?.status ?? take?.status ?? "pending"}>
      <div className="status-line">
        <span className={`status-chip st-${job?.status ?? take?.status ?? "pending"}`}>{job?.status ?? take?.status ?? "pending"}</span>
        <EngineBadge engine={take?.engine} />
      </div>
      {active && (
        <>
          <ProgressBar value={job!.progress} testId="progress" />
          <div className="muted">{job!.message} · {Math.round(job!.progress)}%{job!.eta != null ? ` · about ${formatEta(job!.eta)}` : ""}</div>
        </>
      )}
      {job?.status === "failed" && <div className="error-text">{job.error ?? job.message}</div>}
      {adjustments && adjustments.length > 0 && (
        <ul className="adjustments" data-testid="adjustments">
          {adjustments.map((a) => <li key={a.field}><b>{a.field}</b> {a.requested} → {a.used}: {a.reason}</li>)}
        </ul>
      )}
      {take?.enhanced_prompt && (
        <details className="enhanced" open>
          <summary>Enhanced prompt</summary>
          <p data-testid="enhanced-prompt">{take.enhanced_prompt}</p>
        </details>
      )}
    </div>
  );
}

/** What generating this many frames will do on the active engine's grid (the server's adjustments stay authoritative). */
function framesHint(n: number, fps: number, shotFps: number, grid: VideoGrid, engine: string | null): ReactNode {
  const plan = framePlan(n, grid);
  // Before GET /engines answers (or from an older server) the grid is LTX-2's.
  const who = engine ? `the video engine (${engine})` : "LTX-2";
  if (plan.kind === "still") return "One frame: a still from the image engine.";
  if (plan.kind === "chained") {
    return (
      <span data-testid="chain-hint">
        Over the {grid.native_max_frames} frames {who} makes in one pass: generated in {plan.chunks} chained chunks, keeping
        exactly {n} frames (text/image → video only).
      </span>
    );
  }
  if (plan.snapped !== n) return `Generating: ${who} makes ${grid.frame_step}k+1 frames, so ${n} becomes ${plan.snapped}.`;
  return `${formatDuration(n, fps)} at ${shotFps} fps · up to ${grid.native_max_frames} frames in one pass`;
}

const secs = (s: number) => `${Math.round(s * 100) / 100} s`;

/** The shot's rate: the project's, shown, not edited; a shot at another rate is marked, with a conform. */
function Rate({ shot, projectFps }: { shot: ShotDoc; projectFps: number }) {
  const off = rateMismatch(shot.fps, projectFps, shot.num_frames);
  return (
    <div className="field" title="Shots follow the project's rate, set when the project is created">
      <span>FPS</span>
      <output data-testid="shot-rate" data-fps={shot.fps}>{off ? `${shot.fps} fps` : `${projectFps} fps · the project's`}</output>
      {off && (
        <div className="rate-off" data-testid="rate-mismatch">
          <small>
            Not the project's {projectFps} fps: a take lasts {secs(off.takeSeconds)} but its clip shows {secs(off.clipSeconds)}
            {off.takeSeconds > off.clipSeconds ? ", the rest never seen" : ", its end without picture"}.
          </small>
          <button className="btn small" data-testid="conform-rate" onClick={() => updateShot(shot.id, { fps: projectFps })}
            title="Generate at the project's rate; the clip keeps its frames on the timeline">Conform to project rate</button>
        </div>
      )}
    </div>
  );
}

/** A group of the inspector with a heading and a line in film terms. */
function Group({ title, hint, children, testId }: { title: string; hint: string; children: ReactNode; testId?: string }) {
  return (
    <section className="group" data-testid={testId}>
      <h4>{title}</h4>
      <p className="group-hint">{hint}</p>
      {children}
    </section>
  );
}

export function Inspector() {
  const id = useStudio((s) => s.selectedId);
  const shot = useStudio((s) => (s.selectedId ? s.shots[s.selectedId] : null));
  const job = useStudio((s) => (s.selectedId ? s.jobs[s.selectedId] : undefined));
  const take = useStudio((s) => (s.selectedId ? s.takes[s.selectedId] : undefined));
  const takeAsset = useStudio((s) => (s.selectedId && s.shots[s.selectedId]?.media_asset_id ? s.assets.find((a) => a.id === s.shots[s.selectedId!].media_asset_id) : undefined));
  const fps = useStudio((s) => s.meta?.fps ?? 24);
  const engines = useStudio((s) => s.engines);
  if (!id || !shot) {
    return <aside className="panel inspector" aria-label="Inspector"><p className="muted empty">Select a clip to edit its shot.</p></aside>;
  }
  const set = (f: Partial<ShotDoc>) => updateShot(id, f);
  const hasTake = !!take?.video_url;
  // Uploaded media were not generated: no "Regenerate", and the engine's grid says nothing about them.
  const upload = take?.engine === "upload";
  const still = takeAsset?.media_type === "image" && shot.num_frames > 1;
  const { grid, fromServer } = gridOf({ engines });
  const size = !upload && shot.num_frames > 1 ? snappedSize(shot.width, shot.height, grid) : null;
  const active = isActive(job);
  const frameHint = upload ? (still ? `Shows an uploaded still, held for ${formatDuration(shot.num_frames, fps)}; trim or change Frames to adjust.` : undefined)
    : still ? `Shows a still, held for ${formatDuration(shot.num_frames, fps)}. Generate makes a ${shot.num_frames}-frame video; Frames 1 makes a new still.`
      : framesHint(shot.num_frames, fps, shot.fps, gridAtRate(grid, engines, shot.fps || fps), fromServer ? engines?.engines.video?.engine ?? null : null);
  return (
    <aside className="panel inspector" aria-label="Inspector" data-testid="inspector">
      <div className="panel-head"><h3>Shot</h3><span className="muted">{["V1", "V2", "A1"][shot.track_index]} · {formatDuration(visibleLength(shot), fps)}</span></div>
      <div className="actions">
        {active ? (
          <button className="btn danger" onClick={() => void cancelShot(id)} disabled={job?.status === "cancelling"} data-testid="cancel">
            <Icon icon={Square} size={14} /> {job?.status === "cancelling" ? "Cancelling…" : "Cancel"}
          </button>
        ) : (
          <button className="btn primary" onClick={() => void generateShot(id)} data-testid="generate"
            title={upload ? "Make a generated take from the prompt (the upload stays in the library)" : undefined}>
            <Icon icon={Sparkles} size={14} /> {upload ? "Generate a take" : hasTake ? "Regenerate" : "Generate"}
          </button>
        )}
        <button className="btn" onClick={() => void extendShot(id)} disabled={!hasTake || upload || active} title="A new shot after this one that continues from its last frame">Extend</button>
      </div>
      <JobStatus shotId={id} />
      <Group title="Story" hint="What happens in the shot: the prompt is what the camera sees." testId="group-story">
        <PromptField label="Prompt" rows={4} value={shot.prompt} onCommit={(v) => set({ prompt: v })} matched={shot.matched_elements} testId="shot-prompt"
          placeholder="What the camera sees: subject, action, place, light… Type @ for an element" />
        <TextField label="Action" rows={2} value={shot.action} onCommit={(v) => set({ action: v })} title="The screenplay's action line for this shot" />
        <TextField label="Dialogue" rows={2} value={shot.dialogue} onCommit={(v) => set({ dialogue: v })} />
        <TextField label="Character" value={shot.character} onCommit={(v) => set({ character: v })} />
        <TextField label="Transition out" value={shot.transition} onCommit={(v) => set({ transition: v.trim().slice(0, TRANSITION_MAX) })}
          list="inspector-transitions" maxLength={TRANSITION_MAX} placeholder="CUT TO:, DISSOLVE TO:, FADE OUT.…"
          title="The screenplay's transition after this shot: shown on its storyboard card and exported with the script" />
        <datalist id="inspector-transitions">{TRANSITIONS.map((t) => <option key={t} value={t} />)}</datalist>
      </Group>
      <Group title="Camera and framing" hint="Shot size, frame and length. The length is in frames at the project's rate." testId="group-camera">
        <TextField label="Shot type" value={shot.shot_type} onCommit={(v) => set({ shot_type: v })} placeholder="wide, medium, close-up, over the shoulder…" />
        <div className="grid2">
          <NumberField label="Frames" value={shot.num_frames} min={1} max={14400} onCommit={(v) => set({ num_frames: v })} hint={frameHint} />
          <Rate shot={shot} projectFps={fps} />
          <NumberField label="Width" value={shot.width} min={64} max={4096} onCommit={(v) => set({ width: v })} />
          <NumberField label="Height" value={shot.height} min={64} max={4096} onCommit={(v) => set({ height: v })}
            hint={size ? `Generating: sizes are multiples of ${grid.size_multiple} from ${grid.min_size} to ${grid.max_size}`
              + `${fromServer ? "" : " (LTX-2; 64 for its two-stage pipeline)"}, so ${shot.width}×${shot.height} becomes ${size.width}×${size.height}.` : undefined} />
        </div>
        <div className="grid2 trims">
          <NumberField label="Trim in" value={shot.trim_in} min={0} max={shot.num_frames - shot.trim_out - 1} onCommit={(v) => set({ trim_in: v })} />
          <NumberField label="Trim out" value={shot.trim_out} min={0} max={shot.num_frames - shot.trim_in - 1} onCommit={(v) => set({ trim_out: v })} />
        </div>
      </Group>
      <Group title="Generation" hint="The seed picks one take among many: same seed and prompt, same picture." testId="group-generation">
        <NumberField label="Seed" value={shot.seed} min={0} max={4294967295} onCommit={(v) => set({ seed: v })}
          after={<IconButton small icon={Dices} label="New seed" testId="new-seed" title="A random seed: a different take of the same shot" onClick={() => set({ seed: randomSeed() })} />} />
        <div className="toggles">
          <Toggle label="Enhance prompt" value={shot.enhance_prompt} onChange={(v) => set({ enhance_prompt: v })} title="The text model writes a fuller description before generating" />
          <Toggle label="Continue previous" value={shot.auto_continue} onChange={(v) => set({ auto_continue: v })} title="Start from the last frame of the previous clip on this track (a match cut)" />
          <StillFirst shot={shot} />
        </div>
        <Conditioning shot={shot} />
      </Group>
      <details className="group advanced" data-testid="group-advanced">
        <summary>Advanced</summary>
        <p className="group-hint">For the engine: what to avoid, how long it works on each take, and how closely it follows the prompt.</p>
        <TextField label="Negative prompt" rows={2} value={shot.negative_prompt} onCommit={(v) => set({ negative_prompt: v })} placeholder="blur, extra fingers, text…" />
        <div className="grid2">
          <NumberField label="Steps" value={shot.steps} min={1} max={200} onCommit={(v) => set({ steps: v })} title="More steps: slower, usually finer" />
          <NumberField label="CFG" value={shot.cfg_scale} min={0} max={30} step={0.1} onCommit={(v) => set({ cfg_scale: v })} title="How literally the prompt is followed" />
          <label className="field">
            <span>Pipeline</span>
            <select aria-label="Pipeline" value={shot.pipeline_override} onChange={(e) => set({ pipeline_override: e.target.value })}>
              <option value="auto">Auto</option><option value="ti2vid">Text/image → video</option><option value="ic_lora">IC-LoRA (video)</option><option value="keyframe">Keyframes</option>
            </select>
          </label>
        </div>
        <div className="toggles"><Toggle label="Upscale" value={shot.upscale} onChange={(v) => set({ upscale: v })} title="A second pass at twice the size" /></div>
      </details>
      <Group title="Takes" hint="Every take of this shot is kept. Choose the one the cut uses." testId="group-takes">
        <TakesPanel shotId={id} />
      </Group>
    </aside>
  );
}
