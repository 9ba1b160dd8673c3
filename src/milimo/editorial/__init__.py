"""Editorial interchange: the cut for professional editors (OTIO, FCP XML, FCPXML, AAF, EDL, subtitles) and back (docs/editorial.md)."""
