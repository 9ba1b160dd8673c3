// The Images view (seed §2): text-to-image with reference images (elements and any project
// image), seed, steps, guidance, true CFG, size presets; the project's stills newest first, each
// usable as the selected shot's first frame, an element's reference, or a clip on the timeline.
import { useEffect, useState } from "react";
import { Film, Image as ImageIcon, Sparkles, Trash2, X } from "lucide-react";
import type { AssetPublic } from "../api/types";
import { useStudio } from "../store/store";
import { requestDeleteAsset } from "../store/library";
import { addReference, cancelImageJob, generateImage, loadElements, loadImages, loadMoreImages, placeStill, useAsFirstFrame, useElements } from "../store/elements";
import { randomSeed } from "../lib/takeHistory";
import { EngineBadge } from "./EngineBadge";
import { PromptField } from "./PromptField";
import { Dialog } from "./ui/Dialog";
import { Icon, IconButton } from "./ui/Icon";
import { ProgressBar } from "./ui/ProgressBar";

const PRESETS = [["Square 1024", 1024, 1024], ["Wide 16:9", 1344, 768], ["Frame 3:2", 768, 512], ["Portrait 2:3", 768, 1152], ["Card 512×320", 512, 320]] as const;

function Still({ a }: { a: AssetPublic }) {
  const elements = useElements((s) => s.elements);
  const selected = useStudio((s) => (s.selectedId && s.shots[s.selectedId] ? s.selectedId : null));
  const m = (a.meta ?? {}) as Record<string, any>;
  const refs: string[] = m.references ?? [];
  return (
    <li className="still" data-testid="still" data-asset={a.id}>
      <img src={a.thumbnail_url ?? a.url} alt={m.prompt ?? a.filename} />
      <div className="still-meta">
        <p className="still-prompt" title={m.engine_prompt ?? m.prompt}>{m.prompt ?? a.filename}</p>
        <span className="muted">seed {m.seed ?? "?"}{refs.length ? ` · ${refs.length} ref${refs.length > 1 ? "s" : ""}` : ""}</span>
        <EngineBadge engine={a.engine} compact />
      </div>
      <div className="still-actions">
        <button className="btn small still-btn" onClick={() => useAsFirstFrame(a)} disabled={!selected} data-testid="still-first-frame"
          title={selected ? "The selected clip starts from this still (its conditioning image at frame 0)" : "Select a clip first"}>First frame</button>
        <select className="still-select" aria-label="Use as an element's reference" value="" onChange={(e) => {
          const el = elements.find((x) => x.id === e.target.value);
          if (el) void addReference(el, a);
        }}>
          <option value="">Reference of…</option>
          {elements.map((el) => <option key={el.id} value={el.id}>{el.trigger_word}</option>)}
        </select>
        <IconButton small icon={Film} label="Place on the timeline" title="A clip on V1 at the playhead" onClick={() => placeStill(a)} />
        <IconButton small icon={Trash2} label="Delete still" onClick={() => requestDeleteAsset(a, () => void loadImages())} />
      </div>
    </li>
  );
}

// One function for the dialog's whole life: Dialog moves the focus back when onClose changes.
const close = () => useElements.setState({ imagesOpen: false });

export function ImagesView() {
  const open = useElements((s) => s.imagesOpen);
  const images = useElements((s) => s.images);
  const pickable = useElements((s) => s.pickable);
  const total = useElements((s) => s.imagesTotal);
  const jobs = useElements((s) => s.jobs);
  const elements = useElements((s) => s.elements);
  const projectId = useStudio((s) => s.projectId);
  const [prompt, setPrompt] = useState("");
  const [negative, setNegative] = useState("");
  const [seed, setSeed] = useState<number | null>(null);
  const [steps, setSteps] = useState(4);
  const [guidance, setGuidance] = useState(2);
  const [trueCfg, setTrueCfg] = useState(false);
  const [size, setSize] = useState(0);
  const [refs, setRefs] = useState<string[]>([]);
  const [elementIds, setElementIds] = useState<string[]>([]);
  useEffect(() => {
    if (open) { void loadImages(); void loadElements(); }
  }, [open, projectId]);
  if (!open) return null;
  const [, w, h] = PRESETS[size];
  const running = Object.values(jobs).filter((j) => j.label.startsWith("Image"));
  const toggle = (list: string[], id: string) => (list.includes(id) ? list.filter((x) => x !== id) : [...list, id]);
  return (
    <Dialog title={<><Icon icon={ImageIcon} size={16} /> Images</>} onClose={close} className="images-dialog" testId="images-view">
      <div className="images-body">
        <form className="image-form" data-testid="image-form" onSubmit={async (e) => {
          e.preventDefault();
          if (!prompt.trim()) return;
          await generateImage({ prompt, negative_prompt: negative, seed, num_inference_steps: steps, guidance_scale: guidance,
            enable_true_cfg: trueCfg, width: w, height: h, reference_images: refs, element_ids: elementIds });
        }}>
          <PromptField label="Image prompt" value={prompt} onChange={setPrompt} rows={3} testId="image-prompt" placeholder="Type @ for an element: @Mara at the harbour, dawn light" />
          <label className="field"><span>Negative (with true CFG)</span><input aria-label="Negative prompt" value={negative} onChange={(e) => setNegative(e.target.value)} /></label>
          <div className="grid2">
            <label className="field"><span>Size</span><select aria-label="Size" value={size} onChange={(e) => setSize(Number(e.target.value))}>
              {PRESETS.map(([label], i) => <option key={label} value={i}>{label}</option>)}</select></label>
            <label className="field"><span>Seed</span><input aria-label="Seed" type="number" placeholder="random" value={seed ?? ""}
              onChange={(e) => setSeed(e.target.value === "" ? null : Math.max(0, Math.round(Number(e.target.value))))} /></label>
            <label className="field"><span>Steps</span><input aria-label="Steps" type="number" min={1} max={200} value={steps} onChange={(e) => setSteps(Math.max(1, Number(e.target.value) || 1))} /></label>
            <label className="field"><span>Guidance</span><input aria-label="Guidance" type="number" min={0} max={30} step={0.1} value={guidance} onChange={(e) => setGuidance(Number(e.target.value))} /></label>
          </div>
          <div className="toggles">
            <label className="toggle"><input type="checkbox" checked={trueCfg} onChange={(e) => setTrueCfg(e.target.checked)} /> True CFG (a second pass with the negative prompt)</label>
            <button type="button" className="btn ghost small" onClick={() => setSeed(randomSeed())}>New seed</button>
          </div>
          {elements.length > 0 && (
            <div className="ref-picker"><span className="sub-head">Elements</span>
              {elements.map((el) => (
                <button type="button" key={el.id} className={`element-chip${elementIds.includes(el.id) ? " on" : ""}`} aria-pressed={elementIds.includes(el.id)}
                  onClick={() => setElementIds(toggle(elementIds, el.id))} data-testid="pick-element">{el.trigger_word}</button>
              ))}
            </div>
          )}
          {pickable.length > 0 && (
            <details className="pick-images" data-testid="pick-images"><summary>Reference images ({refs.length} picked; up to 4 with elements)</summary>
              <div className="pick-grid">
                {pickable.map((a) => (
                  <button type="button" key={a.id} className={`pick${refs.includes(a.id) ? " on" : ""}`} aria-pressed={refs.includes(a.id)}
                    data-testid="pick-image" data-asset={a.id} title={String(a.meta?.prompt ?? a.filename)} onClick={() => setRefs(toggle(refs, a.id))}>
                    <img src={a.thumbnail_url ?? a.url} alt={String(a.meta?.prompt ?? a.filename)} />
                  </button>
                ))}
              </div>
            </details>
          )}
          <button className="btn primary" type="submit" disabled={!prompt.trim()} data-testid="generate-image"><Icon icon={Sparkles} size={14} /> Generate still</button>
          {running.map((j) => (
            <div className="job-row" key={j.job_id} data-testid="image-job">
              <div className="job-row-head"><span className="job-title">{j.label}</span><EngineBadge engine={j.engine} compact />
                <IconButton small icon={X} label={`Cancel ${j.label}`} onClick={() => void cancelImageJob(j.job_id)} /></div>
              <ProgressBar value={j.progress} /><span className="muted">{Math.round(j.progress)}% · {j.message}</span>
            </div>
          ))}
        </form>
        <div className="gallery">
          <div className="sub-head"><span>Stills ({total})</span></div>
          <ul className="still-grid">{images.map((a) => <Still key={a.id} a={a} />)}</ul>
          {images.length < total && (
            <button className="btn ghost load-more" onClick={() => void loadMoreImages()} data-testid="load-more-stills">
              Load more ({total - images.length} older)</button>
          )}
          {!images.length && <p className="muted">No stills yet. Generated images and element visuals appear here, newest first.</p>}
        </div>
      </div>
    </Dialog>
  );
}
