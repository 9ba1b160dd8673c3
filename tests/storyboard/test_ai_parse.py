"""AI parse (seed §6.1): strict reading of a model's reply, and the job with a fake Ollama server
over real HTTP returning valid, truncated and invalid JSON; the draft engine falls back and says why."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from fastapi.testclient import TestClient

from milimo.app import create_app
from milimo.config import Settings
from milimo.storyboard import Grid
from milimo.storyboard.ai_parse import NotAStoryboard, _repair, ai_parse, validate
from tests.state import state_shots
from tests.storyboard.test_api import wait_job

SCRIPT = "\nINT. LIGHTHOUSE - NIGHT\n\nMara climbs the stair.\n\nMARA\nNot tonight.\n"
STORYBOARD = [
    {
        "name": "INT. LIGHTHOUSE - NIGHT",
        "shots": [
            {"action": "Mara climbs the spiral stair, lantern high.", "dialogue": None, "character": None, "shot_type": "Wide"},
            {"action": "Her face in the lamp light.", "dialogue": "Not tonight.", "character": "MARA", "shot_type": "close-up"},
            {"action": "The lamp flickers.", "dialogue": None, "character": None, "shot_type": "dutch angle"},
        ],
    }
]
VALID = json.dumps(STORYBOARD)
REPLIES = {
    "valid": "```json\n" + VALID + "\n```",
    "truncated": "Here you go: " + VALID[: VALID.index('{"action": "The lamp') + 25],
    "invalid": "I would storyboard this as a moody night scene.",
}


def test_the_reply_is_read_leniently_and_validated_strictly():
    board = validate(_repair(REPLIES["valid"]), Grid())
    assert [(s.kind, s.shot_type, s.character) for s in board.shots()] == [
        ("action", "wide", ""),
        ("dialogue", "close_up", "MARA"),
        ("action", "medium", ""),
    ]
    assert board.shots()[1].prompt.endswith('Mara says, "Not tonight."')
    assert all((s.num_frames - 1) % 8 == 0 for s in board.shots())
    cut = validate(_repair(REPLIES["truncated"]), Grid())
    assert [s.action for s in cut.shots()] == ["Mara climbs the spiral stair, lantern high.", "Her face in the lamp light."]
    with pytest.raises(NotAStoryboard):
        _repair(REPLIES["invalid"])
    with pytest.raises(NotAStoryboard):
        validate([{"name": "x", "shots": [{"action": ""}]}], Grid())
    big = validate([{"name": f"S{i}", "shots": [{"action": "a" * 10_000}]} for i in range(300)], Grid())
    assert len(big.scenes) == 200 and len(big.scenes[0].shots[0].action) == 4_000 and big.notes


def test_no_model_or_a_bad_answer_falls_back_to_the_parser_and_says_why():
    board, mode, why = ai_parse(SCRIPT, None, Grid())
    assert (mode, board.mode) == ("fallback", "fountain") and why.startswith("no text model is loaded")
    board, mode, why = ai_parse(SCRIPT, lambda s, u: REPLIES["invalid"], Grid())
    assert mode == "fallback" and "not a valid storyboard" in why and len(board.shots()) == 2


class FakeOllama(BaseHTTPRequestHandler):
    """/api/tags lists one model per behaviour; /api/generate answers with the canned reply for it."""

    prompts: list[dict] = []

    def log_message(self, *args) -> None:
        pass

    def _send(self, body: dict) -> None:
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        self._send(
            {
                "models": [
                    {"name": f"{k}:latest", "size": 1, "details": {"family": "llama", "families": ["llama"]}} for k in REPLIES
                ]
            }
        )

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        FakeOllama.prompts.append(body)
        self._send({"model": body["model"], "response": REPLIES[body["model"].split(":")[0]], "done": True})


@pytest.fixture(scope="module")
def ollama() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeOllama)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def run_ai_parse(client) -> dict:
    pid = client.post("/projects", json={"name": "AI"}).json()["id"]
    r = client.post(f"/projects/{pid}/storyboard/ai-parse", json={"script_text": SCRIPT})
    assert r.status_code == 200, r.text
    job = wait_job(client, r.json()["job_id"])
    assert job["status"] == "completed", job
    assert state_shots(client.get(f"/projects/{pid}").json()) == []  # nothing written
    return job


@pytest.mark.parametrize("model, mode, shots", [("valid", "ai", 3), ("truncated", "ai", 2), ("invalid", "fallback", 2)])
def test_ai_parse_job_with_ollama(tmp_path, ollama, model, mode, shots):
    settings = Settings(
        data_dir=tmp_path / "data", log_level="warning", text_engine="ollama", ollama_url=ollama, ollama_model=model
    )
    with TestClient(create_app(settings)) as client:
        job = run_ai_parse(client)
    result = job["outputs"]["storyboard"]
    assert (result["ai_mode"], job["outputs"]["mode"], job["engine"]) == (mode, mode, "ollama")
    assert sum(len(sc["shots"]) for sc in result["scenes"]) == shots
    assert result["grid"]["frame_step"] == 8
    assert FakeOllama.prompts[-1]["system"].startswith("You are a film storyboard artist")
    assert "Break this into a storyboard" in FakeOllama.prompts[-1]["prompt"]


def test_ai_parse_with_the_draft_engine_falls_back_and_says_so(client):
    job = run_ai_parse(client)
    result = job["outputs"]["storyboard"]
    assert result["ai_mode"] == "fallback" and result["why"].startswith("no text model is loaded")
    assert result["mode"] == "fountain" and len(result["scenes"][0]["shots"]) == 2


def test_ai_parse_bad_input(client, project):
    url = f"/projects/{project['id']}/storyboard/ai-parse"
    assert client.post(url, json={"script_text": ""}).status_code == 422
    assert client.post(url, json={"script_text": "\x00\x01\x02" * 100}).status_code == 422
