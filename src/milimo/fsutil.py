"""File-system helpers: atomic writes so the database never points at a half-written file."""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator
from pathlib import Path


def temp_sibling(final: Path) -> Path:
    """A hidden temporary name in the same folder (same file system, so os.replace is atomic)."""
    return final.with_name(f".{final.stem}.{uuid.uuid4().hex[:8]}.part{final.suffix}")


@contextlib.contextmanager
def atomic_path(final: Path) -> Iterator[Path]:
    """Yield a temporary path; on success rename it to `final`, on any exception delete it.

    Writers (encoders, JPEG saves, uploads) write to the yielded path. A crash mid-write
    leaves only a dot-file ending in .part, which readers and media routes never serve.
    """
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = temp_sibling(final)
    try:
        yield tmp
        os.replace(tmp, final)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise


def remove_quietly(*paths: Path | None) -> None:
    for p in paths:
        if p is not None:
            with contextlib.suppress(FileNotFoundError, IsADirectoryError):
                p.unlink()
