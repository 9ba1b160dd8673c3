"""The Hugging Face access token for gated models, kept in the data dir and never handed back.

Gated models (Gemma, for one) download only with a token the user made on the hub. The browser
sends it once; it lives in `<data dir>/hf_token` with mode 0600 (readable by the studio's user
only), and the API answers only whether one is stored. Downloads read it from here.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from milimo.errors import Invalid

FILE_NAME = "hf_token"
# Hub tokens are printable ASCII without spaces ("hf_" + letters and digits today); the bound
# keeps a pasted paragraph or a file's content from being stored as one.
_TOKEN = re.compile(r"^[\x21-\x7e]{8,256}$")


def token_path(data_dir: Path) -> Path:
    return data_dir / FILE_NAME


def read_token(data_dir: Path) -> str | None:
    """The stored token, or None when there is none (or it cannot be read)."""
    try:
        value = token_path(data_dir).read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        return None
    return value or None


def has_token(data_dir: Path) -> bool:
    return read_token(data_dir) is not None


def store_token(data_dir: Path, token: str) -> None:
    """Write the token with mode 0600 from the first byte (no window where others could read it)."""
    value = token.strip()
    if not _TOKEN.fullmatch(value):
        raise Invalid("that does not look like a Hugging Face token (8 to 256 printable characters, no spaces)")
    data_dir.mkdir(parents=True, exist_ok=True)
    path = token_path(data_dir)
    tmp = path.with_name(f".{FILE_NAME}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="ascii") as f:
            f.write(value)
        os.chmod(tmp, 0o600)  # O_CREAT's mode is masked by the umask; an existing file keeps its mode
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def forget_token(data_dir: Path) -> bool:
    """Remove the stored token; False when there was none."""
    try:
        token_path(data_dir).unlink()
    except FileNotFoundError:
        return False
    return True
