"""The ModelManager with real (tiny) engines: one family resident, conflicts unloaded, users waited for."""

from __future__ import annotations

import threading
import time

import pytest

from milimo.engines.draft import DraftVideoEngine
from milimo.engines.manager import ModelManager

pytestmark = pytest.mark.models


@pytest.fixture
def engines(tiny_models):
    from milimo.engines.flux2 import Flux2KleinEngine
    from milimo.engines.ltx2 import LTX2Engine

    ltx = LTX2Engine.from_library(tiny_models["models_dir"], device="cpu", max_sequence_length=64)
    flux = Flux2KleinEngine.from_library(tiny_models["models_dir"], device="cpu", max_sequence_length=64)
    yield ltx, flux
    ltx.unload()
    flux.unload()


def test_loading_one_family_unloads_the_other_and_keeps_itself_warm(engines):
    ltx, flux = engines
    manager = ModelManager()
    statuses = []
    with manager.use(ltx, on_status=statuses.append):
        assert ltx.describe()["loaded"]
    assert ltx.describe()["loaded"] and manager.status()["loaded"] == ["ltx2"]  # kept warm
    with manager.use(ltx):
        pass
    assert statuses == ["Loading models..."]  # the second use did not reload
    with manager.use(flux, on_status=statuses.append):
        assert flux.describe()["loaded"] and not ltx.describe()["loaded"]
    assert statuses[-2:] == ["Unloading ltx2...", "Loading models..."]
    assert manager.status()["loaded"] == ["flux2"]
    manager.unload_all()
    assert not flux.describe()["loaded"] and manager.status()["loaded"] == []


def test_a_family_in_use_is_never_unloaded_under_its_job(engines):
    ltx, flux = engines
    manager = ModelManager()
    order = []
    release = threading.Event()

    def video_job():
        with manager.use(ltx):
            order.append("video started")
            release.wait(10)
            assert ltx.describe()["loaded"]
            order.append("video done")

    t = threading.Thread(target=video_job)
    t.start()
    while not order:
        time.sleep(0.01)

    def image_job():
        with manager.use(flux):
            order.append("image started")

    t2 = threading.Thread(target=image_job)
    t2.start()
    time.sleep(0.3)
    assert order == ["video started"]  # the image job waits for the device
    release.set()
    t.join(10)
    t2.join(30)
    assert order == ["video started", "video done", "image started"]


def test_cpu_engines_never_wait_for_the_device(engines):
    ltx, _ = engines
    manager = ModelManager()
    with manager.use(ltx):
        with manager.use(DraftVideoEngine()) as draft:  # would deadlock if drafts queued for the device
            assert draft.name == "draft"
