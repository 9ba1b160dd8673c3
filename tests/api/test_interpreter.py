"""The running app's collector and GIL settings (app.py: _interpreter_tuned), and their undoing."""

from __future__ import annotations

import gc
import sys

from fastapi.testclient import TestClient

from milimo.app import FULL_COLLECTION_AFTER, SWITCH_INTERVAL_S, create_app


def test_the_running_app_bounds_gil_waits_and_full_collections_then_restores_them(settings):
    before = (sys.getswitchinterval(), gc.get_threshold(), gc.get_freeze_count())
    with TestClient(create_app(settings)):
        assert sys.getswitchinterval() == SWITCH_INTERVAL_S
        assert gc.get_threshold()[2] == FULL_COLLECTION_AFTER and gc.get_freeze_count() > 0
    assert (sys.getswitchinterval(), gc.get_threshold(), gc.get_freeze_count()) == before
