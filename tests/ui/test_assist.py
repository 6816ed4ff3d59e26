"""The médiateur at the kiosk, on the real window: badge, PIN pad, consent, attribution,
badge out -> locked. The simulated reader delivers its events on its own thread, as pyscard's
monitor does, so the hand-off to the GUI thread is exercised."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

import pytest

from drivers.camera import portrait_scene
from drivers.cardreader.simulated import SimulatedCardReader
from kiosk.assist import AssistState
from offline_cache.journal import Journal
from tests.support import journey
from tests.support.photo_demarche import photo_catalog, walk_to_photo
from tests.ui.conftest import Kiosk
from ui import driving
from ui.assist_panel import AssistUi

BADGE = "04A25F1B7780"
PIN = "482913"


def enrol(kiosk: Kiosk) -> str:
    assert kiosk.app.assist is not None  # the demo makes a badge key of its own
    mediateur = kiosk.app.assist.registry.enroll("Karim", BADGE, PIN, dt.datetime.now(dt.UTC))
    return mediateur.mediateur_id


def reader(kiosk: Kiosk) -> SimulatedCardReader:
    device = kiosk.app.devices.cardreader
    assert isinstance(device, SimulatedCardReader)
    return device


def type_pin(kiosk: Kiosk, pin: str) -> None:
    """Type and submit; the check runs on the reader's worker: wait for its answer."""
    for digit in pin:
        driving.click(kiosk.window, f"assist-pin-{digit}")
    driving.click(kiosk.window, "assist-pin-ok")
    assist_ui = kiosk.window.assist_ui
    assert assist_ui is not None
    kiosk.driver.wait_until(lambda: not assist_ui.checking)


def badge_in(kiosk: Kiosk, walk_to: str | None = "email", pin: str | None = PIN) -> AssistUi:
    """An usager at ``walk_to`` (None: home), the médiateur's badge in, ``pin`` typed."""
    if walk_to is not None:
        journey.walk_to(kiosk.driver, walk_to)
    reader(kiosk).insert(BADGE, pin=PIN)
    assist_ui = kiosk.window.assist_ui
    assert assist_ui is not None
    kiosk.driver.wait_until(lambda: assist_ui.panel.pin is not None)
    if pin is not None:
        type_pin(kiosk, pin)
    return assist_ui


def test_a_mediateur_helps_with_consent_and_the_badge_out_locks(kiosk: Kiosk) -> None:
    mediateur_id = enrol(kiosk)
    journey.walk_to(kiosk.driver, "email")  # the usager is in the middle of a démarche
    session = kiosk.app.session
    assert session is not None
    assist_ui = kiosk.window.assist_ui
    assert assist_ui is not None

    reader(kiosk).insert(BADGE, pin=PIN)
    kiosk.driver.wait_until(lambda: assist_ui.panel.isVisible() and assist_ui.panel.pin is not None)
    type_pin(kiosk, "111111")
    assert "Encore 2 essai(s)" in assist_ui.panel.message.text()
    type_pin(kiosk, PIN)
    assert assist_ui.mode.state is AssistState.OPEN
    assert kiosk.app.session is session  # an overlay: the usager's session is untouched

    driving.click(kiosk.window, "assist-takeover")
    assert kiosk.window.overlay.kind == "assist-consent"
    driving.click(kiosk.window, "assist-consent-yes")
    assert session.assisted and assist_ui.banner.isVisible()
    assert "Karim" in assist_ui.banner.text.text()

    for action in dict(journey.STEPS)["email"]:  # the médiateur types, the usager watches
        journey.perform(kiosk.driver, action)
    assert session.answered_by["email"] == mediateur_id
    assert set(session.answered_by.values()) == {"usager", mediateur_id}

    removed = time.monotonic()
    reader(kiosk).remove()
    kiosk.driver.wait_until(lambda: assist_ui.mode.state is AssistState.LOCKED)
    assert time.monotonic() - removed < 1.0
    assert not assist_ui.panel.isVisible() and not assist_ui.banner.isVisible()
    assert session.actor == "usager"  # what comes next is the usager's again
    actions = [e.action for e in Journal(kiosk.app.store).entries()]
    assert actions == ["assist.pin_failed", "assist.opened", "assist.takeover", "assist.closed"]


def test_an_unknown_badge_is_refused_on_screen(kiosk: Kiosk) -> None:
    reader(kiosk).insert("DEADBEEF")
    kiosk.driver.wait_until(lambda: kiosk.window.overlay.kind == "assist-refused")
    assert kiosk.window.assist_ui is not None
    assert kiosk.window.assist_ui.mode.state is AssistState.LOCKED


def test_the_usager_can_refuse_the_help(kiosk: Kiosk) -> None:
    enrol(kiosk)
    assist_ui = badge_in(kiosk)
    driving.click(kiosk.window, "assist-takeover")
    driving.click(kiosk.window, "assist-consent-no")
    session = kiosk.app.session
    assert session is not None and not session.assisted and session.actor == "usager"
    assert assist_ui.panel.isVisible()  # back to the médiateur's panel


def test_the_mediateur_sees_the_queue_and_can_end_the_session(kiosk: Kiosk) -> None:
    enrol(kiosk)
    assist_ui = badge_in(kiosk)
    driving.click(kiosk.window, "assist-status")
    assert "Service de dépôt" in assist_ui.panel.message.text()
    driving.click(kiosk.window, "assist-back")
    driving.click(kiosk.window, "assist-end")
    kiosk.driver.wait_until(lambda: kiosk.app.session is None)
    assert "assist.session_ended" in [e.action for e in Journal(kiosk.app.store).entries()]


def test_the_pin_pad_is_gone_once_the_mode_is_open(kiosk: Kiosk) -> None:
    enrol(kiosk)
    badge_in(kiosk, walk_to=None)
    visible = driving.enabled_buttons(kiosk.window)
    assert "assist-status" in visible
    assert not [name for name in visible if name.startswith("assist-pin")]


def test_the_mediateur_can_go_back_to_any_step_reached(kiosk: Kiosk) -> None:
    enrol(kiosk)
    assist_ui = badge_in(kiosk)
    driving.click(kiosk.window, "assist-steps")
    offered = [n for n in driving.enabled_buttons(kiosk.window) if n.startswith("assist-step:")]
    assert offered[0] == "assist-step:motif" and offered[-1] == "assist-step:email"
    assert "assist-step:telephone" not in offered  # not reached yet
    driving.click(kiosk.window, "assist-step:date_faits")
    session = kiosk.app.session
    assert session is not None and session.current == "date_faits"
    assert not assist_ui.panel.isVisible()
    entry = Journal(kiosk.app.store).entries()[-1]
    assert entry.action == "assist.step_back" and entry.detail["step"] == "date_faits"


def test_the_mediateur_can_take_the_photo_despite_a_check_with_a_reason(
    make_kiosk: Callable[..., Kiosk], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The usager stands too far from the camera: the checks never let the photo be taken.
    monkeypatch.setattr(
        portrait_scene,
        "render_portrait_scene",
        partial(portrait_scene.render_portrait_scene, head_share=0.25),
    )
    kiosk = make_kiosk(kiosk={"catalog_dir": str(photo_catalog(tmp_path / "catalog"))})
    walk_to_photo(kiosk.driver)
    mediateur_id = enrol(kiosk)
    assist_ui = badge_in(kiosk, walk_to=None)
    assert "assist-override" not in driving.enabled_buttons(kiosk.window)  # consent first
    driving.click(kiosk.window, "assist-takeover")
    driving.click(kiosk.window, "assist-consent-yes")
    driving.click(kiosk.window, "assist-open-panel")
    driving.click(kiosk.window, "assist-override")
    driving.type_text(kiosk.window, "assist-override-reason", "ok")
    driving.click(kiosk.window, "assist-override-confirm")
    assert "au moins 5" in assist_ui.panel.message.text()  # a reason, not a click
    driving.type_text(kiosk.window, "assist-override-reason", "lunettes médicales")
    driving.click(kiosk.window, "assist-override-confirm")
    assert not assist_ui.panel.isVisible()
    screen = kiosk.window.photo
    kiosk.driver.wait_until(lambda: screen.accept_button.isVisible())  # taken at once
    reader(kiosk).remove()  # the médiateur leaves; the usager validates
    kiosk.driver.wait_until(lambda: not assist_ui.is_open)
    kiosk.driver.click("accept-photo")
    session = kiosk.app.session
    assert session is not None and session.assisted
    [override] = session.overrides
    assert override["reason"] == "lunettes médicales" and override["by"] == mediateur_id
    assert override["step"] == "photo" and override["checks"]
    entry = next(e for e in Journal(kiosk.app.store).entries() if e.action == "assist.override")
    assert entry.actor == mediateur_id and "lunettes" not in str(entry)
    manifest = kiosk.app.submission_for(session).manifest
    assert manifest["overrides"] == [override] and manifest["assisted"] is True


def test_the_next_usager_starts_without_the_mediateur(kiosk: Kiosk) -> None:
    enrol(kiosk)
    assist_ui = badge_in(kiosk)
    driving.click(kiosk.window, "assist-takeover")
    driving.click(kiosk.window, "assist-consent-yes")
    assert assist_ui.banner.isVisible()
    driving.click(kiosk.window, "assist-open-panel")
    driving.click(kiosk.window, "assist-end")
    kiosk.driver.wait_until(lambda: kiosk.app.session is None)
    assert not assist_ui.is_open
    assert not assist_ui.banner.isVisible() and not assist_ui.panel.isVisible()


def test_a_consent_asked_for_a_mediateur_who_left_is_withdrawn(kiosk: Kiosk) -> None:
    enrol(kiosk)
    assist_ui = badge_in(kiosk)
    driving.click(kiosk.window, "assist-takeover")
    assert kiosk.window.overlay.kind == "assist-consent"
    reader(kiosk).remove()
    kiosk.driver.wait_until(lambda: not assist_ui.is_open)
    assert kiosk.window.overlay.kind == ""
    session = kiosk.app.session
    assert session is not None and not session.assisted


def test_a_badge_forgotten_in_the_reader_does_not_hold_the_usager_s_data(kiosk: Kiosk) -> None:
    enrol(kiosk)
    assist_ui = badge_in(kiosk)
    kiosk.app.idle.warning_after = 10
    kiosk.app.idle._last_input = time.monotonic() - 60
    kiosk.window._check_idle()
    assert assist_ui.is_open  # the médiateur is there: the timeout waits
    assert kiosk.app.session is not None
    kiosk.app.idle._last_input = time.monotonic() - 400  # nobody touched it for minutes
    kiosk.window._check_idle()
    assert not assist_ui.is_open and not assist_ui.panel.isVisible()
    kiosk.window._check_idle()
    assert kiosk.app.session is None  # the usager's timeout applied again: wiped


def test_a_badge_taken_out_during_the_pin_check_opens_nothing(kiosk: Kiosk) -> None:
    enrol(kiosk)
    reader(kiosk).insert(BADGE, pin=PIN)
    assist_ui = kiosk.window.assist_ui
    assert assist_ui is not None
    kiosk.driver.wait_until(lambda: assist_ui.panel.pin is not None)
    for digit in PIN:
        driving.click(kiosk.window, f"assist-pin-{digit}")
    driving.click(kiosk.window, "assist-pin-ok")
    assert assist_ui.checking  # on the reader's worker: the screen is not frozen meanwhile
    assist_ui.mode.badge_removed()  # the badge comes out before the answer
    kiosk.driver.wait_until(lambda: not assist_ui.checking)
    assert not assist_ui.is_open
