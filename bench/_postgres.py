"""A throwaway PostgreSQL from Debian's server binaries, for the benchmarks and tests/db."""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path


def _pg_bin(name: str) -> str | None:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return found[-1] if found else shutil.which(name)


def _as_postgres(cmd: list[str]) -> list[str]:
    # PostgreSQL refuses to run as root; CI runs as root.
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


def server_binaries() -> tuple[str, str] | None:
    """(initdb, pg_ctl) of the newest installed server; None when there is none."""
    initdb, pg_ctl = _pg_bin("initdb"), _pg_bin("pg_ctl")
    return (initdb, pg_ctl) if initdb and pg_ctl else None


@contextlib.contextmanager
def postgres(prefix: str = "milimo-bench-pg-") -> Iterator[str]:
    """A server in a new temporary folder named `prefix`…; yields its URL, then stops it and removes the folder."""
    binaries = server_binaries()
    if binaries is None:
        raise SystemExit("PostgreSQL server binaries are not installed (apt-get install postgresql)")
    initdb, pg_ctl = binaries
    root = Path(tempfile.mkdtemp(prefix=prefix))
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    data = root / "data"
    subprocess.run(
        _as_postgres([initdb, "-D", str(data), "-A", "trust", "-U", "milimo", "--no-sync"]), check=True, capture_output=True
    )
    subprocess.run(
        _as_postgres(
            [
                pg_ctl,
                "-D",
                str(data),
                "-w",
                "-l",
                str(root / "log"),
                "-o",
                f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off",
                "start",
            ]
        ),
        check=True,
        capture_output=True,
    )
    try:
        yield f"postgresql+psycopg://milimo@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(_as_postgres([pg_ctl, "-D", str(data), "-m", "immediate", "stop"]), capture_output=True)
        shutil.rmtree(root, ignore_errors=True)
