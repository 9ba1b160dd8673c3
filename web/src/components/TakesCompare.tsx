// Two takes side by side, played together from the start, so a director can choose.
import { useRef } from "react";
import { Play } from "lucide-react";
import { serverSet, useStudio } from "../store/store";
import { chooseTake } from "../store/takeHistory";
import { staleFields, staleText } from "../lib/takeHistory";
import { EngineBadge } from "./EngineBadge";
import { Dialog } from "./ui/Dialog";
import { Icon } from "./ui/Icon";

export function TakesCompare() {
  const pair = useStudio((s) => s.compare);
  const takes = useStudio((s) => s.takeList);
  const shots = useStudio((s) => s.shots);
  const videos = useRef<(HTMLVideoElement | null)[]>([]);
  if (!pair) return null;
  const both = pair.map((id) => takes.find((t) => t.asset_id === id)).filter((t) => !!t);
  const close = () => serverSet({ compare: null });
  const playBoth = () => {
    for (const v of videos.current) {
      if (!v) continue;
      v.currentTime = 0;
      void v.play().catch(() => undefined);
    }
  };
  return (
    <Dialog title="Takes side by side" onClose={close} className="takes-compare" testId="takes-compare">
      <div className="compare-grid">
        {both.map((t, i) => {
          const shot = shots[t.shot_id];
          const stale = shot ? staleFields(t, shot) : [];
          return (
            <figure key={t.asset_id} className="compare-cell" data-testid="compare-cell">
              {t.media_type === "video"
                ? <video ref={(el) => { videos.current[i] = el; }} src={t.url} muted playsInline preload="auto" controls />
                : <img src={t.url} alt="" />}
              <figcaption>
                <b>{t.label}</b> <EngineBadge engine={t.engine} compact />
                {t.made_with && <div className="muted">seed {t.made_with.seed ?? "—"} · {t.made_with.prompt}</div>}
                {stale.length > 0 && <div className="take-stale">{staleText(stale)}</div>}
                {shot?.media_asset_id === t.asset_id ? <span className="take-current">The shot's take</span>
                  : <button className="btn small" onClick={() => { chooseTake(t); close(); }}>Use this take</button>}
              </figcaption>
            </figure>
          );
        })}
      </div>
      <div className="row-actions"><button className="btn" onClick={playBoth} data-testid="play-both"><Icon icon={Play} size={14} /> Play both from the start</button></div>
    </Dialog>
  );
}
