import { useCallback, useEffect, useRef, useState } from "react";
import { api, call } from "../../api/client";
import type { AssetPublic } from "../../api/types";
import { refreshAssets } from "../../store/library";
import { useStudio } from "../../store/store";
import { detect, inpaint, segment, segmentText, uploadMask, waitForJob, type DetectResult } from "./maskApi";
import { area, dragBox, feather, fromRgba, grow, invert, overlayRgba, paint, shrink, toGrayRgba, type Mask, type Prompt } from "./maskOps";
import { useMaskEditor } from "./maskStore";

const OVERLAY: [number, number, number] = [40, 140, 255];  // blue: far from skin and most props; the yellow edge shows on any colour
type Tool = "select" | "brush-add" | "brush-erase";

async function maskFromUrl(url: string): Promise<Mask> {
  const img = new Image();
  img.src = url;
  await img.decode();
  const c = document.createElement("canvas");
  c.width = img.naturalWidth;
  c.height = img.naturalHeight;
  const g = c.getContext("2d")!;
  g.drawImage(img, 0, 0);
  return fromRgba(g.getImageData(0, 0, c.width, c.height).data, c.width, c.height);
}

function maskPng(m: Mask): Promise<Blob> {
  const c = document.createElement("canvas");
  c.width = m.width;
  c.height = m.height;
  c.getContext("2d")!.putImageData(new ImageData(toGrayRgba(m), m.width, m.height), 0, 0);
  return new Promise((ok, fail) => c.toBlob((b) => (b ? ok(b) : fail(new Error("could not encode the mask"))), "image/png"));
}

/** The Mask editor: clicks (left adds, Alt/right removes), a dragged box, text, Detect; grow, shrink, feather, invert, brush; Inpaint. */
export function MaskEditor() {
  const asset = useMaskEditor((s) => s.asset);
  return asset ? <Editor key={asset.id} asset={asset} /> : null;
}

function Editor({ asset }: { asset: AssetPublic }) {
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

  const w = img.current?.naturalWidth || asset.width || 1;
  const h = img.current?.naturalHeight || asset.height || 1;
  const pct = (v: number, of: number) => `${(100 * v) / of}%`;
  return (
    <div className="modal-backdrop" onClick={(e) => e.target === e.currentTarget && close()}>
      <div className="modal mask-editor" role="dialog" aria-label="Mask editor" data-testid="mask-editor">
        <div className="mask-head">
          <h3>Mask · {asset.filename}</h3>
          <span className="muted">{busy || (mask ? `${area(mask)} px selected` : "Click the object (Alt/right-click: not this), or drag a box")}</span>
          <button className="icon-btn" aria-label="Close" onClick={close}>✕</button>
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
            <hr />
            <textarea className="mask-text" rows={2} placeholder="what to paint inside the mask" value={inpaintPrompt}
              onChange={(e) => setInpaintPrompt(e.target.value)} data-testid="inpaint-prompt" />
            <button className="btn primary" disabled={!mask || !!busy} onClick={() => void doInpaint()} data-testid="inpaint">Inpaint</button>
            {error && <p className="mask-error" role="alert">{error}</p>}
            {result && (
              <figure className="mask-result" data-testid="inpaint-result" data-asset={result.id}>
                <img src={result.url} alt="" />
                <figcaption>New still · {result.engine} · in the media library</figcaption>
              </figure>
            )}
          </aside>
        </div>
      </div>
    </div>
  );
}
