"""The web app's API client is generated from the server's OpenAPI schema; this fails when the
committed copy (web/src/api/openapi.json) no longer matches the app. Fix: `make web-api`."""

from __future__ import annotations

import json
from pathlib import Path

from milimo.app import create_app

SCHEMA = Path(__file__).resolve().parents[2] / "web" / "src" / "api" / "openapi.json"


def test_committed_openapi_schema_matches_the_app():
    committed = json.loads(SCHEMA.read_text())
    current = json.loads(json.dumps(create_app().openapi()))
    assert committed == current, (
        "web/src/api/openapi.json is out of date with the API: run `make web-api` (regenerates it and "
        "web/src/api/schema.ts) and commit both"
    )
