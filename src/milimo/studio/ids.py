"""Identifiers: random hex ids, and the pattern every id from a client must match."""

from __future__ import annotations

import re
import uuid

ID_PATTERN = r"^[A-Za-z0-9_-]{1,64}$"
_ID_RE = re.compile(ID_PATTERN)


def new_id(prefix: str = "") -> str:
    return f"{prefix}{uuid.uuid4().hex}"


def is_valid_id(value: str) -> bool:
    """Ids end up in folder names and URLs: letters, digits, '_' and '-' only."""
    return bool(_ID_RE.match(value))
