import { memo, useEffect } from "react";
import { useStudio, type State } from "../store/store";
import { layoutOf } from "../lib/layout";
import { clipAt, nextClip } from "../lib/layout";
import { formatTimecode } from "../lib/timecode";
import { isActive } from "../lib/events";
import { seek, shuttle, togglePlay } from "../playback/playback";
import { EngineBadge } from "./EngineBadge";
import { ChevronFirst, ChevronLast, Pause, Play, Rewind, FastForward, StepBack, StepForward } from "lucide-react";
import { Icon, IconButton } from "./ui/Icon";
import { pictureSpan } from "../lib/takeHistory";
import { mediaFrameAt } from "../lib/tracking";
import { refreshAssets } from "../store/library";
import { toast } from "../store/store";
import { frameStill } from "./mask/maskApi";
import { useMaskEditor } from "./mask/maskStore";
import { TrackOverlay } from "./mask/TrackOverlay";

/** Video elements by shot id, kept in step with the playhead (drift correction below). */
const elements = new Map<string, { el: HTMLVideoElement; track: number }>();
export const VIDEO_DRIFT_S = 0.25;

function isImage(url: string): boolean {
  return /\.(jpe?g|png|webp|gif)(\?|$)/i.test(url);
}

function activeId(s: State, track: number): string | null {
  return clipAt(layoutOf(s.shots).tracks[track], s.frame)?.id ?? null;
}

function nextId(s: State, track: number): string | null {
  return nextClip(layoutOf(s.shots).tracks[track], s.frame)?.id ?? null;
}

/** Seek and play/pause every live video so it shows the playhead's frame. */
function syncVideos(s: State): void {
  const layout = layoutOf(s.shots);
  const fps = s.meta?.fps ?? 24;
  for (const [id, { el, track }] of elements) {
    const box = layout.clips.get(id);
    const shot = s.shots[id];
    if (!box || !shot || el.readyState < 1) continue;
    el.muted = !!s.muted[track];
    const inside = box.start <= s.frame && s.frame < box.end;
    if (!inside) {
      // A preloaded next clip waits on its first frame.
      if (!el.paused) el.pause();
      const first = shot.trim_in / fps + 0.5 / fps;
      if (Math.abs(el.currentTime - first) > 1 / fps) el.currentTime = first;
      continue;
    }
    const expected = (shot.trim_in + (s.frame - box.start) + 0.5) / fps;
    if (s.playing && s.rate > 0) {
      if (el.playbackRate !== s.rate) el.playbackRate = s.rate;
      if (Math.abs(el.currentTime - expected) > VIDEO_DRIFT_S) el.currentTime = expected;
      if (el.paused) {
        el.play().catch(() => {
          // No user gesture yet: play muted rather than not at all.
          el.muted = true;
          el.play().catch(() => undefined);
        });
      }
    } else {
      if (!el.paused) el.pause();
      if (Math.abs(el.currentTime - expected) > 0.5 / fps) el.currentTime = expected;
    }
  }
}

const ClipMedia = memo(function ClipMedia({ id, track, visible }: { id: string; track: number; visible: boolean }) {
  const url = useStudio((s) => s.takes[id]?.video_url ?? null);
  if (!url) return null;
  if (isImage(url)) return <img className={`media${visible ? "" : " hidden"}`} src={url} alt="" />;
  return (
    <video className={`media${visible ? "" : " hidden"}`} src={url} preload="auto" playsInline data-shot={id} data-track={track}
      ref={(el) => {
        if (el) {
          elements.set(id, { el, track });
          el.onloadedmetadata = () => syncVideos(useStudio.getState());
        } else elements.delete(id);
      }} />
  );
});

function TrackLayer({ track }: { track: number }) {
  const active = useStudio((s) => activeId(s, track));
  const next = useStudio((s) => nextId(s, track));
  return (
    <div className={`layer layer-${track}`}>
      {active && <ClipMedia key={active} id={active} track={track} visible />}
      {next && next !== active && <ClipMedia key={next} id={next} track={track} visible={false} />}
    </div>
  );
}

function StageOverlay() {
  const id = useStudio((s) => activeId(s, 1) ?? activeId(s, 0));
  const shot = useStudio((s) => (id ? s.shots[id] : null));
  const take = useStudio((s) => (id ? s.takes[id] : null));
  const job = useStudio((s) => (id ? s.jobs[id] : undefined));
  const atEnd = useStudio((s) => s.frame >= layoutOf(s.shots).duration);
  const empty = useStudio((s) => Object.keys(s.shots).length === 0);
  if (empty) return <div className="stage-card"><p>Add a shot to the timeline (+ Shot) to begin.</p></div>;
  if (!shot) return atEnd ? <div className="stage-card dim"><p>End of timeline</p></div> : <div className="stage-card dim"><p>Gap</p></div>;
  return (
    <>
      {!take?.video_url && (
        <div className="stage-card">
          <p className="stage-prompt">{shot.prompt || "Untitled shot"}</p>
          <p className="muted">{isActive(job) ? "Generating…" : "Not generated yet — select it and press Generate"}</p>
        </div>
      )}
      {isActive(job) && (
        <div className="stage-progress" data-testid="stage-progress">
          <div className="bar"><div style={{ width: `${job!.progress}%` }} /></div>
          <span>{job!.message || job!.status} · {Math.round(job!.progress)}%{job!.eta != null ? ` · ${Math.ceil(job!.eta)} s left` : ""}</span>
        </div>
      )}
      <div className="stage-badges"><EngineBadge engine={take?.engine} /></div>
    </>
  );
}

/** Where the playhead is past the end of the media a clip shows: how many frames short, per track. */
function pastMediaAt(s: State, track: number): number | null {
  const id = activeId(s, track);
  const shot = id ? s.shots[id] : null;
  if (!id || !shot?.media_asset_id) return null;
  const asset = s.assets.find((a) => a.id === shot.media_asset_id);
  const span = pictureSpan(shot, asset, s.meta?.fps ?? 24);
  if (!span.missing) return null;
  const offset = s.frame - layoutOf(s.shots).clips.get(id)!.start;
  return offset >= span.covered ? span.missing : null;
}

/**
 * The clip runs past its media here: black with a mark, never the last frame frozen as if it were
 * picture. V2 is on top, so its missing media covers V1 the way an offline clip would.
 */
function PastMedia() {
  const missing = useStudio((s) => pastMediaAt(s, 1) ?? pastMediaAt(s, 0));
  if (missing === null) return null;
  return (
    <div className="stage-card past-media" data-testid="past-media-stage">
      <p>Past the end of the take</p>
      <p className="muted">This clip is {missing} frame{missing > 1 ? "s" : ""} longer than its media: trim it, or generate a longer take.</p>
    </div>
  );
}

/** The selected clip's frame under the playhead, when it shows a video there: shot, video asset, media frame. */
function clipFrameAt(s: State): { shotId: string; videoId: string; frame: number } | null {
  const shot = s.selectedId ? s.shots[s.selectedId] : null;
  const box = shot ? layoutOf(s.shots).clips.get(shot.id) : null;
  if (!shot || !box || box.track > 1 || !shot.media_asset_id) return null;
  const video = s.assets.find((a) => a.id === shot.media_asset_id);
  if (!video || video.media_type !== "video") return null;
  const frame = mediaFrameAt(s.frame, box.start, box.length, shot.trim_in, s.meta?.fps ?? 24, video);
  return frame == null ? null : { shotId: shot.id, videoId: video.id, frame };
}

/** "Mask this frame": the frame under the playhead of the selected clip becomes a still, and the Mask editor opens on it. */
function MaskFrameButton() {
  const key = useStudio((s) => {
    const at = clipFrameAt(s);
    return at ? `${at.shotId}|${at.videoId}|${at.frame}` : null;
  });
  const projectId = useStudio((s) => s.projectId);
  const open = async () => {
    const s = useStudio.getState();
    const at = clipFrameAt(s);
    const video = at && s.assets.find((a) => a.id === at.videoId);
    if (!at || !video || !projectId) return;
    try {
      const still = await frameStill(projectId, at.videoId, at.frame);
      void refreshAssets();
      useMaskEditor.getState().open(still, { shotId: at.shotId, video, frame: at.frame });
    } catch (e) {
      toast("error", `This frame could not be taken: ${(e as Error).message}`);
    }
  };
  return (
    <button className="btn small mask-frame" disabled={!key} onClick={() => void open()} data-testid="mask-frame"
      title={key ? "Open the Mask editor on this frame of the clip: select, track through the clip, inpaint"
        : "Select a clip that shows a video, with the playhead inside it"}>Mask this frame</button>
  );
}

function Transport() {
  const frame = useStudio((s) => s.frame);
  const fps = useStudio((s) => s.meta?.fps ?? 24);
  const duration = useStudio((s) => layoutOf(s.shots).duration);
  const playing = useStudio((s) => s.playing);
  const rate = useStudio((s) => s.rate);
  return (
    <div className="transport">
      <IconButton icon={ChevronFirst} onClick={() => seek(0)} title="Start (Home)" label="Go to start" />
      <IconButton icon={StepBack} onClick={() => seek(frame - 1)} title="Back one frame (←)" label="Back one frame" />
      <IconButton icon={Rewind} onClick={() => shuttle(-1)} title="Reverse (J)" label="Reverse" />
      <button className="icon-btn play" onClick={togglePlay} title="Play / pause (Space)" aria-label={playing ? "Pause" : "Play"} data-testid="play">
        <Icon icon={playing ? Pause : Play} size={18} />
      </button>
      <IconButton icon={FastForward} onClick={() => shuttle(1)} title="Forward (L)" label="Forward" />
      <IconButton icon={StepForward} onClick={() => seek(frame + 1)} title="Forward one frame (→)" label="Forward one frame" />
      <IconButton icon={ChevronLast} onClick={() => seek(duration)} title="End of timeline (End)" label="Go to end" />
      <span className="timecode" data-testid="timecode" data-frame={frame}>{formatTimecode(frame, fps)}</span>
      <span className="muted timecode-total">/ {formatTimecode(duration, fps)}</span>
      {playing && rate !== 1 && <span className="rate">{rate > 0 ? "" : "−"}{Math.abs(rate)}×</span>}
      <MaskFrameButton />
    </div>
  );
}

export function Viewer() {
  const meta = useStudio((s) => s.meta);
  useEffect(() => {
    syncVideos(useStudio.getState());
    return useStudio.subscribe((s, prev) => {
      if (s.frame !== prev.frame || s.playing !== prev.playing || s.rate !== prev.rate || s.shots !== prev.shots || s.muted !== prev.muted) syncVideos(s);
    });
  }, []);
  if (!meta) return null;
  return (
    <section className="panel viewer" aria-label="Player">
      <div className="stage-wrap">
        <div className="stage" style={{ aspectRatio: `${meta.resolution_w} / ${meta.resolution_h}` }} data-testid="stage">
          <TrackLayer track={0} />
          <TrackLayer track={1} />
          <StageOverlay />
          <PastMedia />
          <TrackOverlay />
          <div className="hud" data-testid="hud">{meta.resolution_w}×{meta.resolution_h} · {meta.fps} fps</div>
        </div>
      </div>
      <Transport />
    </section>
  );
}
