import { closeStoryboard, openStoryboard, useStoryboard } from "../../store/storyboard";
import { useStudio } from "../../store/store";

/** Timeline | Storyboard: the two views of the open project. */
export function ViewSwitch() {
  const open = useStoryboard((s) => s.open);
  const hasProject = useStudio((s) => !!s.projectId);
  if (!hasProject) return null;
  return (
    <div className="view-switch" role="tablist" aria-label="View">
      <button role="tab" className={`tab${open ? "" : " on"}`} aria-selected={!open} data-testid="view-timeline" onClick={closeStoryboard}>Timeline</button>
      <button role="tab" className={`tab${open ? " on" : ""}`} aria-selected={open} data-testid="view-storyboard" onClick={() => void openStoryboard()}>Storyboard</button>
    </div>
  );
}
