// The Elements panel (docs/elements.md): the project's characters, locations and objects, each
// with a trigger word and reference images (upload, pick from the project's images, or Visualize).
import { useEffect, useRef, useState } from "react";
import { ImagePlus, Sparkles, Trash2, Users } from "lucide-react";
import type { ElementPublic } from "../api/types";
import { useStudio } from "../store/store";
import { createElement, deleteElement, loadElements, loadImages, setReferences, uploadReferences, useElements, visualize, type ElementDraft } from "../store/elements";
import { Dialog } from "./ui/Dialog";
import { Icon, IconButton } from "./ui/Icon";
import { ProgressBar } from "./ui/ProgressBar";

const TYPES = ["character", "location", "object"] as const;
const EMPTY: ElementDraft = { name: "", type: "character", description: "", trigger_word: "" };

function NewElement() {
  const images = useElements((s) => s.images);
  const [draft, setDraft] = useState<ElementDraft>(EMPTY);
  const [files, setFiles] = useState<File[]>([]);
  const [picked, setPicked] = useState<string[]>([]);
  const [busy, setBusy] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  const auto = "@" + draft.name.replace(/[^\p{L}\p{N}_-]/gu, "");
  return (
    <form className="element-form" data-testid="element-form" onSubmit={async (e) => {
      e.preventDefault();
      if (!draft.name.trim()) return;
      setBusy(true);
      if (await createElement(draft, files, picked)) { setDraft(EMPTY); setFiles([]); setPicked([]); }
      setBusy(false);
    }}>
      <h4>New element</h4>
      <div className="grid2">
        <label className="field"><span>Name</span><input aria-label="Element name" value={draft.name} onChange={(e) => setDraft({ ...draft, name: e.target.value })} placeholder="Mara Vale" /></label>
        <label className="field"><span>Type</span>
          <select aria-label="Element type" value={draft.type} onChange={(e) => setDraft({ ...draft, type: e.target.value as ElementDraft["type"] })}>
            {TYPES.map((t) => <option key={t} value={t}>{t}</option>)}
          </select></label>
      </div>
      <label className="field"><span>Description</span><textarea rows={2} aria-label="Element description" value={draft.description}
        onChange={(e) => setDraft({ ...draft, description: e.target.value })} placeholder="What the engines should know: looks, clothes, age, mood…" /></label>
      <label className="field"><span>Trigger word</span><input aria-label="Trigger word" value={draft.trigger_word} placeholder={draft.name ? auto : "@Name"}
        onChange={(e) => setDraft({ ...draft, trigger_word: e.target.value })} title="Type it in any prompt; unique in the project, any case" /></label>
      <div className="element-refs-new">
        <button type="button" className="btn small" onClick={() => input.current?.click()}><Icon icon={ImagePlus} size={14} /> Upload images</button>
        <input ref={input} type="file" hidden multiple accept="image/*" data-testid="element-upload" onChange={(e) => { setFiles([...files, ...(e.target.files ?? [])]); e.target.value = ""; }} />
        {files.map((f) => <span key={f.name} className="file-chip">{f.name}</span>)}
      </div>
      {images.length > 0 && (
        <details className="pick-images"><summary>Pick from the project's images ({picked.length} picked)</summary>
          <div className="pick-grid">
            {images.map((a) => (
              <button type="button" key={a.id} className={`pick${picked.includes(a.id) ? " on" : ""}`} aria-pressed={picked.includes(a.id)}
                onClick={() => setPicked(picked.includes(a.id) ? picked.filter((x) => x !== a.id) : [...picked, a.id])}>
                <img src={a.thumbnail_url ?? a.url} alt={String(a.meta?.prompt ?? a.filename)} />
              </button>
            ))}
          </div>
        </details>
      )}
      <button className="btn primary" type="submit" disabled={busy || !draft.name.trim()} data-testid="create-element">{busy ? "Creating…" : "Create element"}</button>
    </form>
  );
}

function ElementCard({ el }: { el: ElementPublic }) {
  const job = useElements((s) => Object.values(s.jobs).find((j) => j.label === `Visualize ${el.name}`));
  const input = useRef<HTMLInputElement>(null);
  return (
    <li className={`element-card type-${el.type}`} data-testid="element-card" data-element={el.id}>
      <div className="element-head">
        <b>{el.name}</b><code className="trigger">{el.trigger_word}</code><span className="muted">{el.type}</span>
        <span className="spacer" />
        <IconButton small icon={Sparkles} label={`Visualize ${el.name}`} title="Generate a character sheet, location concept or object design; it becomes a reference image"
          onClick={() => void visualize(el)} disabled={!!job} />
        <IconButton small icon={ImagePlus} label={`Add images to ${el.name}`} onClick={() => input.current?.click()} />
        <IconButton small icon={Trash2} label={`Delete ${el.name}`} onClick={() => void deleteElement(el)} />
        <input ref={input} type="file" hidden multiple accept="image/*" onChange={async (e) => {
          const added = await uploadReferences([...(e.target.files ?? [])]);
          e.target.value = "";
          if (added.length) await setReferences(el, [...el.images.map((i) => i.asset_id), ...added.map((a) => a.id)]);
        }} />
      </div>
      {el.description && <p className="muted">{el.description}</p>}
      <div className="element-images">
        {el.images.map((img, i) => (
          <figure key={img.asset_id} className={i === 0 ? "primary" : ""} title={i === 0 ? "Primary reference" : "Reference"}>
            <img src={img.thumbnail_url ?? img.url} alt={`${el.name} reference ${i + 1}`} data-testid="element-image" />
            {i > 0 && <button className="btn ghost small still-btn" onClick={() => void setReferences(el, [img.asset_id, ...el.images.filter((x) => x.asset_id !== img.asset_id).map((x) => x.asset_id)])}>Make primary</button>}
          </figure>
        ))}
        {!el.images.length && <p className="muted">No reference image yet: upload one, pick a still, or Visualize.</p>}
      </div>
      {job && <div className="element-job"><ProgressBar value={job.progress} /><span className="muted">{job.message}</span></div>}
    </li>
  );
}

// One function for the dialog's whole life: Dialog moves the focus back when onClose changes.
const close = () => useElements.setState({ elementsOpen: false });

export function ElementsPanel() {
  const open = useElements((s) => s.elementsOpen);
  const elements = useElements((s) => s.elements);
  const projectId = useStudio((s) => s.projectId);
  useEffect(() => {
    if (open) { void loadElements(); void loadImages(); }
  }, [open, projectId]);
  if (!open) return null;
  return (
    <Dialog title={<><Icon icon={Users} size={16} /> Elements</>} onClose={close} className="elements-dialog" testId="elements-panel">
      <p className="muted">Characters, locations and objects of this project. Type a trigger in any prompt: its reference images guide stills and still-first shots, and its description is what the engines read.</p>
      <div className="elements-body">
        <ul className="element-list">
          {elements.map((el) => <ElementCard key={el.id} el={el} />)}
          {!elements.length && <li className="muted">No elements yet.</li>}
        </ul>
        <NewElement />
      </div>
    </Dialog>
  );
}
