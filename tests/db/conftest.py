"""A real PostgreSQL server for the tests that need one, started in a temporary folder (bench/_postgres.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bench._postgres import postgres, server_binaries


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    try:
        import psycopg  # noqa: F401
    except ImportError:
        pytest.skip("psycopg is not installed (make install-test installs the [postgres] extra)")
    if server_binaries() is None:
        pytest.skip("PostgreSQL server binaries are not installed (.ci/run installs Debian's postgresql)")
    with postgres(prefix="milimo-pg-") as url:
        yield url
