// Which still the Mask editor has open (null = closed), and the tracked mask laid over the player.
// Small slices of their own: the editor's working state (clicks, the mask being edited) stays inside
// the component and never enters undo history.
import { create } from "zustand";
import type { AssetPublic } from "../../api/types";
import { maskUrls, type Manifest } from "../../lib/tracking";

/** The editor was opened on a frame of a clip: which shot, which video asset, which of its frames. */
export type ClipFrame = { shotId: string; video: AssetPublic; frame: number };

type MaskEditorState = {
  asset: AssetPublic | null;
  clip: ClipFrame | null;
  open: (a: AssetPublic, clip?: ClipFrame) => void;
  close: () => void;
};

export const useMaskEditor = create<MaskEditorState>((set) => ({
  asset: null,
  clip: null,
  open: (asset, clip) => set({ asset, clip: clip ?? null }),
  close: () => set({ asset: null, clip: null }),
}));

/** A mask sequence shown over the player: its asset and media frame → mask PNG URL. */
export type TrackedMask = { sequence: AssetPublic; clipAssetId: string | null; masks: Map<number, string> };

type TrackOverlayState = { shown: TrackedMask | null; hide: () => void };

export const useTrackOverlay = create<TrackOverlayState>((set) => ({
  shown: null,
  hide: () => set({ shown: null }),
}));

/** Read the sequence's manifest and lay it over the clip it was tracked on. */
export async function showTrackedMask(sequence: AssetPublic): Promise<void> {
  const r = await fetch(sequence.url);
  if (!r.ok) throw new Error(`the mask sequence could not be read (HTTP ${r.status})`);
  const manifest = (await r.json()) as Manifest;
  const clipAssetId = (sequence.meta?.source_asset_id as string | undefined) ?? null;
  useTrackOverlay.setState({ shown: { sequence, clipAssetId, masks: maskUrls(sequence.url, manifest) } });
}
