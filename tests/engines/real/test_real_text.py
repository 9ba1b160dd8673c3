"""Prompt enhancement: the reply reader, Gemma on a tiny random model, Ollama against a real HTTP server."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from PIL import Image

from milimo.engines.ollama import OllamaTextEngine, validate_base_url
from milimo.engines.prompts import length_tier, parse_enhancement, read_enhancement, video_system_prompt
from milimo.engines.protocols import EngineUnavailable, TextEngine
from tests.state import state_shots

from .conftest import needs_torch

pytestmark = pytest.mark.models

ORIGINAL = "robot dances"


# --------------------------------------------------------------------------- the reply reader


@pytest.mark.parametrize(
    "reply, prompt, ref",
    [
        ('{"enhanced_prompt": "A robot is dancing.", "is_reference_only": false}', "A robot is dancing.", False),
        ('```json\n{"enhanced_prompt": "A robot is dancing.", "is_reference_only": true}\n```', "A robot is dancing.", True),
        (
            'Sure! Here it is:\n{"enhanced_prompt": "A robot {spins}.", "is_reference_only": "true"} Hope it helps.',
            "A robot {spins}.",
            True,
        ),
        ('{"note": 1} then {"enhanced_prompt": "Two   dogs\nplay.", "is_reference_only": 0}', "Two dogs play.", False),
        ('{"enhanced_prompt": "A robot is dancing in the rain, its arms', "A robot is dancing in the rain, its arms", False),
        ('{"is_reference_only": true, "enhanced_prompt": "A sheet \\"turnaround\\" view', 'A sheet "turnaround" view', True),
    ],
)
def test_reader_survives_fences_prose_and_truncation(reply, prompt, ref):
    parsed = parse_enhancement(reply)
    assert parsed is not None and parsed[0] == prompt and parsed[1] is ref


@pytest.mark.parametrize("reply", ["", "I cannot help with that.", '{"enhanced_prompt": ""}', "[1, 2, 3]", '{"foo": "bar"}'])
def test_reader_keeps_the_original_when_there_is_no_prompt(reply):
    e = read_enhancement(reply, ORIGINAL, has_image=False, source="Model")
    assert e.prompt == ORIGINAL and not e.is_reference_only and "original prompt" in e.note


def test_reference_only_needs_an_image_and_truncation_is_noted():
    e = read_enhancement('{"enhanced_prompt": "x", "is_reference_only": true}', ORIGINAL, has_image=False, source="M")
    assert e.prompt == "x" and e.is_reference_only is False and e.note == ""
    t = read_enhancement('{"enhanced_prompt": "a long', ORIGINAL, has_image=True, source="M")
    assert t.prompt == "a long" and "cut off" in t.note


def test_system_prompts_carry_the_length_tier_and_the_reference_rule():
    assert "2 to 3" in length_tier(5) and "3 to 5" in length_tier(10) and "4 to 8" in length_tier(20)
    with_image = video_system_prompt(8.0, has_image=True)
    assert "is_reference_only is true ONLY" in with_image and "3 to 5" in with_image
    assert "is_reference_only" in video_system_prompt(4.0) and "enhanced_prompt" in video_system_prompt(4.0)


# --------------------------------------------------------------------------- Gemma (tiny random model)


@needs_torch
def test_gemma_enhance_parses_or_falls_back_with_a_note(gemma_engine):
    assert isinstance(gemma_engine, TextEngine)
    for image in (None, Image.new("RGB", (40, 30), "red")):
        e = gemma_engine.enhance(ORIGINAL, mode="video", image=image, duration_s=5.0, seed=1)
        # a random model writes noise: the reader must keep the original and say why
        assert (e.prompt == ORIGINAL and e.note) or (e.prompt and e.prompt != ORIGINAL)
    assert gemma_engine.describe()["vision"] is True


@needs_torch
def test_gemma_chat_is_seeded(gemma_engine):
    a = gemma_engine.chat("You analyse screenplays.", "INT. KITCHEN - NIGHT", max_new_tokens=8, seed=4)
    b = gemma_engine.chat("You analyse screenplays.", "INT. KITCHEN - NIGHT", max_new_tokens=8, seed=4)
    assert isinstance(a, str) and a == b


@needs_torch
def test_gemma_without_weights_keeps_the_prompt(tmp_path):
    from milimo.engines.gemma import GemmaTextEngine

    engine = GemmaTextEngine(tmp_path / "missing", device="cpu")
    e = engine.enhance(ORIGINAL, mode="image")
    assert e.prompt == ORIGINAL and "skipped" in e.note
    with pytest.raises(EngineUnavailable):
        engine.chat("s", "u")


# --------------------------------------------------------------------------- Ollama (real HTTP server)


class FakeOllama(BaseHTTPRequestHandler):
    """Speaks the two Ollama endpoints the engine uses; the model name picks the behaviour."""

    requests: list[dict] = []

    def log_message(self, *args) -> None:  # keep test output clean
        pass

    def _send(self, status: int, body: dict | str) -> None:
        data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        if self.path != "/api/tags":
            return self._send(404, {"error": "not found"})
        self._send(
            200,
            {
                "models": [
                    {"name": "llama3.1:latest", "size": 4_920_000_000, "details": {"family": "llama", "families": ["llama"]}},
                    {
                        "name": "llava:latest",
                        "size": 4_700_000_000,
                        "details": {"family": "llama", "families": ["llama", "clip"]},
                    },
                ]
            },
        )

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        FakeOllama.requests.append(body)
        model = body.get("model", "")
        if self.path != "/api/generate":
            return self._send(404, {"error": "not found"})
        if model.startswith("missing"):
            return self._send(404, {"error": f"model '{model}' not found"})
        if model.startswith("slow"):
            time.sleep(1.5)
        if model.startswith("prose"):
            reply = "Here is a nicer prompt: a robot dancing."
        elif "images" in body:
            reply = json.dumps({"enhanced_prompt": "The character from the sheet dances.", "is_reference_only": True})
        else:
            reply = json.dumps({"enhanced_prompt": "A chrome robot is dancing in warm rain.", "is_reference_only": False})
        self._send(200, {"model": model, "response": reply, "done": True, "done_reason": "stop"})


class QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address) -> None:  # the timeout test hangs up on purpose
        pass


@pytest.fixture(scope="module")
def ollama_url() -> Iterator[str]:
    server = QuietServer(("127.0.0.1", 0), FakeOllama)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_ollama_enhances_with_format_json_and_options(ollama_url):
    engine = OllamaTextEngine(ollama_url, "llama3.1", keep_alive="5m")
    e = engine.enhance(ORIGINAL, mode="video", duration_s=4.0, seed=9)
    assert e.prompt == "A chrome robot is dancing in warm rain." and e.note == "" and not e.is_reference_only
    sent = FakeOllama.requests[-1]
    assert sent["format"] == "json" and sent["stream"] is False and sent["keep_alive"] == "5m"
    assert sent["options"]["seed"] == 9 and "2 to 3 sentences" in sent["system"] and ORIGINAL in sent["prompt"]
    assert "images" not in sent


def test_ollama_lists_models_and_sends_images_only_to_vision_models(ollama_url):
    models = {m.name: m for m in OllamaTextEngine(ollama_url).list_models()}
    assert models["llava:latest"].vision and not models["llama3.1:latest"].vision
    assert models["llama3.1:latest"].size == 4_920_000_000
    sheet = Image.new("RGB", (1200, 600), "white")
    e = OllamaTextEngine(ollama_url, "llava").enhance(ORIGINAL, mode="video", image=sheet)
    assert (
        e.is_reference_only
        and FakeOllama.requests[-1]["images"]
        and "is_reference_only is true ONLY" in FakeOllama.requests[-1]["system"]
    )
    text_only = OllamaTextEngine(ollama_url, "llama3.1").enhance(ORIGINAL, mode="video", image=sheet)
    assert "images" not in FakeOllama.requests[-1] and not text_only.is_reference_only and "text only" in text_only.note


def test_ollama_malformed_reply_keeps_the_prompt(ollama_url):
    e = OllamaTextEngine(ollama_url, "prose-model").enhance(ORIGINAL, mode="image")
    assert e.prompt == ORIGINAL and "JSON" in e.note


def test_ollama_timeout_keeps_the_prompt(ollama_url):
    start = time.monotonic()
    e = OllamaTextEngine(ollama_url, "slow-model", timeout_s=0.3).enhance(ORIGINAL, mode="video")
    assert e.prompt == ORIGINAL and "in time" in e.note and time.monotonic() - start < 1.4


def test_ollama_missing_model_and_server_down_keep_the_prompt(ollama_url):
    e = OllamaTextEngine(ollama_url, "missing-model").enhance(ORIGINAL, mode="video")
    assert e.prompt == ORIGINAL and "ollama pull" in e.note
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        dead = s.getsockname()[1]
    down = OllamaTextEngine(f"http://127.0.0.1:{dead}", "llama3.1", connect_timeout_s=0.5)
    e = down.enhance(ORIGINAL, mode="video")
    assert e.prompt == ORIGINAL and "not reachable" in e.note
    with pytest.raises(EngineUnavailable):
        down.chat("system", "user")
    with pytest.raises(EngineUnavailable):
        down.list_models()


def test_ollama_from_settings_needs_the_model_pulled(ollama_url):
    from milimo.config import Settings

    ready = OllamaTextEngine.from_library(None, settings=Settings(ollama_url=ollama_url, ollama_model="llava"))
    assert ready is not None and ready.model == "llava" and ready.base_url == ollama_url
    assert OllamaTextEngine.from_library(None, settings=Settings(ollama_url=ollama_url, ollama_model="mistral")) is None
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        dead = s.getsockname()[1]
    assert OllamaTextEngine.from_library(None, settings=Settings(ollama_url=f"http://127.0.0.1:{dead}")) is None


def test_ollama_chat_returns_the_response_text(ollama_url):
    text = OllamaTextEngine(ollama_url, "llama3.1").chat("You analyse screenplays.", "INT. KITCHEN - NIGHT", max_new_tokens=64)
    assert "robot" in text and FakeOllama.requests[-1]["options"]["num_predict"] == 64


@pytest.mark.parametrize(
    "url, remote, ok",
    [
        ("http://127.0.0.1:11434", False, True),
        ("http://localhost:11434/", False, True),
        ("https://[::1]:8080", False, True),
        ("http://10.0.0.5:11434", False, False),
        ("http://ollama.example.com", False, False),
        ("http://10.0.0.5:11434", True, True),
        ("ftp://127.0.0.1", False, False),
        ("file:///etc/passwd", False, False),
        ("http://user:pw@127.0.0.1:1", False, False),
        ("http://127.0.0.1:11434/api?x=1", False, False),
        ("127.0.0.1:11434", False, False),
    ],
)
def test_ollama_base_url_is_validated(url, remote, ok):
    if ok:
        assert validate_base_url(url, allow_remote=remote).startswith("http")
    else:
        with pytest.raises(ValueError):
            validate_base_url(url, allow_remote=remote)


@needs_torch
def test_ai_parse_job_runs_the_tiny_gemma_and_falls_back_when_its_answer_is_not_a_storyboard(tiny_models):
    """The storyboard's AI parse (seed §6.1) through the studio with the Gemma the model library holds:
    the job records Gemma, the model really answers (a random model writes noise), and the parser's
    storyboard comes back with the reason, nothing written to the project."""
    from fastapi.testclient import TestClient

    from milimo.app import create_app
    from milimo.config import Settings
    from tests.storyboard.test_ai_parse import SCRIPT
    from tests.storyboard.test_api import wait_job

    settings = Settings(data_dir=tiny_models["models_dir"].parent, device="cpu", log_level="warning", text_engine="gemma3")
    with TestClient(create_app(settings)) as client:
        pid = client.post("/projects", json={"name": "AI Gemma"}).json()["id"]
        r = client.post(f"/projects/{pid}/storyboard/ai-parse", json={"script_text": SCRIPT})
        assert r.status_code == 200, r.text
        assert r.json()["engine"].startswith("gemma")
        job = wait_job(client, r.json()["job_id"])
        assert job["status"] == "completed", job
        assert state_shots(client.get(f"/projects/{pid}").json()) == []
    result = job["outputs"]["storyboard"]
    assert job["engine"].startswith("gemma")
    if result["ai_mode"] == "fallback":
        assert "not a valid storyboard" in result["why"], result["why"]  # the model ran and was read strictly
        assert result["mode"] == "fountain" and len(result["scenes"][0]["shots"]) == 2
    else:  # a random model that happens to write a valid storyboard is read like any other
        assert result["scenes"] and all(s["num_frames"] % 8 == 1 for sc in result["scenes"] for s in sc["shots"])
