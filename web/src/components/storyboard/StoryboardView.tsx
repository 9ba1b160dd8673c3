import "./storyboard.css";
import { addScene, commitStoryboard, loadStoryboard, matchElements, useStoryboard } from "../../store/storyboard";
import { useStudio } from "../../store/store";
import { shotCount } from "../../lib/storyboard";
import { ScriptPanel } from "./ScriptPanel";
import { SceneGroup } from "./SceneGroup";
import { TransitionOptions } from "./ShotCard";

/** The Storyboard view (seed §6): script on the left, scenes of shot cards on the right, Commit on top. */
export function StoryboardView() {
  const scenes = useStoryboard((s) => s.scenes);
  const dirty = useStoryboard((s) => s.dirty);
  const busy = useStoryboard((s) => s.busy);
  const error = useStoryboard((s) => s.error);
  const fps = useStudio((s) => s.meta?.fps ?? 24);
  return (
    <main className="storyboard" data-testid="storyboard" data-dirty={dirty} data-busy={busy ?? ""}>
      <ScriptPanel />
      <div className="sb-board panel">
        <div className="panel-head">
          <h3>Storyboard</h3>
          <span className="muted" data-testid="storyboard-counts">{scenes.length} scenes · {shotCount(scenes)} shots</span>
          {dirty && <span className="sb-dirty" data-testid="storyboard-dirty">Not committed</span>}
          <button className="btn ghost" onClick={addScene}>+ Scene</button>
          <button className="btn ghost" data-testid="storyboard-match" disabled={busy !== null}
            title="Match the stored shots against the project's elements again (after adding or renaming a character, location or object)"
            onClick={() => void matchElements()}>{busy === "match" ? "Matching…" : "Match elements"}</button>
          <button className="btn ghost" title="Discard the cards and load the committed storyboard" onClick={() => void loadStoryboard()}>Reload</button>
          <button className="btn primary" data-testid="storyboard-commit" disabled={busy !== null || !dirty} onClick={() => void commitStoryboard()}>
            {busy === "commit" ? "Committing…" : "Commit"}
          </button>
        </div>
        {error && <p className="sb-error" role="alert" data-testid="storyboard-error">{error}</p>}
        {scenes.length === 0 && busy === null && (
          <p className="sb-empty muted">No storyboard yet. Paste a screenplay on the left and press Parse.</p>
        )}
        {scenes.map((scene, i) => <SceneGroup key={scene.key} scene={scene} index={i} count={scenes.length} fps={fps} />)}
        <TransitionOptions />
      </div>
    </main>
  );
}
