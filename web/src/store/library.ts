// The media library: uploads and generated media of the open project.
import { api, call, notifyUnauthorized } from "../api/client";
import type { AssetPublic } from "../api/types";
import { shotsUsingAsset } from "../lib/takes";
import { serverSet, toast, useStudio } from "./store";
import { forgetAsset } from "./adopt";

export async function refreshAssets(): Promise<void> {
  const id = useStudio.getState().projectId;
  if (!id) return;
  serverSet({ assetsLoading: true });
  try {
    const assets = await call(api.GET("/projects/{project_id}/assets", { params: { path: { project_id: id } } }));
    if (useStudio.getState().projectId === id) serverSet({ assets });
  } catch {
    /* keep the list we have */
  } finally {
    serverSet({ assetsLoading: false });
  }
}

export async function uploadFiles(files: File[]): Promise<AssetPublic[]> {
  const id = useStudio.getState().projectId;
  if (!id) return [];
  const out: AssetPublic[] = [];
  for (const file of files) {
    const form = new FormData();
    form.append("file", file);
    form.append("project_id", id);
    form.append("kind", "general");
    try {
      const r = await fetch("/upload", { method: "POST", body: form });
      notifyUnauthorized(r.status);
      const body = await r.json().catch(() => ({}));
      if (!r.ok) throw new Error(body?.detail ?? `HTTP ${r.status}`);
      out.push(body as AssetPublic);
      toast("ok", `Uploaded ${file.name}`);
    } catch (e) {
      toast("error", `Upload of ${file.name} failed: ${(e as Error).message}`, 8000);
    }
  }
  await refreshAssets();
  return out;
}

/**
 * Deleting media really loses work (the file goes, and undo cannot bring it back), so it asks
 * first and names the clips that show or use it.
 */
export function requestDeleteAsset(asset: AssetPublic, onDeleted?: () => void): void {
  const s = useStudio.getState();
  const used = shotsUsingAsset(s.shots, asset.id).length;
  const uses = used ? ` ${used} clip${used > 1 ? "s" : ""} show${used > 1 ? "" : "s"} or use${used > 1 ? "" : "s"} it and will lose it.` : "";
  serverSet({ confirm: { text: `Delete ${asset.filename} from the project?${uses} The file is deleted from disk; undo cannot bring it back.`,
    onYes: () => void deleteAsset(asset, used > 0, onDeleted) } });
}

/** `onDeleted` runs once the server has deleted it (views that list media reload then, not on a timer). */
export async function deleteAsset(asset: AssetPublic, force = false, onDeleted?: () => void): Promise<void> {
  try {
    await call(api.DELETE("/assets/{asset_id}", { params: { path: { asset_id: asset.id }, query: { force, base_version: useStudio.getState().version || undefined } } }));
    // The server dropped it from its shots; the document, its base and its history follow.
    forgetAsset(asset.id);
    await refreshAssets();
    onDeleted?.();
  } catch (e) {
    const err = e as { status?: number; message: string };
    if (err.status === 409 && !force) {
      serverSet({ confirm: { text: `${err.message}. Delete it anyway?`, onYes: () => void deleteAsset(asset, true, onDeleted) } });
      return;
    }
    toast("error", `Could not delete: ${err.message}`);
  }
}
