import { conceptArt, deleteShot, generateCard, moveShot, addShot, updateShot } from "../../store/storyboard";
import { PromptField } from "../PromptField";
import { ArrowDown, ArrowUp, Image as ImageIcon, Play, Plus, X } from "lucide-react";
import { useStudio } from "../../store/store";
import { isActive } from "../../lib/events";
import { SHOT_TYPES, TRANSITIONS, TRANSITION_MAX, seconds, type ShotCard as Card } from "../../lib/storyboard";

const label = (t: string) => t.replace(/_/g, " ");
const TRANSITION_LIST = "sb-transitions";

/** The common transitions the transition field suggests (rendered once per view; any text is accepted). */
export function TransitionOptions() {
  return <datalist id={TRANSITION_LIST}>{TRANSITIONS.map((t) => <option key={t} value={t} />)}</datalist>;
}

/** One shot: what the camera sees (action), who speaks and what (dialogue), the framing and length. */
export function ShotCard({ sceneKey, shot, index, count, fps, canDual = false }: {
  sceneKey: string; shot: Card; index: number; count: number; fps: number;
  canDual?: boolean; // the card before is a line of dialogue too: this one may be spoken over it
}) {
  const speaking = shot.kind === "dialogue" || shot.kind === "lyrics" || !!shot.character;
  // A committed shot's picture and take are live: the timeline's store follows its jobs over SSE.
  const take = useStudio((s) => (shot.id ? s.takes[shot.id] : undefined));
  const job = useStudio((s) => (shot.id ? s.jobs[shot.id] : undefined));
  const thumbnail = take?.thumbnail_url ?? shot.thumbnail_url;
  const video = take?.video_url ?? shot.video_url;
  const busy = isActive(job);
  // Concept art (a thumbnail job's still) from the draft image engine is badged like a draft take.
  const artEngine = useStudio((s) => (thumbnail?.includes("/generated/thumb_") ? s.assets.find((a) => a.url === thumbnail)?.engine : undefined));
  // A committed shot's matches as the project has them now (Match elements updates them); a parsed card's as parsed.
  const matched = useStudio((s) => (shot.id ? s.shots[shot.id]?.matched_elements : undefined)) ?? shot.matched ?? [];
  return (
    <article className={`sb-shot kind-${shot.kind}`} data-testid="shot-card" data-shot={shot.id ?? ""} data-key={shot.key}>
      <div className="sb-frame">
        {thumbnail ? <img src={thumbnail} alt="" data-testid="shot-thumbnail" /> : <span className="sb-frame-type">{label(shot.shot_type || "medium")}</span>}
        {busy && <span className="sb-progress" data-testid="shot-progress" style={{ width: `${job?.progress ?? 0}%` }} />}
        <span className="sb-index">{index + 1}</span>
        {video && <span className="sb-badge take" data-testid="shot-take" title="This shot has a take; the storyboard never changes it">take{take?.engine?.startsWith("draft") ? " · draft" : ""}</span>}
        {!shot.id && <span className="sb-badge new" title="Not committed yet">new</span>}
        {!video && artEngine?.startsWith("draft") && (
          <span className="sb-badge draft" data-testid="shot-art-draft" title="Concept art from the draft image engine (no image model loaded)">draft</span>
        )}
      </div>
      <div className="sb-fields">
        <div className="sb-row">
          <select aria-label="Shot type" data-testid="shot-type" value={shot.shot_type || "medium"}
            onChange={(e) => updateShot(sceneKey, shot.key, { shot_type: e.target.value })}>
            {SHOT_TYPES.map((t) => <option key={t} value={t}>{label(t)}</option>)}
          </select>
          <span className="sb-len muted" title="Length (frames are the truth; set from the content until the shot has a take)">
            {seconds(shot.num_frames, fps)}
          </span>
        </div>
        <PromptField label="Action" testId="shot-action" rows={3} placeholder="Action: what the camera sees. Type @ for an element"
          value={shot.action} matched={matched} onChange={(v) => updateShot(sceneKey, shot.key, { action: v })} />
        {speaking && (
          <div className="sb-row">
            <input aria-label="Character" data-testid="shot-character" placeholder="CHARACTER" value={shot.character}
              onChange={(e) => updateShot(sceneKey, shot.key, { character: e.target.value })} />
            {(canDual || shot.dual) && shot.kind === "dialogue" && (
              <button type="button" className={`sb-tag dual${shot.dual ? " on" : ""}`} data-testid="shot-dual" aria-pressed={shot.dual}
                title={shot.dual ? "Dual dialogue: spoken at the same time as the line before (^). Click to make it follow instead"
                  : "Click to make this line dual dialogue: spoken at the same time as the line before (^)"}
                onClick={() => updateShot(sceneKey, shot.key, { dual: !shot.dual })}>dual</button>
            )}
          </div>
        )}
        <textarea aria-label="Dialogue" data-testid="shot-dialogue" rows={speaking ? 2 : 1} placeholder="Dialogue (optional)" value={shot.dialogue}
          onChange={(e) => updateShot(sceneKey, shot.key, { dialogue: e.target.value })} />
      </div>
      {/* The cut into the next shot, where a screenplay prints it: under the shot, on the right. */}
      <div className={`sb-transition${shot.transition ? " set" : ""}`}>
        <input aria-label="Transition" data-testid="shot-transition" list={TRANSITION_LIST} placeholder="+ transition"
          maxLength={TRANSITION_MAX} spellCheck={false} value={shot.transition}
          title="The transition after this shot (CUT TO:, DISSOLVE TO:, FADE OUT., or your own); exported with the script"
          onChange={(e) => updateShot(sceneKey, shot.key, { transition: e.target.value })} />
      </div>
      <div className="sb-shot-tools">
        <button className="icon-btn" title="Generate this shot, continuing from the one before it" aria-label="Generate shot"
          data-testid="shot-generate" disabled={!shot.id || busy} onClick={() => shot.id && void generateCard(shot.id)}><Play size={14} /></button>
        <button className="icon-btn" title="Concept art for this shot (a still on the card; the shot is then generated from it)"
          aria-label="Concept art for this shot" data-testid="shot-concept-art" disabled={!shot.id} onClick={() => shot.id && void conceptArt([shot.id])}><ImageIcon size={14} /></button>
        <button className="icon-btn" title="Move earlier" aria-label="Move shot earlier" disabled={index === 0} onClick={() => moveShot(sceneKey, index, -1)}><ArrowUp size={14} /></button>
        <button className="icon-btn" title="Move later" aria-label="Move shot later" disabled={index === count - 1} onClick={() => moveShot(sceneKey, index, 1)}><ArrowDown size={14} /></button>
        <button className="icon-btn" title="Add a shot after this one" aria-label="Add shot after" data-testid="shot-add-after" onClick={() => addShot(sceneKey, index)}><Plus size={14} /></button>
        <button className="icon-btn danger" title="Delete this shot (on commit)" aria-label="Delete shot" data-testid="shot-delete" onClick={() => deleteShot(sceneKey, shot.key)}><X size={14} /></button>
      </div>
    </article>
  );
}
