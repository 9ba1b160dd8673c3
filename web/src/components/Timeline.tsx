import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from "react";
import type { AssetPublic } from "../api/types";
import { TRACKS } from "../api/types";
import { serverSet, useStudio } from "../store/store";
import { addShot, commitMove, commitTrim, deleteSelected, splitAtPlayhead } from "../store/edits";
import { layoutOf } from "../lib/layout";
import { uploadFiles } from "../store/library";
import { placeAssets } from "../store/takes";
import { zoom } from "../store/commands";
import { clipsInRange, type ClipBox } from "../lib/layout";
import { clipEdges, gridStepFrames, snapClipStart, snapFrame, type SnapResult } from "../lib/snapping";
import { formatTimecode } from "../lib/timecode";
import { ZOOM_STEPS } from "../lib/keys";
import { seek } from "../playback/playback";
import { Clip, type ClipPreview } from "./Clip";
import { ASSET_MIME } from "./MediaLibrary";
import { Plus, Scissors, Trash2, ZoomIn, ZoomOut } from "lucide-react";
import { Icon, IconButton } from "./ui/Icon";

const RULER_H = 24;
const LANE_H = [58, 46, 46];
const LANE_TOP = [RULER_H, RULER_H + LANE_H[0], RULER_H + LANE_H[0] + LANE_H[1]];
const SNAP_PX = 8;
const OVERSCAN_PX = 400;

type Drag = { id: string; mode: "move" | "in" | "out"; x0: number; box: ClipBox; preview: ClipPreview; snap: SnapResult | null; moved: boolean };

function laneAt(y: number): number {
  for (let t = TRACKS.length - 1; t >= 0; t--) if (y >= LANE_TOP[t]) return t;
  return 0;
}

function Playhead({ px }: { px: number }) {
  const frame = useStudio((s) => s.frame);
  return <div className="playhead" data-testid="playhead" style={{ transform: `translateX(${frame * px}px)` }} />;
}

function Ruler({ px, from, to, fps }: { px: number; from: number; to: number; fps: number }) {
  const step = gridStepFrames(fps, px);
  const ticks: number[] = [];
  for (let f = Math.max(0, Math.floor(from / step) * step); f <= to; f += step) ticks.push(f);
  return (
    <div className="ruler" style={{ height: RULER_H }} data-testid="ruler">
      {ticks.map((f) => (
        <div key={f} className="tick" style={{ transform: `translateX(${f * px}px)` }}><span>{formatTimecode(f, fps)}</span></div>
      ))}
    </div>
  );
}

function TrackHead({ track }: { track: (typeof TRACKS)[number] }) {
  const muted = useStudio((s) => !!s.muted[track.index]);
  const locked = useStudio((s) => !!s.locked[track.index]);
  return (
    <div className="track-head" style={{ height: LANE_H[track.index] }}>
      <span className="track-name" title={track.label}>{track.name}</span>
      <button className={`tiny${muted ? " on" : ""}`} title={muted ? "Unmute" : "Mute"} aria-label={`Mute ${track.name}`}
        onClick={() => serverSet((s) => ({ muted: { ...s.muted, [track.index]: !muted } }))}>M</button>
      <button className={`tiny${locked ? " on" : ""}`} title={locked ? "Unlock" : "Lock: no moves, trims or deletes"} aria-label={`Lock ${track.name}`}
        onClick={() => serverSet((s) => ({ locked: { ...s.locked, [track.index]: !locked } }))}>L</button>
    </div>
  );
}

function Toolbar() {
  const px = useStudio((s) => s.pxPerFrame);
  const snapping = useStudio((s) => s.snapping);
  const hasSel = useStudio((s) => !!s.selectedId);
  return (
    <div className="tl-toolbar">
      <button className="btn small" onClick={() => addShot(0)} data-testid="add-shot" title="Add a shot to V1 (after the selected clip)"><Icon icon={Plus} size={14} /> Shot</button>
      <button className="btn small" onClick={() => void splitAtPlayhead()} data-testid="split" title="Split at the playhead (B, Cmd/Ctrl+K)"><Icon icon={Scissors} size={14} /> Split</button>
      <button className="btn small" onClick={() => deleteSelected(false)} disabled={!hasSel} title="Delete the selected clip (Delete)"><Icon icon={Trash2} size={14} /> Delete</button>
      <button className="btn small" onClick={() => deleteSelected(true)} disabled={!hasSel} title="Ripple delete (Shift+Delete)">Ripple delete</button>
      <span className="tl-rule" data-testid="v2-rule" title="V2 never overlaps: a clip dropped or moved onto V2 goes in at the nearest clip boundary and pushes later clips right (insert), like an NLE's insert edit">
        V2: insert &amp; push</span>
      <label className="toggle small"><input type="checkbox" checked={snapping} onChange={(e) => serverSet({ snapping: e.target.checked })} /> Snap</label>
      <div className="spacer" />
      <IconButton small icon={ZoomOut} onClick={() => zoom(-1)} label="Zoom out" title="Zoom out (−)" />
      <input type="range" aria-label="Zoom" min={0} max={ZOOM_STEPS.length - 1} value={Math.max(0, ZOOM_STEPS.indexOf(px))}
        onChange={(e) => serverSet({ pxPerFrame: ZOOM_STEPS[Number(e.target.value)] })} />
      <IconButton small icon={ZoomIn} onClick={() => zoom(1)} label="Zoom in" title="Zoom in (+)" />
    </div>
  );
}

export function Timeline() {
  const shots = useStudio((s) => s.shots);
  const px = useStudio((s) => s.pxPerFrame);
  const fps = useStudio((s) => s.meta?.fps ?? 24);
  const selectedId = useStudio((s) => s.selectedId);
  const layout = useMemo(() => layoutOf(shots), [shots]);
  const scroller = useRef<HTMLDivElement>(null);
  const [view, setView] = useState({ left: 0, width: 1200 });
  const [drag, setDrag] = useState<Drag | null>(null);
  const dragRef = useRef<Drag | null>(null);
  dragRef.current = drag;

  const onScroll = useCallback(() => {
    const el = scroller.current;
    if (el) setView({ left: el.scrollLeft, width: el.clientWidth });
  }, []);
  useLayoutEffect(() => {
    onScroll();
    const el = scroller.current;
    if (!el) return;
    const ro = new ResizeObserver(onScroll);
    ro.observe(el);
    return () => ro.disconnect();
  }, [onScroll]);

  // Follow the playhead while playing (page by page, so the view does not jitter).
  useEffect(() => useStudio.subscribe((s, prev) => {
    if (s.frame === prev.frame || !scroller.current) return;
    const el = scroller.current;
    const x = s.frame * s.pxPerFrame;
    if (x > el.scrollLeft + el.clientWidth - 40 || x < el.scrollLeft) el.scrollLeft = Math.max(0, x - el.clientWidth * 0.1);
  }), []);

  // Ctrl/Cmd + wheel zooms around the pointer.
  useEffect(() => {
    const el = scroller.current;
    if (!el) return;
    const onWheel = (e: WheelEvent) => {
      if (!(e.ctrlKey || e.metaKey)) return;
      e.preventDefault();
      const rect = el.getBoundingClientRect();
      const before = useStudio.getState().pxPerFrame;
      const frameAtPointer = (el.scrollLeft + e.clientX - rect.left) / before;
      zoom(e.deltaY < 0 ? 1 : -1);
      const after = useStudio.getState().pxPerFrame;
      requestAnimationFrame(() => (el.scrollLeft = frameAtPointer * after - (e.clientX - rect.left)));
    };
    el.addEventListener("wheel", onWheel, { passive: false });
    return () => el.removeEventListener("wheel", onWheel);
  }, []);

  const frameAtClientX = (clientX: number) => {
    const el = scroller.current!;
    return Math.max(0, Math.round((clientX - el.getBoundingClientRect().left + el.scrollLeft) / useStudio.getState().pxPerFrame));
  };

  const onClipPointerDown = useCallback((e: React.PointerEvent, id: string, mode: Drag["mode"]) => {
    if (e.button !== 0) return;
    e.stopPropagation();
    const box = layoutOf(useStudio.getState().shots).clips.get(id);
    if (!box) return;
    serverSet({ selectedId: id });
    const d: Drag = { id, mode, x0: e.clientX, box, preview: { start: box.start, length: box.length, track: box.track }, snap: null, moved: false };
    setDrag(d);
    const el = scroller.current!;
    const onMove = (ev: PointerEvent) => {
      const cur = dragRef.current;
      if (!cur) return;
      const s = useStudio.getState();
      const p = s.pxPerFrame;
      const delta = Math.round((ev.clientX - cur.x0) / p);
      const shot = s.shots[id];
      const threshold = Math.max(1, Math.round(SNAP_PX / p));
      const targets = { edges: clipEdges(layoutOf(s.shots).tracks, new Set([id])), playheadFrame: s.frame, gridStep: gridStepFrames(s.meta?.fps ?? 24, p) };
      const useSnap = s.snapping && !ev.altKey;
      let preview: ClipPreview;
      let snap: SnapResult | null = null;
      if (cur.mode === "move") {
        const y = ev.clientY - el.getBoundingClientRect().top;
        const track = laneAt(y);
        let start = Math.max(0, cur.box.start + delta);
        if (useSnap) {
          snap = snapClipStart(start, cur.box.length, targets, threshold);
          start = Math.max(0, snap.frame);
        }
        preview = { start, length: cur.box.length, track };
      } else if (cur.mode === "in") {
        let edge = cur.box.start + delta;
        if (useSnap) { snap = snapFrame(edge, targets, threshold); edge = snap.frame; }
        const moved = Math.max(-shot.trim_in, Math.min(edge - cur.box.start, cur.box.length - 1));
        preview = { start: cur.box.start + moved, length: cur.box.length - moved, track: cur.box.track };
      } else {
        let edge = cur.box.end + delta;
        if (useSnap) { snap = snapFrame(edge, targets, threshold); edge = snap.frame; }
        const moved = Math.max(1 - cur.box.length, Math.min(edge - cur.box.end, shot.trim_out));
        preview = { start: cur.box.start, length: cur.box.length + moved, track: cur.box.track };
      }
      setDrag({ ...cur, preview, snap: snap?.snappedTo ? snap : null, moved: cur.moved || Math.abs(ev.clientX - cur.x0) > 2 || preview.track !== cur.box.track });
    };
    const onUp = () => {
      window.removeEventListener("pointermove", onMove);
      window.removeEventListener("pointerup", onUp);
      const cur = dragRef.current;
      setDrag(null);
      if (!cur || !cur.moved) return;
      if (cur.mode === "move") commitMove(id, cur.preview.track, cur.preview.start);
      else if (cur.mode === "in") commitTrim(id, "in", cur.preview.start - cur.box.start);
      else commitTrim(id, "out", cur.preview.length - cur.box.length);
    };
    window.addEventListener("pointermove", onMove);
    window.addEventListener("pointerup", onUp);
  }, []);

  const onScrub = (e: React.PointerEvent) => {
    if (e.button !== 0) return;
    serverSet({ playing: false });
    seek(frameAtClientX(e.clientX));
    const onMove = (ev: PointerEvent) => seek(frameAtClientX(ev.clientX));
    const onUp = () => {
      window.removeEventListener("pointermove", onMove);
      window.removeEventListener("pointerup", onUp);
    };
    window.addEventListener("pointermove", onMove);
    window.addEventListener("pointerup", onUp);
  };

  const onDrop = async (e: React.DragEvent) => {
    e.preventDefault();
    const el = scroller.current!;
    const track = laneAt(e.clientY - el.getBoundingClientRect().top);
    let frame = frameAtClientX(e.clientX);
    const s = useStudio.getState();
    if (s.snapping && !e.altKey) {
      // The new clip starts on a nearby clip edge or the playhead, like a dragged one.
      const targets = { edges: clipEdges(layout.tracks, new Set()), playheadFrame: s.frame, gridStep: 0 };
      frame = snapFrame(frame, targets, Math.max(1, Math.round(SNAP_PX / s.pxPerFrame))).frame;
    }
    let assets: AssetPublic[] = [];
    const raw = e.dataTransfer.getData(ASSET_MIME);
    if (raw) assets = [JSON.parse(raw)];
    else if (e.dataTransfer.files.length) assets = await uploadFiles([...e.dataTransfer.files]);
    // Each dropped asset becomes a clip that shows it (conditioning is the inspector's list).
    placeAssets(assets, track, frame);
  };

  const width = Math.max(layout.duration + 10 * fps, (view.left + view.width) / px) * px + 200;
  const from = Math.max(0, (view.left - OVERSCAN_PX) / px);
  const to = (view.left + view.width + OVERSCAN_PX) / px;
  const dragBoxTrack = drag?.preview.track;

  return (
    <section className="panel timeline" aria-label="Timeline" data-testid="timeline">
      <Toolbar />
      <div className="tl-body">
        <div className="tl-heads">
          <div style={{ height: RULER_H }} className="tl-corner" />
          {TRACKS.map((t) => <TrackHead key={t.index} track={t} />)}
        </div>
        <div className="tl-scroll" ref={scroller} onScroll={onScroll}
          onDragOver={(e) => { if (e.dataTransfer.types.includes(ASSET_MIME) || e.dataTransfer.types.includes("Files")) e.preventDefault(); }}
          onDrop={(e) => void onDrop(e)}>
          <div className="tl-canvas" style={{ width }}>
            <div onPointerDown={onScrub}><Ruler px={px} from={from} to={to} fps={fps} /></div>
            {TRACKS.map((t) => (
              <div key={t.index} className={`lane lane-${t.index}${dragBoxTrack === t.index ? " drop-target" : ""}`} style={{ top: LANE_TOP[t.index], height: LANE_H[t.index] }}
                data-testid={`lane-${t.name}`} onPointerDown={(e) => { serverSet({ selectedId: null }); onScrub(e); }}>
                {clipsInRange(layout.tracks[t.index], from, to).map((box) => (
                  drag?.id === box.id && drag.preview.track !== t.index ? null : (
                    <Clip key={box.id} box={box} px={px} selected={box.id === selectedId} preview={drag?.id === box.id ? drag.preview : null} onPointerDown={onClipPointerDown} />
                  )
                ))}
                {drag && drag.preview.track === t.index && drag.box.track !== t.index && (
                  <Clip box={drag.box} px={px} selected preview={drag.preview} onPointerDown={onClipPointerDown} />
                )}
              </div>
            ))}
            {drag?.snap && <div className="snap-line" style={{ transform: `translateX(${drag.snap.frame * px}px)` }} />}
            <Playhead px={px} />
          </div>
        </div>
      </div>
    </section>
  );
}
