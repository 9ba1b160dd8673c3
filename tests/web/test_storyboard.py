"""The Storyboard view in a real browser against a real server: paste a script, parse, edit a card,
commit, and see the scenes and shots in the project and the clips on V1 in story order; a stale
commit says so and reloads."""

from __future__ import annotations

import time

import httpx
import pytest

from tests.state import state_shots
from tests.storyboard.conftest import fixture_text
from tests.web.conftest import shot
from tests.web.test_sync_and_events import STATE, open_project

pytestmark = pytest.mark.browser

SB = "window.__milimo.storyboard.getState()"


def v1_order(base: str, pid: str) -> list[dict]:
    shots = [s for s in state_shots(httpx.get(f"{base}/projects/{pid}").json()) if s["track_index"] == 0]
    return sorted(shots, key=lambda s: (s["start_frame"], s["index"], s["id"]))


def test_paste_parse_edit_commit_puts_the_shots_on_v1_in_story_order(page, studio_server):
    base = studio_server.url
    pid, _ = open_project(page, base, [], name="Night Shift")
    page.get_by_test_id("view-storyboard").click()
    page.wait_for_selector("[data-testid=storyboard]")
    page.get_by_test_id("storyboard-script").fill(fixture_text("three_scenes.fountain"))
    page.get_by_test_id("storyboard-parse").click()
    page.wait_for_function(f"{SB}.scenes.length === 4 && {SB}.busy === null")
    assert "fountain" in page.get_by_test_id("storyboard-parse-note").inner_text()
    assert page.locator("[data-testid=scene-card]").count() == 4
    assert page.locator("[data-testid=shot-card]").count() == 16
    assert page.locator("[data-testid=scene-heading]").nth(1).input_value() == "INT. LIGHTHOUSE - NIGHT"
    shot(page, "storyboard-parsed")

    # Edit a card, rename a scene, delete a shot, add one; nothing is stored until Commit.
    lighthouse = page.locator("[data-testid=scene-card]").nth(1)
    lighthouse.locator("[data-testid=shot-action]").nth(2).fill("Thunder rattles the glass. The lamp gutters.")
    page.locator("[data-testid=scene-heading]").nth(2).fill("EXT. CLIFF TOP - DAWN")
    page.locator("[data-testid=scene-card]").nth(3).locator("[data-testid=shot-delete]").nth(1).click()  # the centered THE END
    page.locator("[data-testid=scene-card]").nth(0).get_by_test_id("scene-add-shot").click()
    page.locator("[data-testid=scene-card]").nth(0).locator("[data-testid=shot-action]").nth(1).fill(
        "Gulls wheel over the point."
    )
    assert state_shots(httpx.get(f"{base}/projects/{pid}").json()) == []
    page.get_by_test_id("storyboard-commit").click()
    page.wait_for_function(f"!{SB}.dirty && {SB}.busy === null && Object.keys({STATE}.shots).length === 16", timeout=15_000)
    shot(page, "storyboard-committed")

    board = httpx.get(f"{base}/projects/{pid}/storyboard").json()
    assert [sc["heading"] for sc in board["scenes"]] == [
        "",
        "INT. LIGHTHOUSE - NIGHT",
        "EXT. CLIFF TOP - DAWN",
        "FLASHBACK - THE HARBOUR",
    ]
    story = [s for sc in board["scenes"] for s in sc["shots"]]
    assert len(story) == 16
    assert board["scenes"][0]["shots"][1]["action"] == "Gulls wheel over the point."
    assert board["scenes"][1]["shots"][2]["action"] == "Thunder rattles the glass. The lamp gutters."
    assert "THE END" not in [s["action"].strip("<>") for s in story]
    assert httpx.get(f"{base}/projects/{pid}").json()["script_text"].startswith("Title: The Night Shift")
    # Clips on V1 in story order, packed, as the timeline shows them.
    timeline = v1_order(base, pid)
    assert [s["id"] for s in timeline] == [s["id"] for s in story]
    cursor = 0
    for s in timeline:
        assert s["start_frame"] == cursor
        cursor += s["num_frames"]

    page.get_by_test_id("view-timeline").click()
    page.wait_for_selector("[data-testid=clip]")
    # The store's V1 (what the timeline lays out) is the story order; the clips drawn are its start.
    doc = page.evaluate(
        f"Object.values({STATE}.shots).filter(s => s.track_index === 0).sort((a, b) => a.start_frame - b.start_frame).map(s => s.id)"
    )
    assert doc == [s["id"] for s in story]
    drawn = page.evaluate("""() => [...document.querySelectorAll('[data-testid=lane-V1] [data-testid=clip]')]
        .map(c => [c.dataset.shot, c.getBoundingClientRect().left]).sort((a, b) => a[1] - b[1]).map(c => c[0])""")
    assert len(drawn) >= 3 and drawn == [s["id"] for s in story][: len(drawn)]
    shot(page, "storyboard-timeline-v1")
    assert page.errors == []


def test_a_stale_commit_says_so_and_reloads(page, studio_server):
    base = studio_server.url
    pid, _ = open_project(page, base, [], name="Stale")
    page.get_by_test_id("view-storyboard").click()
    page.get_by_test_id("storyboard-script").fill("A harbour at dawn.\n\nGulls on the quay.")
    page.get_by_test_id("storyboard-parse").click()
    page.wait_for_function(f"{SB}.scenes.length === 1 && {SB}.busy === null")
    # Someone else changes the project in the meantime.
    p = httpx.get(f"{base}/projects/{pid}").json()
    httpx.put(f"{base}/projects/{pid}/save", json={"base_version": p["version"], "project": {"name": "Stale (renamed)"}})
    page.get_by_test_id("storyboard-commit").click()
    page.wait_for_selector("[data-testid=storyboard-error]")
    assert "409" in page.get_by_test_id("storyboard-error").inner_text()
    page.wait_for_function(
        "[...document.querySelectorAll('[data-testid=toast]')].some(t => t.textContent.includes('changed since'))"
    )
    page.wait_for_function(f"{SB}.busy === null && {SB}.baseVersion === {p['version'] + 1}")
    assert state_shots(httpx.get(f"{base}/projects/{pid}").json()) == []
    shot(page, "storyboard-stale-409")


def test_concept_art_appears_on_the_cards_and_generate_continues_from_the_shot_before(page, studio_server):
    base = studio_server.url
    pid, _ = open_project(page, base, [], name="Cliff")
    page.get_by_test_id("view-storyboard").click()
    page.get_by_test_id("storyboard-script").fill(
        "\nEXT. CLIFF PATH - DAWN\n\nTom runs along the edge.\n\nGulls scatter from the rocks.\n"
    )
    page.get_by_test_id("storyboard-parse").click()
    page.wait_for_function(f"{SB}.scenes.length === 1 && {SB}.busy === null")
    page.get_by_test_id("storyboard-commit").click()
    page.wait_for_function(f"!{SB}.dirty && {SB}.busy === null && {SB}.scenes[0].shots.every(s => s.id)", timeout=15_000)

    cards = page.locator("[data-testid=shot-card]")
    first, second = (cards.nth(i).get_attribute("data-shot") for i in range(2))
    # One card's concept art, queued behind a long shot: a row in the jobs area with its progress and Cancel.
    other = httpx.post(f"{base}/projects", json={"name": "Elsewhere"}).json()["id"]  # the one slot is shared by every project
    blocker = httpx.post(
        f"{base}/generate/advanced",
        json={
            "project_id": other,
            "shot_config": {"prompt": "a long plain shot", "num_frames": 241, "width": 768, "height": 512},
        },
    ).json()
    cards.nth(0).get_by_test_id("shot-concept-art").click()
    page.get_by_test_id("jobs-button").click()
    row = page.locator("[data-testid=job-row]", has_text="Concept art · Sc 1 · Sh 1")
    row.wait_for(timeout=10_000)
    shot(page, "storyboard-concept-art-queued")
    row.get_by_role("button", name="Cancel Concept art · Sc 1 · Sh 1").click()
    row.wait_for(state="detached", timeout=10_000)
    art_jobs = [j for j in httpx.get(f"{base}/projects/{pid}/jobs").json() if j["type"] == "thumbnail"]
    assert [(j["shot_id"], j["status"]) for j in art_jobs] == [(first, "cancelled")]
    page.get_by_test_id("jobs-button").click()
    # Once the slot is free: the card's concept art, badged as the draft image engine's.
    assert httpx.post(f"{base}/jobs/{blocker['job_id']}/cancel").status_code == 200
    deadline = time.monotonic() + 60
    while httpx.get(f"{base}/status/{blocker['job_id']}").json()["status"] not in ("cancelled", "completed"):
        assert time.monotonic() < deadline
        time.sleep(0.2)
    cards.nth(0).get_by_test_id("shot-concept-art").click()
    page.wait_for_function("document.querySelectorAll('[data-testid=shot-thumbnail]').length === 1", timeout=60_000)
    cards.nth(0).get_by_test_id("shot-art-draft").wait_for(timeout=10_000)
    # The scene's concept art: only the shot without any is drawn.
    page.get_by_test_id("scene-concept-art").click()
    page.wait_for_function("document.querySelectorAll('[data-testid=shot-thumbnail]').length === 2", timeout=60_000)
    page.wait_for_function(
        "[...document.querySelectorAll('[data-testid=toast]')].some(t => t.textContent.includes('1 queued, 1 already drawn'))"
    )
    shots = state_shots(httpx.get(f"{base}/projects/{pid}").json())
    assert len(shots) == 2 and all(
        "/generated/thumb_" in s["thumbnail_url"] and s.get("video_url") is None and s["status"] == "pending" for s in shots
    )
    shot(page, "storyboard-concept-art")

    cards.nth(0).get_by_test_id("shot-generate").click()  # one shot on its own
    page.wait_for_function(f"{STATE}.takes['{first}']?.video_url", timeout=90_000)
    page.get_by_test_id("scene-generate").click()  # then the whole scene, in order
    page.wait_for_function(
        f"{STATE}.takes['{second}']?.video_url && {STATE}.takes['{second}'].last_job_id !== ''"
        f" && Object.values({STATE}.jobs).every(j => j.status === 'completed')",
        timeout=120_000,
    )
    assert page.locator("[data-testid=shot-take]").count() == 2
    batch = [j for j in httpx.get(f"{base}/projects/{pid}/jobs").json() if j["type"] == "storyboard_shot"]
    assert sorted(j["shot_id"] for j in batch) == sorted([first, second]) and all(j["status"] == "completed" for j in batch)
    timeline = v1_order(base, pid)
    assert [s["id"] for s in timeline] == [first, second] and all(s["video_url"] for s in timeline)
    shot(page, "storyboard-generated")

    # Elements added after the commit: Match elements puts them on the cards as chips.
    tom = httpx.post(
        f"{base}/projects/{pid}/elements", json={"name": "Tom", "description": "a fisherman in a yellow coat"}
    ).json()
    page.get_by_test_id("storyboard-match").click()
    page.wait_for_function(
        "[...document.querySelectorAll('[data-testid=toast]')].some(t => t.textContent.includes('Elements matched'))"
    )
    chips = cards.nth(0).locator("[data-testid=element-chip]")
    chips.first.wait_for(timeout=10_000)
    assert chips.first.get_attribute("data-element") == tom["id"] and chips.first.inner_text() == "@Tom"
    assert cards.nth(1).locator("[data-testid=element-chip]").count() == 0  # the gulls shot names no one
    stored = httpx.get(f"{base}/projects/{pid}/storyboard").json()["scenes"][0]["shots"]
    assert [[m["element_id"] for m in s["matched_elements"]] for s in stored] == [[tom["id"]], []]
    # A card's Action offers the elements on "@", like every prompt field.
    action = cards.nth(1).get_by_test_id("shot-action")
    action.click()
    action.press("End")
    action.type(" @To")
    page.get_by_test_id("trigger-option").first.click()
    page.wait_for_function(f"{SB}.scenes[0].shots[1].action.includes('@Tom')")
    assert cards.nth(1).locator("[data-testid=element-chip]").count() == 1
    shot(page, "storyboard-elements-matched")
    assert page.errors == []


def test_ai_parse_says_which_mode_ran(page, studio_server):
    base = studio_server.url
    open_project(page, base, [], name="AI")
    page.get_by_test_id("view-storyboard").click()
    page.get_by_test_id("storyboard-script").fill("\nINT. LIGHTHOUSE - NIGHT\n\nMara climbs.\n\nMARA\nNot tonight.\n")
    page.get_by_test_id("storyboard-ai-parse").click()
    page.wait_for_function(f"{SB}.scenes.length === 1 && {SB}.busy === null", timeout=30_000)
    note = page.get_by_test_id("storyboard-parse-note").inner_text()
    assert note.startswith("Parser fallback (draft): no text model is loaded")
    assert page.locator("[data-testid=shot-card]").count() == 2


DUAL_AND_CUT = """
INT. HARBOUR - NIGHT

Rain hammers the quay.

TOM
Did you hear that?

MARA ^
I heard it.

CUT TO:

EXT. CLIFF - DAWN

Gulls wheel over the point.
"""


def test_the_scripts_transitions_and_dual_dialogue_stay_on_the_cards_and_come_back_in_the_export(page, studio_server):
    base = studio_server.url
    pid, _ = open_project(page, base, [], name="Cut")
    page.get_by_test_id("view-storyboard").click()
    page.get_by_test_id("storyboard-script").fill(DUAL_AND_CUT)
    page.get_by_test_id("storyboard-parse").click()
    page.wait_for_function(f"{SB}.scenes.length === 2 && {SB}.busy === null")
    page.get_by_test_id("storyboard-commit").click()
    page.wait_for_function(
        f"!{SB}.dirty && {SB}.busy === null && {SB}.scenes.every(sc => sc.shots.every(s => s.id))", timeout=15_000
    )

    cards = page.locator("[data-testid=shot-card]")
    assert cards.count() == 4
    mara = cards.nth(2)
    assert mara.get_by_test_id("shot-character").input_value() == "MARA"
    assert mara.get_by_test_id("shot-transition").input_value() == "CUT TO:"
    # The dual mark is offered where it can be (a line right after a line) and set where the script set it.
    assert page.locator("[data-testid=shot-dual]").count() == 1 and mara.get_by_test_id("shot-dual").is_visible()
    assert mara.get_by_test_id("shot-dual").get_attribute("aria-pressed") == "true"
    assert cards.nth(1).get_by_test_id("shot-dual").count() == 0  # TOM speaks first: nothing to overlap
    assert [cards.nth(i).get_by_test_id("shot-transition").input_value() for i in (0, 1, 3)] == ["", "", ""]
    # Printed as a screenplay prints it: under the shot, on the card's right.
    field, card = mara.get_by_test_id("shot-transition").bounding_box(), mara.bounding_box()
    assert field and card and field["x"] + field["width"] > card["x"] + card["width"] * 0.9
    assert page.evaluate("getComputedStyle(document.querySelectorAll('[data-testid=shot-transition]')[2]).textAlign") == "right"
    shot(page, "storyboard-transitions")
    mara_id = mara.get_attribute("data-shot")
    stored = httpx.get(f"{base}/projects/{pid}/storyboard").json()["scenes"][0]["shots"][2]
    assert (stored["id"], stored["transition"], stored["dual_dialogue"]) == (mara_id, "CUT TO:", True)

    # Edit the cut: a transition alone is an update of the same shot; so is the dual mark, off and on again.
    mara.get_by_test_id("shot-dual").click()
    assert mara.get_by_test_id("shot-dual").get_attribute("aria-pressed") == "false"
    page.get_by_test_id("storyboard-commit").click()
    page.wait_for_function(f"!{SB}.dirty && {SB}.busy === null", timeout=15_000)
    stored = httpx.get(f"{base}/projects/{pid}/storyboard").json()["scenes"][0]["shots"][2]
    assert (stored["id"], stored["dual_dialogue"]) == (mara_id, False)
    mara = page.locator("[data-testid=shot-card]").nth(2)
    mara.get_by_test_id("shot-dual").click()
    mara.get_by_test_id("shot-transition").fill("SMASH CUT TO:")
    cards.nth(0).get_by_test_id("shot-transition").fill("DISSOLVE TO:")
    page.wait_for_function(f"{SB}.dirty")
    page.get_by_test_id("storyboard-commit").click()
    page.wait_for_function(f"!{SB}.dirty && {SB}.busy === null", timeout=15_000)
    page.wait_for_function(
        "[...document.querySelectorAll('[data-testid=toast]')].some(t => t.textContent.includes('0 new, 2 changed'))"
    )
    assert page.locator("[data-testid=shot-card]").nth(2).get_by_test_id("shot-dual").get_attribute("aria-pressed") == "true"
    assert page.locator("[data-testid=shot-card]").nth(2).get_by_test_id("shot-transition").input_value() == "SMASH CUT TO:"
    shot(page, "storyboard-transition-edited")

    board = httpx.get(f"{base}/projects/{pid}/storyboard").json()
    harbour = board["scenes"][0]["shots"]
    assert [s["id"] for s in harbour][2] == mara_id and [s["transition"] for s in harbour] == [
        "DISSOLVE TO:",
        "",
        "SMASH CUT TO:",
    ]
    fountain = httpx.get(f"{base}/projects/{pid}/storyboard/export", params={"format": "fountain"}).text
    assert "Rain hammers the quay.\n\nDISSOLVE TO:\n" in fountain
    assert "MARA ^\nI heard it.\n\nSMASH CUT TO:\n\nEXT. CLIFF - DAWN" in fountain
    fdx = httpx.get(f"{base}/projects/{pid}/storyboard/export", params={"format": "fdx"}).text
    assert "<DualDialogue>" in fdx and "SMASH CUT TO:" in fdx

    # On the timeline, the Inspector shows the same transition and changes it for the storyboard too.
    page.get_by_test_id("view-timeline").click()
    page.locator(f"[data-testid=clip][data-shot='{mara_id}']").click()
    field = page.get_by_label("Transition out")
    assert field.input_value() == "SMASH CUT TO:"
    field.fill("FADE OUT.")
    field.press("Tab")
    page.wait_for_function(
        f"window.__milimo.store.getState().saveState === 'saved' && window.__milimo.store.getState().shots['{mara_id}'].transition === 'FADE OUT.'",
        timeout=10_000,
    )
    shot(page, "inspector-transition")
    assert next(s for s in httpx.get(f"{base}/projects/{pid}").json()["shots"] if s["id"] == mara_id)["transition"] == "FADE OUT."
    page.get_by_test_id("view-storyboard").click()
    page.wait_for_function(f"{SB}.scenes[0]?.shots[2]?.transition === 'FADE OUT.'", timeout=10_000)
    assert page.locator("[data-testid=shot-card]").nth(2).get_by_test_id("shot-transition").input_value() == "FADE OUT."
    assert page.errors == []
