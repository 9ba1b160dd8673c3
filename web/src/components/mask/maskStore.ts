// Which still the Mask editor has open (null = closed). Its own small slice: the editor's working
// state (clicks, the mask being edited) stays inside the component and never enters undo history.
import { create } from "zustand";
import type { AssetPublic } from "../../api/types";

type MaskEditorState = { asset: AssetPublic | null; open: (a: AssetPublic) => void; close: () => void };

export const useMaskEditor = create<MaskEditorState>((set) => ({
  asset: null,
  open: (asset) => set({ asset }),
  close: () => set({ asset: null }),
}));
