import { useEffect, useState } from "react";
import { SamBadge } from "./mask/SamBadge";
import { useStore } from "zustand";
import { serverSet, useStudio, undo, redo } from "../store/store";
import { renameProject } from "../store/project";
import { saveCommand } from "../store/commands";
import { engineLines } from "../lib/engines";
import { Boxes, CircleHelp, Clapperboard, FolderOpen, Image as ImageIcon, Redo2, Undo2, Users } from "lucide-react";
import { useElements } from "../store/elements";
import { Icon, IconButton } from "./ui/Icon";
import { JobsArea } from "./ui/JobsArea";
import { ExportButton } from "./export/ExportDialog";
import { ViewSwitch } from "./storyboard/ViewSwitch";

function ProjectTitle() {
  const name = useStudio((s) => s.meta?.name ?? "");
  const [draft, setDraft] = useState(name);
  useEffect(() => setDraft(name), [name]);
  if (!name) return <span className="title-empty">No project</span>;
  return (
    <input className="project-title" aria-label="Project name" value={draft} onChange={(e) => setDraft(e.target.value)}
      onBlur={() => (draft.trim() ? void renameProject(draft).then(() => setDraft(useStudio.getState().meta?.name ?? name)) : setDraft(name))}
      onKeyDown={(e) => {
        if (e.key === "Enter") (e.target as HTMLInputElement).blur();
        if (e.key === "Escape") { setDraft(name); (e.target as HTMLInputElement).blur(); }
      }} />
  );
}

const SAVE_LABEL = { saved: "Saved", dirty: "Unsaved changes", saving: "Saving…", error: "Save failed", offline: "Offline — will retry" } as const;

function SaveIndicator() {
  const state = useStudio((s) => s.saveState);
  const error = useStudio((s) => s.saveError);
  const hasProject = useStudio((s) => !!s.projectId);
  if (!hasProject) return null;
  return (
    <button className={`save-indicator save-${state}`} data-testid="save-state" data-state={state} title={error ?? "Save now (S, Cmd/Ctrl+S)"}
      onClick={() => void saveCommand()}>
      <span className="dot" />{SAVE_LABEL[state]}
    </button>
  );
}

const CONN_LABEL = { connecting: "Connecting", live: "Live", reconnecting: "Reconnecting", offline: "Offline" } as const;

function ConnectionIndicator() {
  const c = useStudio((s) => s.connection);
  return (
    <span className={`conn conn-${c}`} data-testid="connection" data-state={c} title="Live progress from the studio server (server-sent events)">
      <span className="dot" />{CONN_LABEL[c]}
    </span>
  );
}

/** Which engine serves video, image and text right now; a draft is striped. Hover: why each was chosen; click: the model library. */
function EnginesChip() {
  const engines = useStudio((s) => s.engines);
  const lines = engineLines(engines);
  if (!lines.length) return null;
  const anyDraft = lines.some((l) => l.draft);
  const title = `${anyDraft ? "Draft engines make CPU animatics, not model output.\n" : ""}${lines.map((l) => l.text).join("\n")}`;
  return (
    <button className="engines-chip" data-testid="engines" data-draft={anyDraft} title={`${title}\nClick: the model library`}
      onClick={() => serverSet({ modelsOpen: true })}>
      {lines.map((l) => (
        <span key={l.capability} className={`eng${l.draft ? " draft" : ""}`} data-capability={l.capability} data-engine={l.engine}>
          <span className="eng-cap">{l.capability}</span><span className="eng-name">{l.draft ? "Draft" : l.engine}</span>
        </span>
      ))}
    </button>
  );
}

function UndoRedo() {
  const canUndo = useStore(useStudio.temporal, (t) => t.pastStates.length > 0);
  const canRedo = useStore(useStudio.temporal, (t) => t.futureStates.length > 0);
  return (
    <div className="btn-group">
      <IconButton icon={Undo2} onClick={undo} disabled={!canUndo} title="Undo (Cmd/Ctrl+Z)" label="Undo" />
      <IconButton icon={Redo2} onClick={redo} disabled={!canRedo} title="Redo (Cmd/Ctrl+Shift+Z)" label="Redo" />
    </div>
  );
}

export function Header() {
  const hasProject = useStudio((s) => !!s.projectId);
  return (
    <header className="header">
      <button className="brand" onClick={() => serverSet({ projectsOpen: true })} title="Projects">
        <Icon icon={Clapperboard} size={18} className="logo" /> <span className="brand-name">Milimo</span>
      </button>
      <button className="btn ghost" onClick={() => serverSet({ projectsOpen: true })} title="Open, create or delete projects"><Icon icon={FolderOpen} size={14} /> <span className="btn-label">Projects</span></button>
      <button className="btn ghost" onClick={() => serverSet({ modelsOpen: true })} data-testid="open-models"
        title="The model library: download, load and remove weights"><Icon icon={Boxes} size={14} /> <span className="btn-label">Models</span></button>
      <button className="btn ghost" onClick={() => useElements.setState({ elementsOpen: true })} data-testid="open-elements" disabled={!hasProject}
        title="Characters, locations and objects: trigger words and reference images"><Icon icon={Users} size={14} /> <span className="btn-label">Elements</span></button>
      <button className="btn ghost" onClick={() => useElements.setState({ imagesOpen: true })} data-testid="open-images" disabled={!hasProject}
        title="Stills with reference images; the project's gallery"><Icon icon={ImageIcon} size={14} /> <span className="btn-label">Images</span></button>
      <ProjectTitle />
      <ViewSwitch />
      <div className="spacer" />
      <JobsArea />
      <ExportButton />
      <EnginesChip />
      <SamBadge />
      <UndoRedo />
      <SaveIndicator />
      <ConnectionIndicator />
      <IconButton icon={CircleHelp} onClick={() => serverSet({ helpOpen: true })} title="Keyboard shortcuts (?)" label="Help" />
    </header>
  );
}
