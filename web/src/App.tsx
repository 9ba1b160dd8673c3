import { useEffect } from "react";
import { Header } from "./components/Header";
import { MediaLibrary } from "./components/MediaLibrary";
import { Viewer } from "./components/Viewer";
import { Inspector } from "./components/Inspector";
import { Timeline } from "./components/Timeline";
import { ProjectManager } from "./components/ProjectManager";
import { HelpOverlay } from "./components/HelpOverlay";
import { Toasts } from "./components/Toasts";
import { ConfirmDialog } from "./components/ConfirmDialog";
import { Login } from "./components/Login";
import { ModelLibrary } from "./components/ModelLibrary";
import { TakesCompare } from "./components/TakesCompare";
import { ElementsPanel } from "./components/ElementsPanel";
import { ImagesView } from "./components/ImagesView";
import { loadElements, useElements } from "./store/elements";
import { startSession } from "./store/session";
import { startTakeHistorySync } from "./store/takeHistory";
import { loadModels } from "./store/models";
import { MaskEditor } from "./components/mask/MaskEditor";
import { StoryboardView } from "./components/storyboard/StoryboardView";
import { useStoryboard } from "./store/storyboard";
import { useStudio } from "./store/store";
import { hydrate } from "./store/project";
import { startAutosave } from "./store/sync";
import { connectEvents } from "./store/jobs";
import { startTakeSync } from "./store/takes";
import { loadEngines } from "./store/engines";
import { onKeyDown } from "./store/commands";
import { playback } from "./playback/playback";

export function App() {
  const hasProject = useStudio((s) => s.projectId !== null);
  const projectId = useStudio((s) => s.projectId);
  useEffect(() => void loadElements(), [projectId]); // triggers for every prompt field's "@"
  const storyboard = useStoryboard((s) => s.open);
  useEffect(() => {
    const stopAutosave = startAutosave();
    const stopTakeSync = startTakeSync();
    const stopTakeHistory = startTakeHistorySync();
    const stopSession = startSession();
    const disconnect = connectEvents();
    playback.start();
    void hydrate();
    void loadEngines();
    void loadModels();
    window.addEventListener("keydown", onKeyDown);
    // Tests and the benchmark drive the app through this handle.
    (window as any).__milimo = { store: useStudio, playback, storyboard: useStoryboard, elements: useElements };
    return () => {
      stopAutosave();
      stopTakeSync();
      stopTakeHistory();
      stopSession();
      disconnect();
      playback.stop();
      window.removeEventListener("keydown", onKeyDown);
    };
  }, []);
  return (
    <div className="app">
      <Header />
      {hasProject && storyboard ? (
        <StoryboardView />
      ) : hasProject ? (
        <main className="workspace">
          <MediaLibrary />
          <Viewer />
          <Inspector />
          <Timeline />
        </main>
      ) : (
        <main className="empty-workspace">
          <p>Open or create a project to start.</p>
        </main>
      )}
      <ProjectManager />
      <ModelLibrary />
      <TakesCompare />
      <ElementsPanel />
      <ImagesView />
      <HelpOverlay />
      <MaskEditor />
      <ConfirmDialog />
      <Toasts />
      <Login />
    </div>
  );
}
