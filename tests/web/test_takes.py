"""Takes in a real browser against a real server: an uploaded video dropped on V1 plays as the clip
at its real length; deleted and brought back by undo, it keeps its video on the server, through a
reload. "Use as take" from the library; the engines chip and the chained-generation hint."""

from __future__ import annotations

import base64
import io

import av
import httpx
import numpy as np
import pytest
from PIL import Image

from tests.state import state_shots
from tests.web.conftest import shot
from tests.web.test_sync_and_events import STATE, open_project

pytestmark = pytest.mark.browser


def mp4_bytes(tmp_path, frames: int, fps: int) -> bytes:
    """A small H.264 clip whose frames get brighter (so playback visibly moves)."""
    path = tmp_path / "upload.mp4"
    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = 160, 96, "yuv420p"
        for i in range(frames):
            frame = av.VideoFrame.from_ndarray(np.full((96, 160, 3), (i * 5) % 256, np.uint8), format="rgb24")
            out.mux(stream.encode(frame))
        out.mux(stream.encode())
    return path.read_bytes()


def drop_file(page, lane: str, name: str, mime: str, data: bytes, x: int = 40) -> None:
    """Drop a file from the desktop onto a lane (a real DataTransfer with a File in it)."""
    page.evaluate(
        """([lane, name, mime, b64, x]) => {
        const bytes = Uint8Array.from(atob(b64), c => c.charCodeAt(0));
        const dt = new DataTransfer();
        dt.items.add(new File([bytes], name, { type: mime }));
        const el = document.querySelector(`[data-testid=lane-${lane}]`);
        const r = el.getBoundingClientRect();
        for (const type of ['dragover', 'drop'])
            el.dispatchEvent(new DragEvent(type, { dataTransfer: dt, bubbles: true, cancelable: true, clientX: r.left + x, clientY: r.top + 10 }));
    }""",
        [lane, name, mime, base64.b64encode(data).decode(), x],
    )


def server_shots(base: str, pid: str) -> dict[str, dict]:
    return {s["id"]: s for s in state_shots(httpx.get(f"{base}/projects/{pid}").json())}


def wait_saved(page) -> None:
    page.wait_for_function(f"{STATE}.saveState === 'saved'", timeout=10_000)


def test_dropped_video_plays_as_the_clip_and_undo_of_its_delete_brings_the_video_back(page, studio_server, tmp_path):
    base = studio_server.url
    pid, _ = open_project(page, base, [])
    # 45 frames at 30 fps = 1.5 s: 36 frames of the 24 fps project.
    drop_file(page, "V1", "harbour.mp4", "video/mp4", mp4_bytes(tmp_path, frames=45, fps=30))
    page.wait_for_function(f"Object.values({STATE}.shots).some(s => s.media_asset_id)", timeout=20_000)
    [asset] = httpx.get(f"{base}/projects/{pid}/assets").json()
    assert (asset["media_type"], asset["num_frames"], asset["thumbnail_url"] is not None) == ("video", 45, True)
    sid = page.evaluate(f"Object.keys({STATE}.shots)[0]")
    doc = page.evaluate(f"{STATE}.shots['{sid}']")
    assert (doc["track_index"], doc["num_frames"], doc["media_asset_id"], doc["timeline"]) == (
        0,
        round(asset["duration_s"] * 24),
        asset["id"],
        [],
    )
    assert doc["num_frames"] == 36
    clip = page.locator(f"[data-testid=clip][data-shot='{sid}']")
    assert clip.get_attribute("data-length") == "36"
    page.wait_for_selector(f"[data-testid=clip][data-shot='{sid}'] .filmstrip")  # the poster frame
    assert page.locator(f"[data-testid=clip][data-shot='{sid}'] [data-testid=engine-badge]").count() == 0

    # It plays: the player's video is the upload and its clock runs with the playhead.
    page.get_by_test_id("play").click()
    page.wait_for_function(
        f"""(() => {{ const v = document.querySelector('video.media:not(.hidden)');
        return v && v.src.endsWith('{asset["url"]}') && v.readyState >= 2 && v.currentTime > 0.3; }})()""",
        timeout=10_000,
    )
    page.wait_for_function(f"!{STATE}.playing", timeout=10_000)
    assert page.evaluate(f"{STATE}.frame") == 36  # stopped at the clip's end: its real length
    shot(page, "take-upload-playing")

    # Saved as a shot that shows the upload.
    wait_saved(page)
    on_server = server_shots(base, pid)[sid]
    assert (on_server["media_asset_id"], on_server["video_url"], on_server["engine"], on_server["status"]) == (
        asset["id"],
        asset["url"],
        "upload",
        "completed",
    )

    # Delete it (no question: nothing is lost), let the delete reach the server, then undo.
    clip.click()
    page.keyboard.press("Delete")
    assert page.locator("[role=alertdialog]").count() == 0
    page.wait_for_function("document.querySelectorAll('[data-testid=clip]').length === 0")
    wait_saved(page)
    assert server_shots(base, pid) == {}
    page.keyboard.press("Control+z")
    page.wait_for_selector(f"[data-testid=clip][data-shot='{sid}']")
    assert page.evaluate(f"{STATE}.takes['{sid}'].video_url") == asset["url"]
    wait_saved(page)
    back = server_shots(base, pid)[sid]
    assert (back["video_url"], back["media_asset_id"], back["status"], back["num_frames"]) == (
        asset["url"],
        asset["id"],
        "completed",
        36,
    )

    # After a reload the clip is there with its video, and plays again.
    page.reload()
    page.wait_for_function(f"{STATE}.projectId === '{pid}' && Object.keys({STATE}.shots).length === 1")
    page.wait_for_selector(f"[data-testid=clip][data-shot='{sid}'][data-length='36']")
    assert page.evaluate(f"{STATE}.takes['{sid}'].video_url") == asset["url"]
    page.get_by_test_id("play").click()
    page.wait_for_function(
        f"""(() => {{ const v = document.querySelector('video.media:not(.hidden)');
        return v && v.src.endsWith('{asset["url"]}') && v.currentTime > 0.3; }})()""",
        timeout=10_000,
    )
    shot(page, "take-restored-after-reload")
    assert page.errors == []  # type: ignore[attr-defined]


def test_use_as_take_engines_chip_and_chain_hint(page, studio_server):
    base = studio_server.url
    pid, _ = open_project(page, base, [{"id": "a", "prompt": "the lamp room", "num_frames": 25, "enhance_prompt": False}])
    # The header says which engines run: all drafts here (the test server configures them), with the reason on hover.
    chip = page.get_by_test_id("engines")
    assert chip.get_attribute("data-draft") == "true"
    assert "video: draft on cpu — configured: draft" in chip.get_attribute("title")
    assert page.locator("[data-testid=engines] [data-capability=video]").get_attribute("data-engine") == "draft"

    # The chip opens the model library; its Workers section says where jobs run: this server's one in-process worker.
    chip.click()
    workers = page.get_by_test_id("workers")
    workers.locator("[data-testid=worker][data-worker=in-process]").wait_for()
    assert workers.get_attribute("data-executor") == "local" and "In this server" in workers.inner_text()
    assert workers.get_by_test_id("worker").count() == 1
    assert workers.get_by_test_id("worker-where").inner_text() == "device auto"  # MILIMO_DEVICE, as configured
    assert workers.get_by_test_id("worker-active").inner_text() == "idle"
    assert workers.get_by_test_id("worker-loaded").inner_text() == "nothing loaded"  # draft engines hold no weights
    shot(page, "model-library-workers")
    page.keyboard.press("Escape")
    page.get_by_test_id("model-library").wait_for(state="detached")

    # Over the native maximum the inspector says how the shot will be chained (exact length kept).
    page.locator("[data-testid=clip][data-shot=a]").click()
    page.get_by_label("Frames").fill("1000")
    page.get_by_label("Frames").press("Enter")
    hint = page.get_by_test_id("chain-hint").inner_text()
    assert (
        "505 frames the video engine (draft) makes in one pass" in hint
        and "3 chained chunks, keeping exactly 1000 frames" in hint
    )
    page.get_by_label("Frames").fill("25")
    page.get_by_label("Frames").press("Enter")

    # Use an uploaded still as the selected clip's take; undo goes back to no take.
    buf = io.BytesIO()
    Image.new("RGB", (320, 192), (200, 120, 40)).save(buf, "PNG")
    page.get_by_test_id("upload-input").set_input_files(
        files=[{"name": "poster.png", "mimeType": "image/png", "buffer": buf.getvalue()}]
    )
    page.wait_for_selector("[data-testid=asset]")
    page.locator("[data-testid=asset]").first.hover()
    page.get_by_test_id("use-as-take").click()
    page.wait_for_function(f"{STATE}.takes.a.engine === 'upload' && {STATE}.shots.a.num_frames === 25")
    page.wait_for_selector(".stage img.media")
    wait_saved(page)
    assert server_shots(base, pid)["a"]["video_url"].endswith("_poster.png")
    page.keyboard.press("Control+z")
    page.wait_for_function(f"{STATE}.takes.a.video_url === null && {STATE}.shots.a.media_asset_id === null")
    wait_saved(page)
    assert server_shots(base, pid)["a"].get("video_url") is None
    assert page.errors == []  # type: ignore[attr-defined]
