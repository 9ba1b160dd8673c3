"""AI parse (seed §6.1): strict reading of a model's reply, and the job with a fake Ollama server
over real HTTP returning valid, truncated and invalid JSON; the draft engine falls back and says why."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from fastapi.testclient import TestClient

from milimo.app import create_app
from milimo.config import Settings
from milimo.storyboard import Grid
from milimo.storyboard.ai_parse import NotAStoryboard, ai_parse, read_reply, validate
from milimo.storyboard.pieces import AI_PIECE_CHARS, script_pieces
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
    board = validate(read_reply(REPLIES["valid"])[0], Grid())
    assert [(s.kind, s.shot_type, s.character) for s in board.shots()] == [
        ("action", "wide", ""),
        ("dialogue", "close_up", "MARA"),
        ("action", "medium", ""),
    ]
    assert board.shots()[1].prompt.endswith('Mara says, "Not tonight."')
    assert all((s.num_frames - 1) % 8 == 0 for s in board.shots())
    cut = validate(read_reply(REPLIES["truncated"])[0], Grid())
    assert [s.action for s in cut.shots()] == ["Mara climbs the spiral stair, lantern high.", "Her face in the lamp light."]
    with pytest.raises(NotAStoryboard):
        read_reply(REPLIES["invalid"])
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


def long_script(scenes: int = 60, beats: int = 12) -> str:
    """A screenplay of `scenes` scenes of `beats` action paragraphs; scene 7's are long: it runs over two pieces."""
    out = []
    for n in range(1, scenes + 1):
        out.append(f"INT. ROOM {n} - DAY")
        for b in range(beats * (4 if n == 7 else 1)):
            long = " She waits, and the light moves over the water, slowly, all afternoon." * (4 if n == 7 else 0)
            out.append(f"Beat {n}.{b}: Mara crosses the room and looks out at the grey harbour for a while.{long}")
    return "\n\n".join(out) + "\n"


def reading_model(system: str, user: str) -> str:
    """Stands in for the text model: reads the part it is given the way the prompt asks."""
    text = user.split(":\n\n", 1)[1]
    continues = re.search(r'begins in the middle of the scene "([^"]+)"', user)
    scenes: list[dict] = [{"name": continues[1], "shots": []}] if continues else []
    for para in (p.strip() for p in text.split("\n\n")):
        if para.startswith("INT."):
            scenes.append({"name": para, "shots": []})
        elif para:
            scenes[-1]["shots"].append({"action": para, "dialogue": None, "character": None, "shot_type": "wide"})
    return json.dumps(scenes)


def test_a_long_script_is_cut_into_pieces_at_scene_headings_and_loses_nothing():
    script = long_script()
    pieces = script_pieces(script)
    assert len(script) > 5 * AI_PIECE_CHARS and len(pieces) >= 5
    assert all(len(p.text) <= AI_PIECE_CHARS for p in pieces)
    assert "".join("".join(p.text for p in pieces).split()) == "".join(script.split())  # only whitespace differs
    for p in pieces:  # a piece starts at a heading, or says which scene it continues
        assert p.text.startswith("INT. ROOM") or p.continues, p.text[:60]
    assert {p.continues for p in pieces if p.continues} == {"INT. ROOM 7 - DAY"}  # the one scene longer than a piece
    one = "x" * (3 * AI_PIECE_CHARS)  # no heading, no blank line, no space: still cut, still whole
    assert [len(p.text) for p in script_pieces(one)] == [AI_PIECE_CHARS] * 3


def test_a_long_script_is_read_in_parts_and_joined_scene_by_scene():
    script = long_script()
    asked: list[tuple[int, int]] = []
    board, mode, why = ai_parse(script, reading_model, Grid(), on_piece=lambda i, n: asked.append((i, n)))
    n = len(script_pieces(script))
    assert mode == "ai" and why == f"the text engine read the script in {n} parts" and not board.notes
    assert asked == [(i, n) for i in range(n)]
    assert [sc.heading for sc in board.scenes] == [f"INT. ROOM {k} - DAY" for k in range(1, 61)]
    assert [len(sc.shots) for sc in board.scenes] == [12] * 6 + [48] + [12] * 53  # scene 7 whole again
    assert board.scenes[6].shots[-1].action.startswith("Beat 7.47:")


def test_a_part_cut_off_mid_answer_is_kept_and_noted_a_bad_part_falls_back():
    script = long_script(30)

    def cut_third(system: str, user: str) -> str:
        reply = reading_model(system, user)
        return reply[: len(reply) // 2] if "part 3 of" in user else reply

    board, mode, _ = ai_parse(script, cut_third, Grid())
    assert mode == "ai" and len(board.notes) == 1 and "(part 3 of" in board.notes[0] and "cut off" in board.notes[0]
    assert 0 < len(board.shots()) < 30 * 12

    def refuse_second(system: str, user: str) -> str:
        return "I cannot help with that." if "part 2 of" in user else reading_model(system, user)

    board, mode, why = ai_parse(script, refuse_second, Grid())
    assert mode == "fallback" and "answer (part 2 of" in why and len(board.scenes) == 30  # the parser read it all


def test_a_long_final_draft_file_goes_to_its_parser():
    paras = "".join(
        f'<Paragraph Type="Scene Heading"><Text>INT. ROOM {n} - DAY</Text></Paragraph>'
        f'<Paragraph Type="Action"><Text>{"Mara waits by the window. " * 30}</Text></Paragraph>'
        for n in range(1, 40)
    )
    fdx = f'<?xml version="1.0" encoding="UTF-8"?><FinalDraft DocumentType="Script"><Content>{paras}</Content></FinalDraft>'
    board, mode, why = ai_parse(fdx, reading_model, Grid())
    assert mode == "fallback" and why.startswith("a Final Draft file longer than one model call") and len(board.scenes) == 39


def test_the_job_reads_a_long_script_in_parts(tmp_path, ollama):
    settings = Settings(
        data_dir=tmp_path / "data", log_level="warning", text_engine="ollama", ollama_url=ollama, ollama_model="valid"
    )
    script = long_script()
    parts = len(script_pieces(script))
    with TestClient(create_app(settings)) as client:
        pid = client.post("/projects", json={"name": "Feature"}).json()["id"]
        before = len(FakeOllama.prompts)
        r = client.post(f"/projects/{pid}/storyboard/ai-parse", json={"script_text": script})
        assert r.status_code == 200, r.text
        job = wait_job(client, r.json()["job_id"])
    assert job["status"] == "completed" and job["outputs"]["mode"] == "ai", job
    assert job["outputs"]["why"] == f"the text engine read the script in {parts} parts"
    asked = FakeOllama.prompts[before:]
    assert len(asked) == parts and all(f"of {parts} of a script" in a["prompt"] for a in asked)
    assert "INT. ROOM 60 - DAY" in asked[-1]["prompt"]
