// The model library: every model the studio can use, what it enables, its size, licence and
// state; download with progress, speed and time left, cancel, resume, delete (with the space it
// frees); free disk; the Hugging Face token that gated models need (stored by the server); and
// the workers that run jobs, with what each holds.
import { useEffect, useState } from "react";
import { Download, HardDrive, KeyRound, Lock, Pause, Play, Trash2 } from "lucide-react";
import type { ModelPublic } from "../api/types";
import { serverSet, useStudio } from "../store/store";
import { cancelDownload, downloadModel, forgetHfToken, loadModels, requestDeleteModel, saveHfToken } from "../store/models";
import { enables, fits, formatBytes, formatEta, formatSpeed } from "../lib/models";
import { loadEngines } from "../store/engines";
import { Dialog } from "./ui/Dialog";
import { Icon } from "./ui/Icon";
import { ProgressBar } from "./ui/ProgressBar";
import { Workers } from "./Workers";

const STATE_WORDS = { not_downloaded: "Not downloaded", downloading: "Downloading", downloaded: "Ready", error: "Failed" } as const;

function TokenForm() {
  const stored = useStudio((s) => s.hfToken);
  const [value, setValue] = useState("");
  const [busy, setBusy] = useState(false);
  return (
    <form className="token-form" data-testid="hf-token" data-stored={stored ? "true" : "false"} onSubmit={async (e) => {
      e.preventDefault();
      if (!value.trim()) return;
      setBusy(true);
      if (await saveHfToken(value)) setValue("");
      setBusy(false);
    }}>
      <Icon icon={KeyRound} />
      <div className="token-text">
        <b>Hugging Face token</b>
        <span className="muted">{stored ? "Stored on the studio server (never shown again). Gated downloads use it."
          : "Gated models need one: accept the model's licence on the hub, make a read token, paste it here."}</span>
      </div>
      <input type="password" autoComplete="off" aria-label="Hugging Face token" placeholder={stored ? "Replace the token…" : "hf_…"}
        value={value} onChange={(e) => setValue(e.target.value)} />
      <button className="btn small" type="submit" disabled={busy || !value.trim()}>{stored ? "Replace" : "Store"}</button>
      {stored && <button className="btn ghost small" type="button" onClick={() => void forgetHfToken()}>Forget</button>}
    </form>
  );
}

function ModelRow({ m, free }: { m: ModelPublic; free: number }) {
  const p = m.progress;
  const room = fits(m, free);
  return (
    <li className={`model-row st-${m.status}`} data-testid="model-row" data-model={m.id} data-status={m.status}>
      <div className="model-main">
        <div className="model-name">
          <b>{m.name}</b>
          {m.gated && <span className="flag gated" title="Gated: the hub asks you to accept the licence and give a token"><Icon icon={Lock} size={12} /> gated</span>}
          <span className={`flag ${m.commercial_use ? "ok" : "warn"}`} title={m.license}>{m.commercial_use ? "commercial use" : "non-commercial"}</span>
        </div>
        <div className="model-enables" data-testid="model-enables">{enables(m)}</div>
        <div className="muted model-facts">{formatBytes(m.size_bytes)} · {m.license}{m.requires.length ? ` · needs ${m.requires.join(", ")}` : ""}</div>
        {m.description && <div className="muted model-desc">{m.description}</div>}
        {m.status === "downloading" && (
          <div className="model-progress" data-testid="model-progress">
            <ProgressBar value={p?.progress ?? 0} />
            <span>{p ? `${formatBytes(p.bytes_done)} of ${formatBytes(p.bytes_total)} · ${formatSpeed(p.speed_bps)} · ${formatEta(p.eta_s)}` : "Starting…"}</span>
          </div>
        )}
        {m.message && m.status !== "downloading" && <div className={m.status === "error" ? "error-text" : "muted"} data-testid="model-message">{m.message}</div>}
        {m.missing_requirements.length > 0 && m.status === "downloaded" && <div className="hint">Also download: {m.missing_requirements.join(", ")}</div>}
      </div>
      <div className="model-side">
        <span className={`model-state st-${m.status}`} data-testid="model-state">{STATE_WORDS[m.status]}{m.loaded ? " · loaded" : ""}{m.in_use ? " · in use" : ""}</span>
        {m.status === "downloading" ? (
          <button className="btn small" onClick={() => void cancelDownload(m)} data-testid="model-cancel"><Icon icon={Pause} size={14} /> Cancel</button>
        ) : m.status === "downloaded" ? (
          <button className="btn danger small" onClick={() => requestDeleteModel(m)} disabled={m.in_use} data-testid="model-delete"
            title={m.in_use ? "A running job uses it" : `Frees ${formatBytes(m.bytes_on_disk)}`}>
            <Icon icon={Trash2} size={14} /> Delete · {formatBytes(m.bytes_on_disk)}
          </button>
        ) : (
          <button className="btn primary small" onClick={() => void downloadModel(m)} disabled={!room} data-testid="model-download"
            title={room ? "Download from the Hugging Face hub" : `Not enough free disk: it needs ${formatBytes(m.size_bytes * 1.1)}`}>
            <Icon icon={m.partial ? Play : Download} size={14} /> {m.partial ? "Resume" : "Download"}
          </button>
        )}
      </div>
    </li>
  );
}

export function ModelLibrary() {
  const open = useStudio((s) => s.modelsOpen);
  const list = useStudio((s) => s.models);
  useEffect(() => {
    if (open) void Promise.all([loadModels(), loadEngines()]); // engines: the workers, as they are now
  }, [open]);
  if (!open) return null;
  return (
    <Dialog title="Model library" onClose={() => serverSet({ modelsOpen: false })} className="model-library" testId="model-library">
      <p className="muted">Until a model is downloaded, its capability runs on the CPU draft engine (animatics, not model output). Downloads go to the studio's data folder and can be cancelled and resumed.</p>
      <div className="disk" data-testid="disk-free"><Icon icon={HardDrive} /> {list ? `${formatBytes(list.disk_free_bytes)} free on the models disk` : "Reading…"}</div>
      <Workers />
      <TokenForm />
      <ul className="model-list">
        {list?.models.map((m) => <ModelRow key={m.id} m={m} free={list.disk_free_bytes} />)}
      </ul>
    </Dialog>
  );
}
