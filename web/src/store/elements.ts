// Story elements and the image studio (docs/elements.md): the project's characters, locations and
// objects with their reference images, the gallery of stills, and the image jobs started here
// (text-to-image, Visualize). Its own small store: nothing here is in the timeline's undo history.
import type { ImageJobRow } from "../lib/recovery";
import { create } from "zustand";
import { api, call, notifyUnauthorized, type ApiError } from "../api/client";
import type { AssetPublic, ElementPublic, GenerateImage, TimelineItem } from "../api/types";
import { serverSet, toast, useStudio } from "./store";
import { refreshAssets } from "./library";
import { addConditioning } from "./edits";
import { placeAssets } from "./takes";
import { adoptVersion } from "./sync";

export type ImageJob = ImageJobRow;

type ElementsState = {
  elements: ElementPublic[];
  images: AssetPublic[];
  imagesTotal: number;
  /** Every image of the project (stills, uploads, element references): what the reference pickers offer. */
  pickable: AssetPublic[];
  jobs: Record<string, ImageJob>;
  elementsOpen: boolean;
  imagesOpen: boolean;
};

export const useElements = create<ElementsState>(() => ({
  elements: [], images: [], imagesTotal: 0, pickable: [], jobs: {}, elementsOpen: false, imagesOpen: false,
}));

const pid = () => useStudio.getState().projectId;

export async function loadElements(): Promise<void> {
  const id = pid();
  if (!id) return useElements.setState({ elements: [] });
  try {
    const elements = await call(api.GET("/projects/{project_id}/elements", { params: { path: { project_id: id } } }));
    if (pid() === id) useElements.setState({ elements });
  } catch (e) {
    toast("error", `Could not load the elements: ${(e as Error).message}`);
  }
}

export const IMAGES_PAGE = 60;

/** The gallery's first page again (as many as are shown, so "Load more" is not undone), and the pickers' list. */
export async function loadImages(): Promise<void> {
  const id = pid();
  if (!id) return useElements.setState({ images: [], imagesTotal: 0, pickable: [] });
  const limit = Math.min(200, Math.max(IMAGES_PAGE, useElements.getState().images.length));
  try {
    const [page, all] = await Promise.all([
      call(api.GET("/projects/{project_id}/images", { params: { path: { project_id: id }, query: { limit } } })),
      call(api.GET("/projects/{project_id}/images", { params: { path: { project_id: id }, query: { limit: 200, include_uploads: true } } })),
    ]);
    if (pid() === id) useElements.setState({ images: page.items, imagesTotal: page.total, pickable: all.items });
  } catch (e) {
    toast("error", `Could not load the images: ${(e as Error).message}`);
  }
}

/** The gallery's next page (older stills). */
export async function loadMoreImages(): Promise<void> {
  const id = pid();
  if (!id) return;
  const have = useElements.getState().images;
  try {
    const page = await call(api.GET("/projects/{project_id}/images", { params: { path: { project_id: id }, query: { offset: have.length, limit: IMAGES_PAGE } } }));
    if (pid() !== id) return;
    const known = new Set(have.map((a) => a.id));
    useElements.setState((s) => ({ images: [...s.images, ...page.items.filter((a) => !known.has(a.id))], imagesTotal: page.total }));
  } catch (e) {
    toast("error", `Could not load more images: ${(e as Error).message}`);
  }
}

/** Upload reference images (kind "element": they belong to the element and go with it). */
export async function uploadReferences(files: File[]): Promise<AssetPublic[]> {
  const id = pid();
  const out: AssetPublic[] = [];
  for (const file of files) {
    const form = new FormData();
    form.append("file", file);
    form.append("project_id", id ?? "");
    form.append("kind", "element");
    const r = await fetch("/upload", { method: "POST", body: form });
    notifyUnauthorized(r.status);
    const body = await r.json().catch(() => ({}));
    if (!r.ok) {
      toast("error", `Upload of ${file.name} failed: ${body?.detail ?? `HTTP ${r.status}`}`, 8000);
      continue;
    }
    out.push(body as AssetPublic);
  }
  return out;
}

export type ElementDraft = { name: string; type: "character" | "location" | "object"; description: string; trigger_word: string };

export async function createElement(draft: ElementDraft, files: File[], picked: string[]): Promise<ElementPublic | null> {
  const id = pid();
  if (!id) return null;
  try {
    const uploaded = await uploadReferences(files);
    const el = await call(api.POST("/projects/{project_id}/elements", { params: { path: { project_id: id } }, body: {
      name: draft.name, type: draft.type, description: draft.description, trigger_word: draft.trigger_word.trim() || null,
      image_asset_ids: [...uploaded.map((a) => a.id), ...picked],
    } }));
    toast("ok", `${el.name} is ${el.trigger_word}`);
    await loadElements();
    return el;
  } catch (e) {
    toast("error", `Could not create the element: ${(e as Error).message}`, 8000);
    return null;
  }
}

export type ElementEdit = Partial<ElementDraft>;

/** Change an element's name, type, description or trigger. Returns null, or the server's refusal for the
 * form to show in place (a trigger another element has is a 409 with `field: "trigger_word"`). */
export async function updateElement(el: ElementPublic, edit: ElementEdit): Promise<{ field: string | null; message: string } | null> {
  try {
    const body = { ...edit, ...(edit.trigger_word !== undefined ? { trigger_word: edit.trigger_word.trim() || null } : {}) };
    await call(api.PATCH("/elements/{element_id}", { params: { path: { element_id: el.id } }, body }));
    await loadElements();
    return null;
  } catch (e) {
    const err = e as ApiError;
    const field = typeof (err.body as any)?.field === "string" ? (err.body as any).field : null;
    return { field, message: err.message };
  }
}

export async function setReferences(el: ElementPublic, assetIds: string[]): Promise<void> {
  try {
    await call(api.PATCH("/elements/{element_id}", { params: { path: { element_id: el.id } }, body: { image_asset_ids: assetIds } }));
    await loadElements();
  } catch (e) {
    toast("error", `Could not change ${el.name}'s images: ${(e as Error).message}`, 8000);
  }
}

export async function addReference(el: ElementPublic, asset: AssetPublic): Promise<void> {
  if (el.images.some((i) => i.asset_id === asset.id)) return;
  await setReferences(el, [...el.images.map((i) => i.asset_id), asset.id]);
  toast("ok", `The still is a reference of ${el.name} now`);
}

/** Deleting an element asks first: shots lose it, and images only it used are deleted from disk. */
export function requestDeleteElement(el: ElementPublic): void {
  const shots = Object.values(useStudio.getState().shots).filter((s) => (s.matched_elements ?? []).some((m) => m.element_id === el.id)).length;
  const lose = shots ? ` ${shots} shot${shots > 1 ? "s" : ""} will lose it.` : "";
  serverSet({ confirm: { text: `Delete ${el.name} (${el.trigger_word})?${lose} Reference images only it uses are deleted from disk; undo cannot bring them back.`,
    onYes: () => void deleteElement(el) } });
}

export async function deleteElement(el: ElementPublic): Promise<void> {
  try {
    const before = useStudio.getState().version;
    const r = await call(api.DELETE("/elements/{element_id}", { params: { path: { element_id: el.id }, query: { base_version: before || undefined } } }));
    // Shots lost it on the server: the document follows (their matched elements) and takes the new version.
    if (r.project_version) await adoptVersion(before, r.project_version);
    toast("ok", `Deleted ${el.name}${r.deleted_assets.length ? ` and ${r.deleted_assets.length} image(s) only it used` : ""}`);
    await loadElements();
    await refreshAssets();
  } catch (e) {
    toast("error", `Could not delete ${el.name}: ${(e as Error).message}`, 8000);
  }
}

/** Follow a job outside the shots in the jobs area (progress and Cancel): image studio, Visualize, concept art, AI parse. */
export function trackImageJob(jobId: string, label: string, engine: string, elementId?: string): void {
  useElements.setState((s) => ({ jobs: { ...s.jobs, [jobId]: { job_id: jobId, label, progress: 0, message: "Queued", status: "queued", engine, element_id: elementId } } }));
}

export async function visualize(el: ElementPublic): Promise<void> {
  try {
    const r = await call(api.POST("/elements/{element_id}/visualize", { params: { path: { element_id: el.id } }, body: {} }));
    trackImageJob(r.job_id, `Visualize ${el.name}`, r.engine, el.id);
  } catch (e) {
    toast("error", `Could not visualize ${el.name}: ${(e as Error).message}`, 8000);
  }
}

export async function generateImage(body: Omit<GenerateImage, "project_id">): Promise<boolean> {
  const id = pid();
  if (!id) return false;
  try {
    const r = await call(api.POST("/generate/image", { body: { ...body, project_id: id } }));
    trackImageJob(r.job_id, `Image: ${body.prompt.slice(0, 40)}`, r.engine);
    if (r.dropped?.length) toast("info", `${r.dropped.length} element image(s) left out: ${r.dropped[0].reason}`, 7000);
    return true;
  } catch (e) {
    toast("error", `Could not start the image: ${(e as Error).message}`, 8000);
    return false;
  }
}

export async function cancelImageJob(jobId: string): Promise<void> {
  try {
    await call(api.POST("/jobs/{job_id}/cancel", { params: { path: { job_id: jobId } } }));
  } catch (e) {
    toast("error", `Cancel failed: ${(e as Error).message}`);
  }
}

/** Server events for the jobs started here (the events store routes every event through this first). */
export function onImageEvent(type: string, data: Record<string, any>): void {
  const job = useElements.getState().jobs[data?.job_id];
  if (!job) return;
  if (type === "progress") {
    useElements.setState((s) => ({ jobs: { ...s.jobs, [job.job_id]: { ...job, status: "processing", progress: Math.max(job.progress, Number(data.progress ?? 0)), message: data.message ?? job.message } } }));
    return;
  }
  if (type !== "complete" && type !== "error" && type !== "cancelled") return;
  useElements.setState((s) => {
    const { [job.job_id]: _, ...rest } = s.jobs;
    return { jobs: rest };
  });
  if (type === "error") toast("error", `${job.label} failed: ${data.message ?? "unknown error"}`, 8000);
  if (type === "complete" && data.type !== "thumbnail" && data.type !== "ai_parse") { // those change cards, not the gallery
    void loadImages();
    if (data.type === "element_visual") void loadElements();
  }
}

/** A still as the selected shot's first frame (its conditioning image at frame 0). */
export function useAsFirstFrame(asset: AssetPublic): void {
  const s = useStudio.getState();
  if (!s.selectedId || !s.shots[s.selectedId]) {
    toast("info", "Select a clip first: the still becomes its first frame");
    return;
  }
  useAsFirstFrameOf(s.selectedId, asset);
}

/** The still conditions frame 0 of this shot (an ordinary, undoable edit; Generate uses it). */
export function useAsFirstFrameOf(shotId: string, asset: AssetPublic): void {
  if (!useStudio.getState().shots[shotId]) {
    toast("info", "That clip is no longer on the timeline");
    return;
  }
  addConditioning(shotId, { asset_id: asset.id, frame_index: 0, strength: 1, type: "image" } as TimelineItem);
  toast("ok", "The still is the shot's first frame");
}

/** A still as a clip on the timeline at the playhead (V1). */
export function placeStill(asset: AssetPublic): void {
  placeAssets([asset], 0, useStudio.getState().frame);
}
