// The Elements panel (docs/elements.md): the project's characters, locations and objects, each
// with a trigger word and reference images (upload, pick from the project's images, or Visualize).
import { useEffect, useRef, useState } from "react";
import { ImagePlus, Pencil, Sparkles, Trash2, Users, X } from "lucide-react";
import type { ElementPublic } from "../api/types";
import { useStudio } from "../store/store";
import {
  cancelImageJob, createElement, loadElements, loadImages, requestDeleteElement, setReferences, updateElement, uploadReferences,
  useElements, visualize, type ElementDraft,
} from "../store/elements";
import { EngineBadge } from "./EngineBadge";
import { Dialog } from "./ui/Dialog";
import { Icon, IconButton } from "./ui/Icon";
import { ProgressBar } from "./ui/ProgressBar";

const TYPES = ["character", "location", "object"] as const;
const EMPTY: ElementDraft = { name: "", type: "character", description: "", trigger_word: "" };
const autoTrigger = (name: string) => "@" + name.replace(/[^\p{L}\p{N}_-]/gu, "");
type Refusal = { field: string | null; message: string };

/** The project's images (stills, uploads, other elements' references) to pick as references. */
function PickImages({ picked, onToggle }: { picked: string[]; onToggle: (assetId: string) => void }) {
  const images = useElements((s) => s.pickable);
  if (!images.length) return null;
  return (
    <details className="pick-images" data-testid="pick-images"><summary>Pick from the project's images ({picked.length} picked)</summary>
      <div className="pick-grid">
        {images.map((a) => (
          <button type="button" key={a.id} className={`pick${picked.includes(a.id) ? " on" : ""}`} aria-pressed={picked.includes(a.id)}
            data-testid="pick-image" data-asset={a.id} onClick={() => onToggle(a.id)} title={String(a.meta?.prompt ?? a.filename)}>
            <img src={a.thumbnail_url ?? a.url} alt={String(a.meta?.prompt ?? a.filename)} />
          </button>
        ))}
      </div>
    </details>
  );
}

/** Name, type, description and trigger: the same fields for a new element and for editing one. */
function ElementFields({ draft, setDraft, error }: { draft: ElementDraft; setDraft: (d: ElementDraft) => void; error?: Refusal | null }) {
  return (<>
    <div className="grid2">
      <label className="field"><span>Name</span><input aria-label="Element name" value={draft.name} onChange={(e) => setDraft({ ...draft, name: e.target.value })} placeholder="Mara Vale" /></label>
      <label className="field"><span>Type</span>
        <select aria-label="Element type" value={draft.type} onChange={(e) => setDraft({ ...draft, type: e.target.value as ElementDraft["type"] })}>
          {TYPES.map((t) => <option key={t} value={t}>{t}</option>)}
        </select></label>
    </div>
    <label className="field"><span>Description</span><textarea rows={2} aria-label="Element description" value={draft.description}
      onChange={(e) => setDraft({ ...draft, description: e.target.value })} placeholder="What the engines should know: looks, clothes, age, mood…" /></label>
    <label className="field"><span>Trigger word</span><input aria-label="Trigger word" value={draft.trigger_word} placeholder={draft.name ? autoTrigger(draft.name) : "@Name"}
      aria-invalid={error?.field === "trigger_word" || undefined} onChange={(e) => setDraft({ ...draft, trigger_word: e.target.value })}
      title="Type it in any prompt; unique in the project, any case" /></label>
    {error && <p className="field-error" role="alert" data-testid="element-error">{error.message}</p>}
  </>);
}

function NewElement() {
  const [draft, setDraft] = useState<ElementDraft>(EMPTY);
  const [files, setFiles] = useState<File[]>([]);
  const [picked, setPicked] = useState<string[]>([]);
  const [busy, setBusy] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  return (
    <form className="element-form" data-testid="element-form" onSubmit={async (e) => {
      e.preventDefault();
      if (!draft.name.trim()) return;
      setBusy(true);
      if (await createElement(draft, files, picked)) { setDraft(EMPTY); setFiles([]); setPicked([]); }
      setBusy(false);
    }}>
      <h4>New element</h4>
      <ElementFields draft={draft} setDraft={setDraft} />
      <div className="element-refs-new">
        <button type="button" className="btn small" onClick={() => input.current?.click()}><Icon icon={ImagePlus} size={14} /> Upload images</button>
        <input ref={input} type="file" hidden multiple accept="image/*" data-testid="element-upload" onChange={(e) => { setFiles([...files, ...(e.target.files ?? [])]); e.target.value = ""; }} />
        {files.map((f) => <span key={f.name} className="file-chip">{f.name}</span>)}
      </div>
      <PickImages picked={picked} onToggle={(id) => setPicked(picked.includes(id) ? picked.filter((x) => x !== id) : [...picked, id])} />
      <button className="btn primary" type="submit" disabled={busy || !draft.name.trim()} data-testid="create-element">{busy ? "Creating…" : "Create element"}</button>
    </form>
  );
}

/** The card's edit form: a refusal (a trigger another element has: 409) stays in place until the next keystroke. */
function EditElement({ el, done }: { el: ElementPublic; done: () => void }) {
  const [draft, setDraft] = useState<ElementDraft>({ name: el.name, type: el.type, description: el.description, trigger_word: el.trigger_word });
  const [error, setError] = useState<Refusal | null>(null);
  const [busy, setBusy] = useState(false);
  return (
    <form className="element-edit" data-testid="element-edit" onSubmit={async (e) => {
      e.preventDefault();
      if (!draft.name.trim()) return setError({ field: "name", message: "An element needs a name" });
      setBusy(true);
      const refused = await updateElement(el, draft);
      setBusy(false);
      if (refused) setError(refused);
      else done();
    }}>
      <ElementFields draft={draft} setDraft={(d) => { setDraft(d); setError(null); }} error={error} />
      <div className="row-buttons">
        <button className="btn primary small" type="submit" disabled={busy} data-testid="save-element">{busy ? "Saving…" : "Save"}</button>
        <button className="btn ghost small" type="button" onClick={done}>Cancel</button>
      </div>
    </form>
  );
}

function ElementCard({ el }: { el: ElementPublic }) {
  const job = useElements((s) => Object.values(s.jobs).find((j) => j.element_id === el.id));
  const [editing, setEditing] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  const ids = el.images.map((i) => i.asset_id);
  return (
    <li className={`element-card type-${el.type}`} data-testid="element-card" data-element={el.id}>
      <div className="element-head">
        <b>{el.name}</b><code className="trigger">{el.trigger_word}</code><span className="muted">{el.type}</span>
        <span className="spacer" />
        <IconButton small icon={Pencil} label={`Edit ${el.name}`} title="Change the name, type, description or trigger word" pressed={editing} onClick={() => setEditing(!editing)} />
        <IconButton small icon={Sparkles} label={`Visualize ${el.name}`} title="Generate a character sheet, location concept or object design; it becomes a reference image"
          onClick={() => void visualize(el)} disabled={!!job} />
        <IconButton small icon={ImagePlus} label={`Add images to ${el.name}`} onClick={() => input.current?.click()} />
        <IconButton small icon={Trash2} label={`Delete ${el.name}`} onClick={() => requestDeleteElement(el)} />
        <input ref={input} type="file" hidden multiple accept="image/*" data-testid="element-add-upload" onChange={async (e) => {
          const added = await uploadReferences([...(e.target.files ?? [])]);
          e.target.value = "";
          if (added.length) await setReferences(el, [...ids, ...added.map((a) => a.id)]);
        }} />
      </div>
      {editing ? <EditElement el={el} done={() => setEditing(false)} /> : el.description && <p className="muted">{el.description}</p>}
      <div className="element-images">
        {el.images.map((img, i) => (
          <figure key={img.asset_id} className={i === 0 ? "primary" : ""} title={i === 0 ? "Primary reference" : "Reference"} data-asset={img.asset_id}>
            <span className="ref-thumb">
              <img src={img.thumbnail_url ?? img.url} alt={`${el.name} reference ${i + 1}`} data-testid="element-image" />
              <button type="button" className="ref-remove" aria-label={`Remove reference ${i + 1} of ${el.name}`}
                title="Remove this reference (the image stays in the project)" onClick={() => void setReferences(el, ids.filter((x) => x !== img.asset_id))}>
                <Icon icon={X} size={12} /></button>
            </span>
            {img.engine && img.engine !== "upload" && <EngineBadge engine={img.engine} compact />}
            {i > 0 && <button className="btn ghost small still-btn" onClick={() => void setReferences(el, [img.asset_id, ...ids.filter((x) => x !== img.asset_id)])}>Make primary</button>}
          </figure>
        ))}
        {!el.images.length && <p className="muted">No reference image yet: upload one, pick a still, or Visualize.</p>}
      </div>
      <PickImages picked={ids} onToggle={(id) => void setReferences(el, ids.includes(id) ? ids.filter((x) => x !== id) : [...ids, id])} />
      {job && (
        <div className="element-job" data-testid="visualize-job">
          <ProgressBar value={job.progress} /><span className="muted">{Math.round(job.progress)}% · {job.message}</span>
          <IconButton small icon={X} label={`Cancel visualizing ${el.name}`} onClick={() => void cancelImageJob(job.job_id)} />
        </div>
      )}
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
