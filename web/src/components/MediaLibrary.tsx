import { useRef, useState } from "react";
import type { AssetPublic } from "../api/types";
import { useStudio } from "../store/store";
import { refreshAssets, requestDeleteAsset, uploadFiles } from "../store/library";
import { useAsTake } from "../store/takes";
import { EngineBadge } from "./EngineBadge";
import { Download, Music, RefreshCw, Trash2, Video } from "lucide-react";
import { Icon, IconButton } from "./ui/Icon";
import { assetLabel } from "../lib/takeHistory";
import { showTrackedMask, useMaskEditor, useTrackOverlay } from "./mask/maskStore";
import { toast } from "../store/store";
import { exportMatte, inpaintClip } from "../store/clipInpaint";

export const ASSET_MIME = "application/x-milimo-asset";
const FILTERS = [["all", "All"], ["video", "Video"], ["image", "Images"], ["audio", "Audio"]] as const;

function AssetCard({ a, target }: { a: AssetPublic; target: string | null }) {
  const shows = useStudio((s) => !!target && s.shots[target]?.media_asset_id === a.id);
  // A generated take is named by its shot ("Sc 1 · Sh 2 · take 3"), an upload by its file.
  const name = useStudio((s) => assetLabel(a, s.takeLabels));
  const overlaid = useTrackOverlay((s) => s.shown?.sequence.id === a.id);
  const sequence = a.kind === "mask_sequence";  // a folder of masks: shown over its clip, never placed as a clip
  const matte = a.kind === "matte";  // black and white, for an editor's track matte: downloaded, not a take
  return (
    <li className={`asset${shows ? " is-take" : ""}`} draggable={!sequence} data-testid="asset" data-asset={a.id}
      onDragStart={(e) => {
        e.dataTransfer.setData(ASSET_MIME, JSON.stringify(a));
        e.dataTransfer.effectAllowed = "copy";
      }}
      title={`${name}${a.width ? ` · ${a.width}×${a.height}` : ""}${a.duration_s ? ` · ${a.duration_s.toFixed(1)} s` : ""}\nDrag onto a track to place it as a clip, or onto the inspector's conditioning list to generate from it`}>
      <div className="asset-thumb">
        {a.thumbnail_url || a.media_type === "image" ? <img src={a.thumbnail_url ?? a.url} alt="" loading="lazy" draggable={false} />
          : <span className="asset-kind"><Icon icon={a.media_type === "audio" ? Music : Video} size={20} /></span>}
        <span className="asset-type">{sequence ? "tracked mask" : matte ? "matte" : a.kind === "mask" ? "mask" : a.media_type}</span>
      </div>
      <div className="asset-meta">
        <span className="asset-name" data-testid="asset-name">{name}</span>
        <EngineBadge engine={a.engine} compact />
      </div>
      {target && !sequence && !matte && (shows ? <span className="asset-take-mark" title="The selected clip shows this">Take</span>
        : <button className="asset-use" data-testid="use-as-take" onClick={() => useAsTake(target, a)}
            title="The selected clip shows this from now on (undoable)">Use as take</button>)}
      {sequence && <button className={`asset-track-show${overlaid ? " on" : ""}`} data-testid="show-track"
        onClick={() => overlaid ? useTrackOverlay.getState().hide() : showTrackedMask(a).catch((e) => toast("error", (e as Error).message))}
        title="Lay this tracked mask over its clip in the player">{overlaid ? "Hide on player" : "Show on player"}</button>}
      {sequence && <button className="asset-inpaint-clip" data-testid="inpaint-clip-card"
        onClick={() => { const p = window.prompt("What should fill the tracked object's place, frame by frame? (the draft engine ignores the prompt)", ""); if (p !== null) void inpaintClip(a, p); }}
        title="Repaint the tracked object in every frame of its clip; the new video appears here">Inpaint clip</button>}
      {sequence && <button className="asset-matte" data-testid="export-matte" onClick={() => void exportMatte(a)}
        title="The tracked object white on black, frame for frame with its clip: a track matte for Premiere, Resolve or Final Cut">Matte</button>}
      {matte && <a className="asset-download" data-testid="download-matte" href={a.url} download={a.filename ?? "matte.mp4"}
        title="Download the matte: line it up with its clip's first frame, then use it as a track or luma matte">
        <Icon icon={Download} size={12} /> Download</a>}
      {a.media_type === "image" && !sequence && <button className="asset-mask" data-testid="open-mask" onClick={() => useMaskEditor.getState().open(a)}
        title="Select part of this still (clicks, a box or text) and inpaint it">Mask</button>}
      <button className="asset-delete" aria-label={`Delete ${name}`} title={`Delete ${name}`} onClick={() => requestDeleteAsset(a)}><Icon icon={Trash2} size={12} /></button>
    </li>
  );
}

export function MediaLibrary() {
  const assets = useStudio((s) => s.assets);
  const target = useStudio((s) => (s.selectedId && s.shots[s.selectedId] ? s.selectedId : null));
  const [filter, setFilter] = useState<(typeof FILTERS)[number][0]>("all");
  const [busy, setBusy] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  const shown = filter === "all" ? assets : assets.filter((a) => a.media_type === filter);
  const upload = async (files: File[]) => {
    setBusy(true);
    await uploadFiles(files);
    setBusy(false);
  };
  return (
    <section className="panel library" aria-label="Media library"
      onDragOver={(e) => e.dataTransfer.types.includes("Files") && e.preventDefault()}
      onDrop={(e) => {
        if (!e.dataTransfer.files.length) return;
        e.preventDefault();
        void upload([...e.dataTransfer.files]);
      }}>
      <div className="panel-head">
        <h3>Media</h3>
        <button className="btn small" onClick={() => input.current?.click()} disabled={busy}>{busy ? "Uploading…" : "Upload"}</button>
        <IconButton small icon={RefreshCw} label="Refresh" onClick={() => void refreshAssets()} />
        <input ref={input} type="file" multiple hidden accept="image/*,video/*,audio/*" data-testid="upload-input"
          onChange={(e) => { void upload([...(e.target.files ?? [])]); e.target.value = ""; }} />
      </div>
      <div className="tabs">
        {FILTERS.map(([k, label]) => <button key={k} className={filter === k ? "tab on" : "tab"} onClick={() => setFilter(k)}>{label}</button>)}
      </div>
      <ul className="asset-grid">
        {shown.map((a) => <AssetCard key={a.id} a={a} target={target} />)}
      </ul>
      {!shown.length && <p className="muted empty">Drop images, videos or audio here, or on a track to place them as clips. Generated takes appear here too.</p>}
    </section>
  );
}
