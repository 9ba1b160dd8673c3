"""A real cluster for these tests: a throwaway PostgreSQL (tests/db's fixture) and a local Ray cluster
of 2 CPUs and 2 logical GPUs, started here and shut down after."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.db.conftest import postgres_url  # noqa: F401  (the fixture, reused)


@pytest.fixture(scope="module")
def cluster_db(postgres_url: str) -> str:  # noqa: F811
    """A database of its own on the shared test server, so other tests' jobs are not in this queue."""
    import psycopg

    from milimo.jobs.channel import libpq_url

    with psycopg.connect(libpq_url(postgres_url), autocommit=True) as conn:
        conn.execute("DROP DATABASE IF EXISTS milimo_cluster")
        conn.execute("CREATE DATABASE milimo_cluster")
    return postgres_url.rsplit("/", 1)[0] + "/milimo_cluster"


@pytest.fixture(scope="module")
def ray_cluster() -> Iterator[str]:
    ray = pytest.importorskip("ray", reason="ray is not installed (make install-test installs the [ray] extra)")
    ray.init(num_cpus=2, num_gpus=2, include_dashboard=False, namespace="milimo", log_to_driver=False)
    try:
        yield ray.get_runtime_context().gcs_address
    finally:
        ray.shutdown()
