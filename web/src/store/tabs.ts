// Word between the tabs of this browser: a tab that saved a project says so, and the others
// showing it read it again (session.ts). Kept apart so sync.ts can announce without importing
// the session, which imports sync.
const CHANNEL = "milimo.projects";
const TAB = Math.random().toString(36).slice(2);

export type SavedNote = { projectId: string; version: number; tab: string };
const channel: BroadcastChannel | null = typeof BroadcastChannel !== "undefined" ? new BroadcastChannel(CHANNEL) : null;

/** Tell the other tabs that this project is at `version` now. */
export function announceSave(projectId: string, version: number): void {
  channel?.postMessage({ projectId, version, tab: TAB } satisfies SavedNote);
}

/** Listen for other tabs' saves; returns the unsubscribe. */
export function onOtherTabSave(listener: (note: SavedNote) => void): () => void {
  if (!channel) return () => undefined;
  const handler = (e: MessageEvent<SavedNote>) => {
    if (e.data && e.data.tab !== TAB) listener(e.data);
  };
  channel.addEventListener("message", handler);
  return () => channel.removeEventListener("message", handler);
}
