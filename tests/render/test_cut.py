"""load_cut: a saved project read back as the player lays it out, and rendered from there."""

from __future__ import annotations

import pytest

from milimo.errors import Invalid, NotFound
from milimo.render import RenderOptions, load_cut, render_cut
from tests.render.clips import codes, draft_clip, tone


def upload(client, pid, path, content_type):
    r = client.post(
        "/upload", data={"project_id": pid, "kind": "general"}, files={"file": (path.name, path.read_bytes(), content_type)}
    )
    assert r.status_code == 201, r.text
    return r.json()


@pytest.fixture
def saved(client, project, tmp_path):
    pid = project["id"]
    r = client.put(f"/projects/{pid}/save", json={"base_version": 1, "project": {"resolution_w": 256, "resolution_h": 144}})
    assert r.status_code == 200, r.text
    a = upload(client, pid, draft_clip(tmp_path / "a.mp4", 30, code0=700), "video/mp4")
    b = upload(client, pid, draft_clip(tmp_path / "b.mp4", 20, code0=800), "video/mp4")
    music = upload(client, pid, tone(tmp_path / "music.wav", 2.0, 440), "audio/wav")
    shots = [
        # V1 rows all say start_frame 0 (the reference's bug was to believe them): b is later in order.
        {
            "id": "s-b",
            "scene_id": "sc-2",
            "index": 0,
            "track_index": 0,
            "start_frame": 0,
            "num_frames": 20,
            "media_asset_id": b["id"],
            "prompt": "Rain on the window",
            "seed": 7,
            "dialogue": "Who's there?",
        },
        {
            "id": "s-a",
            "scene_id": "sc-1",
            "index": 1,
            "track_index": 0,
            "start_frame": 0,
            "num_frames": 30,
            "trim_in": 4,
            "trim_out": 2,
            "media_asset_id": a["id"],
        },
        {"id": "s-v2", "scene_id": "sc-1", "index": 2, "track_index": 1, "start_frame": 30, "num_frames": 10},
        {
            "id": "s-m",
            "scene_id": "sc-1",
            "index": 3,
            "track_index": 2,
            "start_frame": 6,
            "num_frames": 24,
            "media_asset_id": music["id"],
        },
    ]
    scenes = [{"id": "sc-1", "index": 0, "name": "Pier"}, {"id": "sc-2", "index": 1, "name": "House"}]
    r = client.put(f"/projects/{pid}/save", json={"base_version": 2, "shots": shots, "scenes": scenes})
    assert r.status_code == 200, r.text
    return pid


def test_load_cut_places_clips_as_the_player_does(client, settings, saved):
    db = client.app.state.studio.db
    cut = load_cut(db, settings, saved, muted=["A1"])
    v1, v2, a1 = cut.tracks
    # V1 is packed in (start_frame, index, id) order: s-b (index 0) before s-a (index 1).
    assert [(c.shot_id, c.start_frame, c.length) for c in v1.clips] == [("s-b", 0, 20), ("s-a", 20, 24)]
    assert [(c.shot_id, c.start_frame, c.length, c.media) for c in v2.clips] == [("s-v2", 30, 10, None)]
    assert [(c.shot_id, c.start_frame, c.media.kind) for c in a1.clips] == [("s-m", 6, "audio")]
    assert (cut.duration_frames, cut.width, cut.height, cut.fps) == (44, 256, 144, 24)
    assert a1.muted and not v1.muted and not cut.audible(a1) and cut.audible(v1)
    b = v1.clips[0]
    assert (b.name, b.prompt, b.seed, b.dialogue) == ("Sc 2 · Sh 1", "Rain on the window", 7, "Who's there?")
    assert (b.media.kind, b.media.num_frames, b.media.fps, b.media.has_audio) == ("video", 20, 24, True)
    assert b.media.path.is_file() and b.media.rel_path.startswith("assets/uploads/")
    assert v1.clips[1].name == "Sc 1 · Sh 2"
    assert any("s-v2" in w for w in cut.warnings)  # no take yet: said, and V1 shows through

    result = render_cut(cut, settings.project_dir(saved) / "renders" / "cut.mp4", options=RenderOptions())
    assert codes(result.path) == list(range(800, 820)) + list(range(704, 728))


def test_load_cut_refuses_unknown_projects_and_tracks(client, settings, saved):
    db = client.app.state.studio.db
    with pytest.raises(NotFound):
        load_cut(db, settings, "no-such-project")
    with pytest.raises(Invalid, match="V3"):
        load_cut(db, settings, saved, solo=["V3"])
