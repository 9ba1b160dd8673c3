import { useCallback, useEffect, useRef, useState } from "react";
import { X } from "lucide-react";
import { api, call } from "../../api/client";
import type { AssetPublic } from "../../api/types";
import { refreshAssets } from "../../store/library";
import { useAsFirstFrameOf } from "../../store/elements";
import { useStudio } from "../../store/store";
import type { Direction } from "../../lib/tracking";
import { PromptField } from "../PromptField";
import { ProgressBar } from "../ui/ProgressBar";
import { detect, inpaint, segment, segmentText, track, uploadMask, waitForJob, type DetectResult } from "./maskApi";
import { maskFromUrl, maskPng } from "./maskImage";
import { area, dragBox, feather, grow, invert, overlayRgba, paint, shrink, type Mask, type Prompt } from "./maskOps";
import { showTrackedMask, useMaskEditor, type ClipFrame } from "./maskStore";
import { inpaintClip, useClipInpaint } from "../../store/clipInpaint";

const OVERLAY: [number, number, number] = [40, 140, 255];  // blue: far from skin and most props; the yellow edge shows on any colour
type Tool = "select" | "brush-add" | "brush-erase";

/**
 * The Mask editor: clicks (left adds, Alt/right removes), a dragged box, text, Detect; grow, shrink,
 * feather, invert, brush; Inpaint. Opened on a frame of a clip it also tracks the selection through
 * the clip, and offers the inpainted still as the shot's first frame.
 */
export function MaskEditor() {
  const asset = useMaskEditor((s) => s.asset);
  const clip = useMaskEditor((s) => s.clip);
  return asset ? <Editor key={asset.id} asset={asset} clip={clip} /> : null;
}

function Editor({ asset, clip }: { asset: AssetPublic; clip: ClipFrame | null }) {
  const projectId = useStudio((s) => s.projectId)!;
  const close = useMaskEditor((s) => s.close);
  const img = useRef<HTMLImageElement>(null);
  const canvas = useRef<HTMLCanvasElement>(null);
  const [prompt, setPrompt] = useState<Prompt>({ points: [], labels: [], box: null });
  const [mask, setMask] = useState<Mask | null>(null);
  const [maskAsset, setMaskAsset] = useState<string | null>(null);  // the server's copy, while the mask is unedited
  const [tool, setTool] = useState<Tool>("select");
  const [radius, setRadius] = useState(6);
  const [text, setText] = useState("");
  const [found, setFound] = useState<DetectResult | null>(null);
  const [inpaintPrompt, setInpaintPrompt] = useState("");
  const [busy, setBusy] = useState("");
  const [error, setError] = useState("");
  const [result, setResult] = useState<AssetPublic | null>(null);
  const [direction, setDirection] = useState<Direction>("forward");
  const [progress, setProgress] = useState<{ done: number; total: number } | null>(null);
  const [tracked, setTracked] = useState<AssetPublic | null>(null);
  const [firstFrame, setFirstFrame] = useState(false);
  const [clipJobId, setClipJobId] = useState<string | null>(null);
  const clipJob = useClipInpaint((s) => (clipJobId ? s.jobs[clipJobId] : undefined));
  const drag = useRef<{ x: number; y: number; moved: boolean; button: number; alt: boolean } | null>(null);
  const [preview, setPreview] = useState<[number, number, number, number] | null>(null);

  const run = useCallback(async (label: string, fn: () => Promise<void>) => {
    setBusy(label);
    setError("");
    try {
      await fn();
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy("");
    }
  }, []);

  const adopt = async (url: string, id: string) => {
    setMask(await maskFromUrl(url));
    setMaskAsset(id);
  };

  const ask = (p: Prompt) => {
    setPrompt(p);
    if (!p.box && !p.labels.includes(1)) { setMask(null); setMaskAsset(null); return; }
    void run("Selecting…", async () => {
      const r = await segment(projectId, asset.id, p);
      await adopt(r.url, r.asset.id);
    });
  };

  // draw the overlay whenever the mask changes
  useEffect(() => {
    const c = canvas.current;
    if (!c || !mask) return;
    c.width = mask.width;
    c.height = mask.height;
    c.getContext("2d")!.putImageData(new ImageData(overlayRgba(mask, OVERLAY, 0.55), mask.width, mask.height), 0, 0);
  }, [mask]);

  const toImage = (e: React.MouseEvent): [number, number] => {
    const el = img.current!;
    const r = el.getBoundingClientRect();
    return [((e.clientX - r.left) / r.width) * el.naturalWidth, ((e.clientY - r.top) / r.height) * el.naturalHeight];
  };
  const brush = (x: number, y: number) => {
    const el = img.current!;
    const base = mask ?? { width: el.naturalWidth, height: el.naturalHeight, data: new Uint8Array(el.naturalWidth * el.naturalHeight) };
    setMask(paint(base, x, y, radius, tool === "brush-add" ? 255 : 0));
    setMaskAsset(null);
  };
  const edit = (fn: (m: Mask) => Mask) => {
    if (!mask) return;
    setMask(fn(mask));
    setMaskAsset(null);
  };

  const onDown = (e: React.MouseEvent) => {
    e.preventDefault();
    const [x, y] = toImage(e);
    drag.current = { x, y, moved: false, button: e.button, alt: e.altKey };
    if (tool !== "select") brush(x, y);
  };
  const onMove = (e: React.MouseEvent) => {
    const d = drag.current;
    if (!d) return;
    const [x, y] = toImage(e);
    if (tool !== "select") return brush(x, y);
    if (Math.hypot(x - d.x, y - d.y) > 4) {
      d.moved = true;
      setPreview(dragBox(d.x, d.y, x, y, img.current!.naturalWidth, img.current!.naturalHeight));
    }
  };
  const onUp = (e: React.MouseEvent) => {
    const d = drag.current;
    drag.current = null;
    setPreview(null);
    if (!d || tool !== "select") return;
    const [x, y] = toImage(e);
    const el = img.current!;
    if (d.moved) {
      const box = dragBox(d.x, d.y, x, y, el.naturalWidth, el.naturalHeight);
      if (box) ask({ ...prompt, box });
      return;
    }
    const label: 0 | 1 = d.alt || d.button === 2 ? 0 : 1;
    ask({ ...prompt, points: [...prompt.points, [Math.round(d.x), Math.round(d.y)]], labels: [...prompt.labels, label] });
  };

  const doInpaint = () => run("Inpainting…", async () => {
    if (!mask || !area(mask)) throw new Error("select something to repaint first");
    const maskId = maskAsset ?? (await uploadMask(projectId, await maskPng(mask)));
    const job = await inpaint(projectId, asset.id, maskId, inpaintPrompt, 0.9);
    const id = await waitForJob(job, (pct) => setBusy(`Inpainting… ${Math.round(pct)}%`));
    setResult(await call(api.GET("/assets/{asset_id}", { params: { path: { asset_id: id } } })));
    await refreshAssets();
  });

  const doTrack = () => run("Tracking…", async () => {
    if (!clip) return;
    setTracked(null);
    const seq = await track(projectId, clip.video.id, clip.frame, prompt, direction, (done, total) => setProgress({ done, total }));
    setTracked(seq);
    await refreshAssets();
    await showTrackedMask(seq);
  });
  const canTrack = !!clip && (!!prompt.box || prompt.labels.includes(1));

  const w = img.current?.naturalWidth || asset.width || 1;
  const h = img.current?.naturalHeight || asset.height || 1;
  const pct = (v: number, of: number) => `${(100 * v) / of}%`;
  return (
    <div className="modal-backdrop" onClick={(e) => e.target === e.currentTarget && close()}>
      <div className="modal mask-editor" role="dialog" aria-label="Mask editor" data-testid="mask-editor">
        <div className="mask-head">
          <h3>Mask · {clip ? `frame ${clip.frame} of ${clip.video.filename}` : asset.filename}</h3>
          <span className="muted">{busy || (mask ? `${area(mask)} px selected` : "Click the object (Alt/right-click: not this), or drag a box")}</span>
          <button className="icon-btn" aria-label="Close" title="Close" onClick={close}><X size={16} /></button>
        </div>
        <div className="mask-body">
          <div className={`mask-stage tool-${tool}`} onMouseDown={onDown} onMouseMove={onMove} onMouseUp={onUp}
            onMouseLeave={() => { drag.current = null; setPreview(null); }} onContextMenu={(e) => e.preventDefault()} data-testid="mask-stage">
            <img ref={img} src={asset.url} alt="" draggable={false} />
            <canvas ref={canvas} className="mask-overlay" data-testid="mask-overlay" data-area={mask ? area(mask) : 0} />
            {prompt.points.map(([x, y], i) => (
              <span key={i} className={`mask-point ${prompt.labels[i] ? "add" : "remove"}`} style={{ left: pct(x, w), top: pct(y, h) }} />
            ))}
            {(preview ?? prompt.box) && (() => {
              const [x0, y0, x1, y1] = (preview ?? prompt.box)!;
              return <span className="mask-box" style={{ left: pct(x0, w), top: pct(y0, h), width: pct(x1 - x0, w), height: pct(y1 - y0, h) }} />;
            })()}
          </div>
          <aside className="mask-tools">
            <div className="btn-group">
              {(["select", "brush-add", "brush-erase"] as Tool[]).map((t) => (
                <button key={t} className={`btn small${tool === t ? " primary" : ""}`} onClick={() => setTool(t)}>
                  {t === "select" ? "Select" : t === "brush-add" ? "Brush +" : "Brush −"}
                </button>))}
            </div>
            <label className="mask-radius">Radius {radius}px
              <input type="range" min={1} max={40} value={radius} onChange={(e) => setRadius(Number(e.target.value))} /></label>
            <div className="btn-group">
              <button className="btn small" disabled={!mask} onClick={() => edit((m) => grow(m, radius))}>Grow</button>
              <button className="btn small" disabled={!mask} onClick={() => edit((m) => shrink(m, radius))}>Shrink</button>
              <button className="btn small" disabled={!mask} onClick={() => edit((m) => feather(m, radius))}>Feather</button>
              <button className="btn small" disabled={!mask} onClick={() => edit(invert)}>Invert</button>
            </div>
            <button className="btn small ghost" onClick={() => { setPrompt({ points: [], labels: [], box: null }); setMask(null); setMaskAsset(null); setFound(null); }}>Clear</button>
            <hr />
            <input className="mask-text" placeholder="or type what to select: the red car" value={text} onChange={(e) => setText(e.target.value)} />
            <div className="btn-group">
              <button className="btn small" disabled={!text.trim()} onClick={() => run("Selecting by text…", async () => {
                const r = await segmentText(projectId, asset.id, text.trim(), 0.5);
                await adopt(r.url, r.asset.id);
              })}>Select</button>
              <button className="btn small" disabled={!text.trim()} data-testid="detect" onClick={() => run("Detecting…", async () => {
                setFound(await detect(projectId, asset.id, text.trim(), 0.3));
              })}>Detect</button>
            </div>
            {found && (
              <ul className="mask-detected" data-testid="detected">
                {found.objects.length ? found.objects.map((o, i) => (
                  <li key={o.asset.id}><button className="btn small ghost" onClick={() => void run("Loading…", () => adopt(o.url, o.asset.id))}>
                    {i + 1}. {o.label} · {(o.score * 100).toFixed(0)}%</button></li>))
                  : <li className="muted">Nothing found for “{found.prompt}”</li>}
              </ul>
            )}
            {clip && (<>
              <hr />
              <div className="mask-track" data-testid="track-panel">
                <label className="mask-radius">Track the selection through the clip
                  <select value={direction} onChange={(e) => setDirection(e.target.value as Direction)} data-testid="track-direction">
                    <option value="forward">Forward from this frame</option>
                    <option value="backward">Backward from this frame</option>
                    <option value="both">Both ways</option>
                  </select></label>
                <button className="btn" disabled={!canTrack || !!busy} onClick={() => void doTrack()} data-testid="track"
                  title={canTrack ? "Carry this object's mask through the clip, frame by frame" : "Click the object (or drag a box) first: tracking follows clicks and boxes"}>Track</button>
                {progress && (
                  <div className="mask-track-progress">
                    <ProgressBar value={(100 * progress.done) / Math.max(1, progress.total)} testId="track-progress" />
                    <span className="muted" data-testid="track-count" data-done={progress.done} data-total={progress.total}>
                      {progress.done} / {progress.total} frames</span>
                  </div>
                )}
                {tracked && <p className="muted" data-testid="track-result" data-asset={tracked.id}>
                  Tracked {tracked.num_frames} frames · shown over the player · saved in the media library</p>}
                {tracked && (
                  <button className="btn" data-testid="inpaint-clip" disabled={!!busy || (!!clipJob && ["queued", "processing"].includes(clipJob.status))}
                    onClick={() => void inpaintClip(tracked, inpaintPrompt).then((id) => id && setClipJobId(id))}
                    title="Repaint the tracked object in every frame of the clip with the prompt below; the new video appears in the media library">
                    Inpaint the clip</button>)}
                {clipJob && (
                  <div className="mask-track-progress" data-testid="clip-inpaint" data-status={clipJob.status} data-asset={clipJob.asset_id ?? ""}>
                    <ProgressBar value={clipJob.progress} testId="clip-inpaint-progress" />
                    <span className="muted">{clipJob.status === "completed" ? "New video in the media library · “Use as take” places it"
                      : clipJob.status === "failed" ? `Failed: ${clipJob.error}` : `${Math.round(clipJob.progress)}% · ${clipJob.message}`}</span>
                  </div>
                )}
              </div>
            </>)}
            <hr />
            <PromptField label="Paint inside the mask" rows={2} placeholder="what to paint inside the mask; @ for an element" value={inpaintPrompt}
              onChange={setInpaintPrompt} testId="inpaint-prompt" />
            <button className="btn primary" disabled={!mask || !!busy} onClick={() => void doInpaint()} data-testid="inpaint">Inpaint</button>
            {error && <p className="mask-error" role="alert">{error}</p>}
            {result && (
              <figure className="mask-result" data-testid="inpaint-result" data-asset={result.id}
                ref={(el) => el?.scrollIntoView({ block: "nearest" })}>
                <img src={result.url} alt="" />
                <figcaption>New still · {result.engine} · in the media library</figcaption>
                {clip && (firstFrame ? <p className="muted" data-testid="first-frame-done">The shot starts from this still when you generate it</p>
                  : <button className="btn small" data-testid="use-first-frame" onClick={() => { useAsFirstFrameOf(clip.shotId, result); setFirstFrame(true); }}
                      title="Condition frame 0 of this shot on the inpainted still (undoable); Generate makes the new take from it">Use as the shot's first frame</button>)}
              </figure>
            )}
          </aside>
        </div>
      </div>
    </div>
  );
}
