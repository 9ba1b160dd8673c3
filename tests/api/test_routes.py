"""The route table: no route shadows another (the public implementation lost three routes that way)."""

from __future__ import annotations

import re

from fastapi.routing import APIRoute


def _sample(path: str) -> str:
    path = re.sub(r"\{[^}]+:path\}", "a/b.mp4", path)
    return re.sub(r"\{[^}]+\}", "sample", path)


def test_no_route_shadows_another(client):
    routes = [r for r in client.app.routes if isinstance(r, APIRoute)]
    for i, route in enumerate(routes):
        sample = _sample(route.path)
        for earlier in routes[:i]:
            if earlier.methods & route.methods and earlier.path_regex.match(sample):
                raise AssertionError(f"{route.path} {sorted(route.methods)} is shadowed by {earlier.path}")


def test_every_route_has_a_summary_and_a_tag(client):
    for route in client.app.routes:
        if isinstance(route, APIRoute) and route.include_in_schema:
            assert route.tags, route.path
            assert route.description or route.summary, route.path
