"""Run the public implementation's server (reference-system.md) with its ML imports stubbed.

    python -m bench.reference_stub BACKEND_DIR PORT

BACKEND_DIR is a scratch copy of `backend/` from a local checkout of its repository (see
bench/reference.py: its code is never committed here). Only the imports that need weights or a
GPU are replaced (torch and the model libraries); FastAPI, SQLModel, SQLite, its routes and its
media serving are its own code on the same server stack as ours (uvicorn, Starlette, FastAPI).
Nothing that needs inference is reachable from the benchmarks that use it.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import importlib.util
import os
import sys
import types

# Top-level packages that need weights, a GPU or compiled ML code. Anything under them is a stub.
ML_PACKAGES = {
    "torch",
    "torchvision",
    "torchaudio",
    "ltx_core",
    "ltx_pipelines",
    "flux2",
    "einops",
    "diffusers",
    "transformers",
    "safetensors",
    "accelerate",
    "sentencepiece",
    "skimage",
    "decord",
    "pycocotools",
    "sam3",
    "fire",
    "cv2",
}


class _StubType(type):
    """Classes made from attribute access: subclassable (class Net(nn.Module)), usable in annotations."""

    def __getattr__(cls, name: str):
        if name.startswith("__"):
            raise AttributeError(name)
        return _StubType(name, (Stub,), {})

    def __getitem__(cls, item):
        return cls

    def __or__(cls, other):
        return cls

    __ror__ = __or__


class Stub(metaclass=_StubType):
    """Any value a stubbed module hands out: callable, falsy (no CUDA), every attribute another stub."""

    def __init__(self, *args, **kwargs) -> None:
        pass

    def __call__(self, *args, **kwargs):
        if len(args) == 1 and callable(args[0]) and not kwargs:
            return args[0]  # used as a decorator (@torch.no_grad()): keep the function
        return Stub()

    def __getattr__(self, name: str):
        if name.startswith("__"):
            raise AttributeError(name)
        return Stub()

    def __bool__(self) -> bool:
        return False

    def __iter__(self):
        return iter(())

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> bool:
        return False


class _StubModule(types.ModuleType):
    def __getattr__(self, name: str):
        if name.startswith("__"):
            raise AttributeError(name)
        return _StubType(name, (Stub,), {})


class _StubFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def find_spec(self, fullname, path=None, target=None):
        if fullname.split(".")[0] in ML_PACKAGES:
            return importlib.machinery.ModuleSpec(fullname, self, is_package=True)
        return None

    def create_module(self, spec):
        module = _StubModule(spec.name)
        module.__path__ = []
        module.__version__ = "0.0-stub"
        return module

    def exec_module(self, module) -> None:
        pass


def install() -> None:
    sys.meta_path.insert(0, _StubFinder())
    if importlib.util.find_spec("sse_starlette") is None:
        # Its SSE library, when not installed: a minimal stand-in (no benchmark measures its SSE).
        from starlette.responses import StreamingResponse

        async def _frames(gen):
            async for item in gen:
                if "comment" in item:
                    yield f": {item['comment']}\n\n"
                else:
                    yield f"event: {item.get('event', 'message')}\ndata: {item.get('data', '')}\n\n"

        class EventSourceResponse(StreamingResponse):
            def __init__(self, gen, **kwargs):
                super().__init__(_frames(gen), media_type="text/event-stream", **kwargs)

        pkg = types.ModuleType("sse_starlette")
        pkg.__path__ = []
        sse = types.ModuleType("sse_starlette.sse")
        sse.EventSourceResponse = EventSourceResponse
        pkg.sse, pkg.EventSourceResponse = sse, EventSourceResponse
        sys.modules["sse_starlette"], sys.modules["sse_starlette.sse"] = pkg, sse


def _naive_datetimes_as_utc() -> None:
    """It was written against sqlmodel 0.0.24, which stored naive datetimes; the sqlmodel we run
    (0.0.50) refuses them. In its process only, a naive datetime is taken as UTC, as 0.0.24 did."""
    from datetime import UTC

    from sqlmodel.sql import sqltypes

    bind = sqltypes.UTCDateTime.process_bind_param

    def process_bind_param(self, value, dialect):
        if value is not None and value.utcoffset() is None:
            value = value.replace(tzinfo=UTC)
        return bind(self, value, dialect)

    sqltypes.UTCDateTime.process_bind_param = process_bind_param


def main(backend: str, port: int) -> None:
    install()
    _naive_datetimes_as_utc()
    os.chdir(backend)
    sys.path.insert(0, backend)
    import logging

    import uvicorn

    server = importlib.import_module("server")
    logging.disable(logging.INFO)  # its per-request logging is not what is measured (ours runs at warning)
    uvicorn.run(server.app, host="127.0.0.1", port=port, log_level="warning")


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
