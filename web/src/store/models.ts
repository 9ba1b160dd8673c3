// The model library's flows: list, download (progress arrives as download_* events), cancel,
// delete, and the Hugging Face token for gated models (sent once, stored by the server, never read back).
import { api, call } from "../api/client";
import type { ModelPublic } from "../api/types";
import { formatBytes, reduceDownload, type DownloadEvent } from "../lib/models";
import { serverSet, toast, useStudio } from "./store";

export async function loadModels(): Promise<void> {
  try {
    const [models, tokens] = await Promise.all([call(api.GET("/models")), call(api.GET("/tokens"))]);
    serverSet({ models, hfToken: tokens.huggingface });
  } catch (e) {
    toast("error", `Could not read the model library: ${(e as Error).message}`);
  }
}

export async function downloadModel(m: ModelPublic): Promise<void> {
  try {
    const r = await call(api.POST("/models/{model_id}/download", { params: { path: { model_id: m.id } } }));
    serverSet((s) => ({ models: s.models && { ...s.models, models: s.models.models.map((x) => (x.id === m.id ? { ...x, status: "downloading", message: "" } : x)) } }));
    if (r.missing_requirements.length) toast("info", `${r.message}: download those too for it to work`, 8000);
  } catch (e) {
    toast("error", `${m.name}: ${(e as Error).message}`, 9000);
    void loadModels();
  }
}

export async function cancelDownload(m: ModelPublic): Promise<void> {
  try {
    await call(api.DELETE("/models/{model_id}/download", { params: { path: { model_id: m.id } } }));
  } catch (e) {
    toast("error", `${m.name}: ${(e as Error).message}`);
    void loadModels();
  }
}

/** Deleting weights frees space but means downloading them again: it asks first, naming the space. */
export function requestDeleteModel(m: ModelPublic): void {
  serverSet({ confirm: { yes: "Delete", text: `Delete ${m.name} (${formatBytes(m.bytes_on_disk)} on disk)? It frees that space; using it again means downloading it again.`,
    onYes: () => void deleteModel(m) } });
}

async function deleteModel(m: ModelPublic): Promise<void> {
  try {
    const r = await call(api.DELETE("/models/{model_id}", { params: { path: { model_id: m.id } } }));
    toast("ok", `${m.name} deleted — ${formatBytes(r.freed_bytes)} freed`);  // engines_changed reloads the list and chips
  } catch (e) {
    toast("error", `${m.name}: ${(e as Error).message}`, 8000);  // refused (in use): nothing changed
  }
}

export async function saveHfToken(token: string): Promise<boolean> {
  try {
    const r = await call(api.PUT("/tokens/huggingface", { body: { token } }));
    serverSet({ hfToken: r.huggingface });
    toast("ok", "Token stored on the studio server; gated downloads use it");
    return true;
  } catch (e) {
    toast("error", `Token not stored: ${(e as Error).message}`, 8000);
    return false;
  }
}

export async function forgetHfToken(): Promise<void> {
  const r = await call(api.DELETE("/tokens/huggingface")).catch(() => null);
  if (r) serverSet({ hfToken: r.huggingface });
}

/** A download_* event: the list follows. A finished download re-selects the engines on the server, which
 * then sends engines_changed: that event reloads the chips and the library (store/jobs.ts). */
export function onDownloadEvent(ev: DownloadEvent): void {
  const s = useStudio.getState();
  const models = reduceDownload(s.models, ev);
  if (models !== s.models) serverSet({ models });
  const name = s.models?.models.find((m) => m.id === ev.data.model_id)?.name ?? ev.data.model_id;
  if (ev.type === "download_complete") {
    toast("ok", `${name} downloaded`);
  } else if (ev.type === "download_error") {
    if (!ev.data.cancelled) toast("error", `${name}: ${ev.data.gated ? "this model is gated — accept its licence on the hub and give a token" : ev.data.message}`, 9000);
    void loadModels();
  }
}
