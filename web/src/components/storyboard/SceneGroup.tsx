import { ArrowDown, ArrowUp, X } from "lucide-react";
import { addShot, conceptArtScene, deleteScene, generateScene, moveScene, renameScene } from "../../store/storyboard";
import type { SceneCard } from "../../lib/storyboard";
import { ShotCard } from "./ShotCard";

/** A scene: its heading (rename in place), its shots as cards, and its place in the story. */
export function SceneGroup({ scene, index, count, fps }: { scene: SceneCard; index: number; count: number; fps: number }) {
  return (
    <section className="sb-scene" data-testid="scene-card" data-scene={scene.id ?? ""}>
      <header className="sb-scene-head">
        <span className="sb-scene-no" title="Scene number">{scene.scene_number || (scene.heading ? index + 1 : "–")}</span>
        <input className="sb-heading" aria-label="Scene heading" data-testid="scene-heading" value={scene.heading}
          placeholder="(before the first scene heading)" onChange={(e) => renameScene(scene.key, e.target.value)} />
        <span className="muted">{scene.shots.length} shot{scene.shots.length === 1 ? "" : "s"}</span>
        <button className="btn ghost" data-testid="scene-concept-art" title="Concept art for this scene's committed shots (seed §6.2)"
          onClick={() => void conceptArtScene(scene.key)}>Concept art</button>
        <button className="btn ghost" data-testid="scene-generate" title="Generate the scene's shots in order, each continuing from the one before"
          onClick={() => void generateScene(scene.key)}>Generate scene</button>
        <button className="icon-btn" title="Move scene earlier" aria-label="Move scene earlier" disabled={index === 0} onClick={() => moveScene(index, -1)}><ArrowUp size={14} /></button>
        <button className="icon-btn" title="Move scene later" aria-label="Move scene later" disabled={index === count - 1} onClick={() => moveScene(index, 1)}><ArrowDown size={14} /></button>
        <button className="icon-btn danger" title="Delete the scene and its shots (on commit)" aria-label="Delete scene" onClick={() => deleteScene(scene.key)}><X size={14} /></button>
      </header>
      <div className="sb-shots">
        {scene.shots.map((shot, i) => <ShotCard key={shot.key} sceneKey={scene.key} shot={shot} index={i} count={scene.shots.length} fps={fps}
          canDual={i > 0 && scene.shots[i - 1].kind === "dialogue"} />)}
        <button className="sb-add-shot" data-testid="scene-add-shot" onClick={() => addShot(scene.key, null)}>+ Shot</button>
      </div>
    </section>
  );
}
