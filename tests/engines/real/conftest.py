"""Session fixtures: the tiny models, built once, in a data dir laid out like a real install."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")

HAVE_TORCH_STACK = all(importlib.util.find_spec(m) is not None for m in ("torch", "diffusers", "transformers"))
needs_torch = pytest.mark.skipif(not HAVE_TORCH_STACK, reason="needs the [models] extra (torch, diffusers, transformers)")


@pytest.fixture(scope="session")
def tiny_models(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """{'models_dir', 'gemma3', 'ltx2', 'upsampler', 'flux2'}: tiny random weights under <data>/models/<id>/."""
    if not HAVE_TORCH_STACK:
        pytest.skip("needs the [models] extra (torch, diffusers, transformers)")
    import torch

    from .tiny import build_all

    torch.set_num_threads(max(1, min(4, os.cpu_count() or 1)))
    root = tmp_path_factory.mktemp("data")
    models_dir = root / "models"
    paths = build_all(models_dir, tmp_path_factory.mktemp("tokenizers"))
    return {"models_dir": models_dir, **paths}


@pytest.fixture(scope="session")
def ltx2_engine(tiny_models: dict[str, Path]):
    """The LTX-2 engine as engine selection builds it: from the model library, on the CPU."""
    from milimo.engines.ltx2 import LTX2Engine

    engine = LTX2Engine.from_library(tiny_models["models_dir"], device="cpu", max_sequence_length=64)
    assert engine is not None
    engine.load()
    yield engine
    engine.unload()


@pytest.fixture(scope="session")
def flux2_engine(tiny_models: dict[str, Path]):
    from milimo.engines.flux2 import Flux2KleinEngine

    engine = Flux2KleinEngine.from_library(tiny_models["models_dir"], device="cpu", max_sequence_length=64)
    assert engine is not None
    engine.load()
    yield engine
    engine.unload()


@pytest.fixture(scope="session")
def gemma_engine(tiny_models: dict[str, Path]):
    from milimo.engines.gemma import GemmaTextEngine

    engine = GemmaTextEngine.from_library(tiny_models["models_dir"], device="cpu", max_new_tokens=24)
    assert engine is not None
    engine.load()
    yield engine
    engine.unload()
