// Every take of the selected shot, newest first: its name, what it was made with (prompt, seed,
// engine, length, when), whether the shot has moved on since (out of date), playable on hover,
// two side by side, and one chosen as the shot's take. A clip can be smoothed: "Smooth motion ×2" makes a new
// take of it at twice the frame rate (LTX-2.5's temporal refine, or the draft optical-flow interpolator).
import { useState } from "react";
import { CheckCircle2, Columns2, Play, TriangleAlert, Waves } from "lucide-react";
import type { TakePublic } from "../api/types";
import { serverSet, useStudio } from "../store/store";
import { chooseTake } from "../store/takeHistory";
import { smoothTake } from "../store/smoothMotion";
import { isActive } from "../lib/events";
import { staleFields, staleText, takesOf } from "../lib/takeHistory";
import { formatDuration } from "../lib/timecode";
import { EngineBadge } from "./EngineBadge";
import { Icon } from "./ui/Icon";

export function when(iso: string, now = Date.now()): string {
  const t = new Date(iso).getTime();
  const s = Math.max(0, Math.round((now - t) / 1000));
  if (s < 60) return "just now";
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 86400) return `${Math.round(s / 3600)} h ago`;
  return new Date(iso).toLocaleDateString();
}

function TakeRow({ t, current, picked, onPick }: { t: TakePublic; current: boolean; picked: boolean; onPick: () => void }) {
  const shot = useStudio((s) => s.shots[t.shot_id]);
  const fps = useStudio((s) => s.meta?.fps ?? 24);
  const busy = useStudio((s) => isActive(s.jobs[t.shot_id]));
  const [playing, setPlaying] = useState(false);
  const stale = shot ? staleFields(t, shot) : [];
  const frames = t.num_frames ?? (t.duration_s ? Math.round(t.duration_s * fps) : null);
  return (
    <li className={`take-row${current ? " current" : ""}${stale.length ? " stale" : ""}`} data-testid="take-row" data-asset={t.asset_id}
      data-current={current} data-stale={stale.join(",")}>
      <button className="take-thumb" onClick={() => setPlaying(!playing)} aria-label={`Play ${t.label}`} title="Play this take here">
        {playing && t.media_type === "video"
          ? <video src={t.url} autoPlay muted controls={false} onEnded={() => setPlaying(false)} data-testid="take-video" />
          : t.thumbnail_url ? <img src={t.thumbnail_url} alt="" /> : <Icon icon={Play} />}
      </button>
      <div className="take-info">
        <div className="take-label"><b>{t.label}</b> <EngineBadge engine={t.engine} compact />
          {t.smoothed_from && <span className="take-smooth" data-testid="take-smoothed" title="Smooth motion ×2 of an earlier take">smooth ×2</span>}
        </div>
        {t.made_with && <div className="take-prompt" title={t.made_with.enhanced_prompt ?? t.made_with.prompt}>{t.made_with.prompt || "(no prompt)"}</div>}
        <div className="muted take-facts">
          {t.made_with?.seed != null && <>seed {t.made_with.seed} · </>}
          {t.media_type === "image" ? "still" : frames ? formatDuration(frames, t.fps ?? fps) : "—"}
          {t.media_type === "video" && t.fps ? <> · {Math.round(t.fps * 1000) / 1000} fps</> : null} · {when(t.created_at)}
        </div>
        {t.media_type === "video" && (
          <button className="btn small take-smooth-btn" data-testid="smooth-take" disabled={busy} onClick={() => void smoothTake(t)}
            title="A new take at twice the frame rate, same length and sound: LTX-2.5's temporal refine when this take kept its DFR pass, else the draft optical-flow interpolator">
            <Icon icon={Waves} size={14} /> Smooth motion ×2
          </button>
        )}
        {stale.length > 0 && <div className="take-stale" data-testid="take-stale"><Icon icon={TriangleAlert} size={12} /> {staleText(stale)}</div>}
      </div>
      <div className="take-actions">
        {current ? <span className="take-current" data-testid="take-current"><Icon icon={CheckCircle2} size={14} /> The shot's take</span>
          : <button className="btn small" data-testid="choose-take" onClick={() => chooseTake(t)}>Use this take</button>}
        <label className="take-pick" title="Pick two takes to compare them side by side">
          <input type="checkbox" checked={picked} onChange={onPick} aria-label={`Compare ${t.label}`} /> compare
        </label>
      </div>
    </li>
  );
}

export function TakesPanel({ shotId }: { shotId: string }) {
  const all = useStudio((s) => s.takeList);
  const current = useStudio((s) => s.shots[shotId]?.media_asset_id ?? null);
  const [picked, setPicked] = useState<string[]>([]);
  const takes = takesOf(all, shotId).slice().reverse();
  if (!takes.length) return <p className="muted takes-empty">No takes yet: each Generate keeps a new take here.</p>;
  const pick = (id: string) => setPicked((p) => (p.includes(id) ? p.filter((x) => x !== id) : [...p.slice(-1), id]));
  return (
    <div className="takes" data-testid="takes">
      <ul className="take-list">
        {takes.map((t) => <TakeRow key={t.asset_id} t={t} current={t.asset_id === current} picked={picked.includes(t.asset_id)} onPick={() => pick(t.asset_id)} />)}
      </ul>
      {takes.length > 1 && (
        <button className="btn small" disabled={picked.length !== 2} data-testid="compare-takes"
          onClick={() => serverSet({ compare: [picked[0], picked[1]] })}>
          <Icon icon={Columns2} size={14} /> Compare side by side{picked.length !== 2 ? ` (pick two)` : ""}
        </button>
      )}
    </div>
  );
}
