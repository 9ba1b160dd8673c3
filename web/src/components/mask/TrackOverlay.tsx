// The tracked mask over the player: while a mask sequence is shown, the clip it was tracked on
// gets that frame's mask drawn over it (blue, like the Mask editor), frame by frame with the playhead.
import { useEffect, useRef } from "react";
import { X } from "lucide-react";
import type { AssetPublic } from "../../api/types";
import { clipAt, layoutOf } from "../../lib/layout";
import { mediaFrameAt } from "../../lib/tracking";
import { useStudio, type State } from "../../store/store";
import { Icon } from "../ui/Icon";
import { maskFromUrl } from "./maskImage";
import { area, overlayRgba } from "./maskOps";
import { useTrackOverlay } from "./maskStore";

const OVERLAY: [number, number, number] = [40, 140, 255];

/** The playhead's frame of the tracked clip's own media (V2 over V1), or null where that clip is not showing. */
function trackedFrame(s: State, clipAssetId: string | null): number | null {
  if (!clipAssetId) return null;
  const media = s.assets.find((a: AssetPublic) => a.id === clipAssetId);
  if (!media) return null;
  const layout = layoutOf(s.shots);
  for (const track of [1, 0]) {
    const box = clipAt(layout.tracks[track], s.frame);
    const shot = box ? s.shots[box.id] : null;
    if (!box || !shot) continue;
    if (shot.media_asset_id !== clipAssetId) return null;  // another clip covers it here
    return mediaFrameAt(s.frame, box.start, box.length, shot.trim_in, s.meta?.fps ?? 24, media);
  }
  return null;
}

export function TrackOverlay() {
  const shown = useTrackOverlay((s) => s.shown);
  const hide = useTrackOverlay((s) => s.hide);
  const at = useStudio((s) => (shown ? trackedFrame(s, shown.clipAssetId) : null));
  const url = shown && at != null ? shown.masks.get(at) ?? null : null;
  const canvas = useRef<HTMLCanvasElement>(null);
  const wanted = useRef<string | null>(null);

  useEffect(() => {
    wanted.current = url;
    const c = canvas.current;
    if (!c) return;
    if (!url) {
      c.getContext("2d")?.clearRect(0, 0, c.width, c.height);
      c.dataset.area = "0";
      c.dataset.drawn = "";
      return;
    }
    void maskFromUrl(url).then((m) => {
      if (wanted.current !== url) return;  // the playhead moved on while it loaded
      c.width = m.width;
      c.height = m.height;
      c.getContext("2d")!.putImageData(new ImageData(overlayRgba(m, OVERLAY, 0.5), m.width, m.height), 0, 0);
      c.dataset.area = String(area(m));
      c.dataset.drawn = url;
    }, () => undefined);
  }, [url]);

  if (!shown) return null;
  return (
    <>
      <canvas ref={canvas} className="track-overlay" data-testid="track-overlay" data-frame={at ?? ""} data-area="0" />
      <div className="track-chip" data-testid="track-chip">
        <span>Tracked mask{at != null ? ` · frame ${at}` : " · not on this clip"}{url ? "" : at != null ? " · no mask here" : ""}</span>
        <button className="icon-btn" aria-label="Hide the tracked mask" title="Hide the tracked mask" onClick={hide}><Icon icon={X} size={12} /></button>
      </div>
    </>
  );
}
