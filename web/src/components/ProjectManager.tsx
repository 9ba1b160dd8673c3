import { useCallback, useEffect, useState } from "react";
import { api, call } from "../api/client";
import type { ProjectSummary } from "../api/types";
import { serverSet, toast, useStudio } from "../store/store";
import { createProject, deleteProject, NAME_MAX, openProject, renameProject } from "../store/project";
import { Dialog } from "./ui/Dialog";
import { nameProblem, renameOutcome, uniqueName } from "../lib/names";

const PRESETS = [
  { label: "768 × 512 (3:2 draft)", w: 768, h: 512 },
  { label: "1280 × 704 (16:9)", w: 1280, h: 704 },
  { label: "1920 × 1088 (16:9 HD)", w: 1920, h: 1088 },
  { label: "704 × 1280 (9:16)", w: 704, h: 1280 },
  { label: "1024 × 1024 (1:1)", w: 1024, h: 1024 },
];
const PAGE = 50;

function CreateProjectForm({ onCreated, taken }: { onCreated: () => void; taken: string[] }) {
  const [name, setName] = useState("");
  const [preset, setPreset] = useState(0);
  const [fps, setFps] = useState(24);
  const [busy, setBusy] = useState(false);
  const wanted = name.trim() || "Untitled project";
  const problem = nameProblem(wanted, NAME_MAX);
  const final = problem ? wanted : uniqueName(wanted, taken);
  return (
    <form className="create-project" onSubmit={async (e) => {
      e.preventDefault();
      if (problem) return;
      setBusy(true);
      try {
        const p = PRESETS[preset];
        await createProject({ name: final, resolution_w: p.w, resolution_h: p.h, fps });
        setName("");
        onCreated();
      } catch (err) {
        toast("error", `Could not create: ${(err as Error).message}`);
      } finally {
        setBusy(false);
      }
    }}>
      <div className="create-row">
        <input aria-label="New project name" placeholder="New project name" value={name} onChange={(e) => setName(e.target.value)}
          aria-invalid={!!problem} />
        <select aria-label="Resolution" value={preset} onChange={(e) => setPreset(Number(e.target.value))}>
          {PRESETS.map((p, i) => <option key={p.label} value={i}>{p.label}</option>)}
        </select>
        <select aria-label="Frame rate" value={fps} onChange={(e) => setFps(Number(e.target.value))}>
          {[24, 25, 30, 48, 50, 60].map((f) => <option key={f} value={f}>{f} fps</option>)}
        </select>
        <button className="btn primary" disabled={busy || !!problem} type="submit">Create</button>
      </div>
      {problem && <p className="error-text name-note" data-testid="name-problem">{problem}</p>}
      {!problem && final !== wanted && <p className="hint name-note" data-testid="name-duplicate">A project is already called “{wanted}”: this one will be “{final}”.</p>}
    </form>
  );
}

function ProjectRow({ p, current, taken, onChanged }: { p: ProjectSummary; current: boolean; taken: string[]; onChanged: () => void }) {
  const [editing, setEditing] = useState(false);
  const [name, setName] = useState(p.name);
  const currentName = useStudio((s) => (current ? s.meta?.name : undefined));
  const rename = async () => {
    setEditing(false);
    if (current) {
      await renameProject(name, taken);
      return setName(useStudio.getState().meta?.name ?? p.name);
    }
    const out = renameOutcome(name, p.name, taken, NAME_MAX);
    if (out.kind === "refused") toast("error", out.message, 6000);
    if (out.kind !== "renamed") return setName(p.name);
    try {
      await call(api.PUT("/projects/{project_id}/save", { params: { path: { project_id: p.id } }, body: { base_version: p.version, project: { name: out.name } } }));
      if (out.note) toast("info", out.note, 6000);
      onChanged();
    } catch (e) {
      toast("error", `Rename failed: ${(e as Error).message}`);
      setName(p.name);
    }
  };
  const shown = current ? currentName ?? name : p.name;
  return (
    <li className={`project-row${current ? " current" : ""}`} data-testid="project-row">
      {editing ? (
        <input autoFocus value={name} onFocus={() => current && setName(currentName ?? name)} onChange={(e) => setName(e.target.value)} onBlur={rename}
          onKeyDown={(e) => e.key === "Enter" && (e.target as HTMLInputElement).blur()} aria-label="Rename project" />
      ) : (
        <button className="project-name" title={shown} onClick={() => void openProject(p.id).then((ok) => ok && serverSet({ projectsOpen: false }))}>
          {shown}
        </button>
      )}
      <span className="muted">{p.resolution_w}×{p.resolution_h} · {p.fps} fps · {p.shot_count} shots · {new Date(p.created_at).toLocaleDateString()}</span>
      <div className="row-actions">
        <button className="btn ghost small" onClick={() => setEditing(true)}>Rename</button>
        <button className="btn danger small" onClick={() => serverSet({
          confirm: { text: `Delete “${p.name}” with all its shots and media? This cannot be undone.`, onYes: () => void deleteProject(p.id).then(onChanged) },
        })}>Delete</button>
      </div>
    </li>
  );
}

export function ProjectManager() {
  const open = useStudio((s) => s.projectsOpen);
  const currentId = useStudio((s) => s.projectId);
  const [items, setItems] = useState<ProjectSummary[]>([]);
  const [total, setTotal] = useState(0);
  const load = useCallback(async (offset = 0) => {
    try {
      const page = await call(api.GET("/projects", { params: { query: { offset, limit: PAGE } } }));
      setItems((prev) => (offset ? [...prev, ...page.items] : page.items));
      setTotal(page.total);
    } catch (e) {
      toast("error", `Could not list projects: ${(e as Error).message}`);
    }
  }, []);
  useEffect(() => {
    if (open) void load();
  }, [open, load]);
  if (!open) return null;
  return (
    <Dialog title="Projects" onClose={() => serverSet({ projectsOpen: false })} className="project-manager" closable={!!currentId}>
        <CreateProjectForm onCreated={() => void load()} taken={items.map((p) => p.name)} />
        <ul className="project-list">
          {items.map((p) => <ProjectRow key={p.id} p={p} current={p.id === currentId} taken={items.filter((o) => o.id !== p.id).map((o) => o.name)}
            onChanged={() => void load()} />)}
          {!items.length && <li className="muted empty">No projects yet.</li>}
        </ul>
        {items.length < total && <button className="btn ghost" onClick={() => void load(items.length)}>Load more</button>}
    </Dialog>
  );
}
