import { memo, useEffect, useRef } from "react";
import type { ClipBox } from "../lib/layout";
import { useStudio } from "../store/store";
import { isActive, isDraft } from "../lib/events";
import { peaks } from "../lib/waveform";
import { playback } from "../playback/playback";
import { pictureSpan } from "../lib/takeHistory";
import { assetLabel } from "../lib/takeHistory";

export type ClipPreview = { start: number; length: number; track: number };

/** A waveform of the clip's visible part, drawn once per size and trim. */
function Waveform({ url, trimIn, length, fps, width }: { url: string; trimIn: number; length: number; fps: number; width: number }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    let live = true;
    void playback.audio.load(url).then((buf) => {
      const c = canvas.current;
      if (!live || !buf || !c) return;
      const w = Math.max(1, Math.min(4096, Math.round(width)));
      c.width = w;
      const h = c.height;
      const data = buf.getChannelData(0);
      const from = Math.floor((trimIn / fps) * buf.sampleRate);
      const to = Math.min(data.length, Math.floor(((trimIn + length) / fps) * buf.sampleRate));
      const env = peaks(data.subarray(from, Math.max(from, to)), w);
      const g = c.getContext("2d")!;
      g.clearRect(0, 0, w, h);
      g.fillStyle = "rgba(140, 220, 190, 0.85)";
      for (let x = 0; x < w; x++) {
        const lo = env[x * 2];
        const hi = env[x * 2 + 1];
        const y0 = ((1 - hi) / 2) * h;
        const y1 = ((1 - lo) / 2) * h;
        g.fillRect(x, y0, 1, Math.max(1, y1 - y0));
      }
    });
    return () => {
      live = false;
    };
  }, [url, trimIn, length, fps, width]);
  return <canvas ref={canvas} className="waveform" height={40} />;
}

type Props = {
  box: ClipBox;
  px: number;
  selected: boolean;
  preview: ClipPreview | null;
  onPointerDown: (e: React.PointerEvent, id: string, mode: "move" | "in" | "out") => void;
};

export const Clip = memo(function Clip({ box, px, selected, preview, onPointerDown }: Props) {
  const id = box.id;
  const shot = useStudio((s) => s.shots[id]);
  const thumb = useStudio((s) => s.takes[id]?.thumbnail_url ?? null);
  // Before a take exists, the first conditioning image hints at the shot (faded).
  const hint = useStudio((s) => {
    const a = s.shots[id]?.timeline[0]?.asset_id;
    return a && !s.takes[id]?.thumbnail_url ? s.assets.find((x) => x.id === a)?.thumbnail_url ?? null : null;
  });
  const url = useStudio((s) => s.takes[id]?.video_url ?? null);
  const engine = useStudio((s) => s.takes[id]?.engine ?? null);
  const status = useStudio((s) => s.takes[id]?.status ?? "pending");
  const progress = useStudio((s) => (isActive(s.jobs[id]) ? s.jobs[id].progress : null));
  const fps = useStudio((s) => s.meta?.fps ?? 24);
  // A clip that shows an upload and has no prompt is named after its file.
  const media = useStudio((s) => {
    const a = s.shots[id]?.media_asset_id;
    const asset = a && !s.shots[id].prompt ? s.assets.find((x) => x.id === a) : undefined;
    return asset ? assetLabel(asset, s.takeLabels) : null;
  });
  // Frames of the clip past the end of its media (a take shorter than the clip): drawn as missing.
  const missing = useStudio((s) => {
    const sh = s.shots[id];
    if (!sh?.media_asset_id) return 0;
    return pictureSpan(sh, s.assets.find((x) => x.id === sh.media_asset_id), s.meta?.fps ?? 24).missing;
  });
  if (!shot) return null;
  const audio = box.track === 2;
  const name = shot.prompt || media || (audio ? "Audio" : "Untitled shot");
  const start = preview?.start ?? box.start;
  const length = preview?.length ?? box.length;
  const width = Math.max(2, length * px);
  const draft = isDraft(engine);
  return (
    <div
      className={`clip track-${box.track}${selected ? " selected" : ""}${preview ? " dragging" : ""}${draft ? " is-draft" : ""} st-${status}`}
      style={{ transform: `translateX(${start * px}px)`, width }}
      data-testid="clip" data-shot={id} data-start={start} data-length={length}
      onPointerDown={(e) => onPointerDown(e, id, "move")}
      title={`${name}\n${length} frames${engine ? ` · ${engine}` : ""}`}
    >
      {!audio && (thumb || hint) && <div className={`filmstrip${thumb ? "" : " hint"}`} style={{ backgroundImage: `url("${thumb ?? hint}")` }} />}
      {audio && url && width > 8 && <Waveform url={url} trimIn={shot.trim_in} length={length} fps={fps} width={width} />}
      <div className="clip-label">
        {draft && <span className="clip-draft">DRAFT</span>}
        <span className="clip-name">{name}</span>
      </div>
      {missing > 0 && !preview && (
        <div className="clip-missing" data-testid="past-media" data-missing={missing} style={{ width: `${Math.min(100, (missing / length) * 100)}%` }}
          title={`${missing} frames past the end of the take: no picture here`}>
          {missing * px > 48 && <span>no media</span>}
        </div>
      )}
      {progress !== null && <div className="clip-progress"><div style={{ width: `${progress}%` }} /></div>}
      {selected && (
        <>
          <div className="handle in" data-testid="trim-in" onPointerDown={(e) => { e.stopPropagation(); onPointerDown(e, id, "in"); }} />
          <div className="handle out" data-testid="trim-out" onPointerDown={(e) => { e.stopPropagation(); onPointerDown(e, id, "out"); }} />
        </>
      )}
    </div>
  );
});
