"""Editorial interchange: the cut for professional editors (OTIO, FCP XML, FCPXML, EDL, subtitles) and back (docs/editorial.md)."""
