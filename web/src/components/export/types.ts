// What every section of the Export dialog receives (a module of its own, so sections never import the dialog).
export type ExportSectionProps = { projectId: string };
