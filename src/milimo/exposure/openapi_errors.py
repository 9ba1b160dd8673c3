"""The error responses in the OpenAPI schema, made true, in one post-processing step.

Every error this server sends has one shape, `{detail, code, errors?}` (app.py's handlers, the
guard and the body limit): `detail` a sentence for people, `code` a word for programs, `errors`
FastAPI's structured list on request validation, and sometimes more fields (a 409 carries
`current`). FastAPI's default documents 422 as `HTTPValidationError` and nothing else; the
generated web client and the schema fuzzer (tests/api/test_schema_fuzz.py) read what is here, so
the statuses each operation can answer are derived from what it takes, not hand-written per route.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel, ConfigDict, Field

from milimo.exposure.guard import PUBLIC_PATHS, SAFE_METHODS


class ErrorItem(BaseModel):
    loc: list[str | int]
    msg: str
    type: str


class ErrorBody(BaseModel):
    """Every 4xx/5xx body. Some carry more: `current` (409 on a stale save), `references` (409 on a used asset)."""

    model_config = ConfigDict(extra="allow")
    detail: str = Field(description="what went wrong and what to do, for people")
    code: str = Field(description="invalid, not_found, conflict, too_large, unsupported_media, unavailable, unauthorized, ...")
    errors: list[ErrorItem] | None = Field(None, description="request validation only: one item per problem")


DESCRIPTIONS = {
    400: "Bad request (the host name is not one this studio answers to, or the request cannot be used)",
    401: "The access token is missing or wrong (only when MILIMO_AUTH_TOKEN is set)",
    403: "A state-changing request from another site's page",
    404: "Something the request names does not exist",
    409: "Conflict: the change is based on an old project version, or the thing is in use",
    413: "The body (or an upload, or an image's pixel count) is over its limit",
    415: "The upload is not media the studio can decode (or not a cut file an editor wrote)",
    416: "The requested byte range is outside the file",
    422: "The request is well-formed but a value is invalid; `errors` lists each problem",
    429: "The segmentation service holds as many tracking sessions as it may; stop one first",
    501: "This needs SAM 3 (text prompts, detection): download it with `milimo models download sam3`",
    503: "The engine or service this needs is not available",
}
ENGINE_PREFIXES = ("/generate", "/engines", "/models", "/elements", "/storyboard", "/edit")
SERVICE_PREFIX = "/edit"  # the segmentation service: 501 (a text prompt without SAM 3), 429 (tracking sessions full)
MEDIA_MARK = "{path}"


def statuses(path: str, method: str, op: dict[str, Any]) -> set[int]:
    """The error statuses one operation can answer, from what it takes."""
    has_body = "requestBody" in op
    params = op.get("parameters", [])
    found = {400}
    if path not in PUBLIC_PATHS:
        found.add(401)
    if method.upper() not in SAFE_METHODS:
        found |= {403, 409}
    if has_body:
        found |= {404, 413, 422}
    if any(p.get("in") == "path" for p in params):
        found.add(404)
    if params:
        found.add(422)
    if "multipart/form-data" in op.get("requestBody", {}).get("content", {}):
        found.add(415)  # a file is judged by its content: not media, or not a cut an editor wrote
    if path.startswith(ENGINE_PREFIXES) or path.endswith("/render") or "/storyboard/" in path:
        found.add(503)
    if path.startswith(SERVICE_PREFIX):
        found |= {429, 501}
    if MEDIA_MARK in path:
        found.add(416)
    return found


def rewrite(schema: dict[str, Any]) -> dict[str, Any]:
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    body_schema = ErrorBody.model_json_schema(ref_template="#/components/schemas/{model}")
    components.update(body_schema.pop("$defs", {}))
    components["ErrorBody"] = body_schema
    ref = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}}
    for path, operations in schema.get("paths", {}).items():
        for method, op in operations.items():
            responses = op.setdefault("responses", {})
            codes = statuses(path, method, op) | {int(c) for c in responses if c.isdigit() and int(c) >= 400}
            for code in sorted(codes):
                entry = responses.setdefault(str(code), {})
                entry.setdefault("description", DESCRIPTIONS.get(code, "Error"))
                if entry.get("description") == "Validation Error":
                    entry["description"] = DESCRIPTIONS[422]
                entry["content"] = ref
            if MEDIA_MARK in path:
                responses.setdefault("206", {"description": "Partial content (a Range request)"})
                responses.setdefault("304", {"description": "Not modified (If-None-Match matched the ETag)"})
    for unused in ("HTTPValidationError", "ValidationError"):
        components.pop(unused, None)
    return schema


def install(app: FastAPI) -> None:
    original = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = rewrite(original())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
