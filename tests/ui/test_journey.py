"""The whole journey through the real widgets: what the usager sees, what ends up stored."""

from __future__ import annotations

import json
from collections.abc import Callable
from concurrent.futures import Future

from PySide6.QtWidgets import QAbstractButton, QLabel, QLineEdit, QWidget
from pytestqt.qtbot import QtBot

from kiosk.idle import IdleMonitor
from offline_cache import OutboxState
from tests.support import journey
from tests.support.backend_key import opened
from tests.support.journey import EMAIL, NOM, walk_to_recap
from tests.ui.conftest import Kiosk
from ui import driving


def texts(kiosk: Kiosk) -> list[str]:
    return driving.visible_texts(kiosk.window)


def all_widget_texts(window: QWidget) -> list[str]:
    """Every text held by a widget of the window, shown or hidden."""
    held: list[str] = []
    for kind in (QLabel, QLineEdit, QAbstractButton):
        held += [w.text() for w in window.findChildren(kind)]  # type: ignore[attr-defined]
    return held


def test_usager_files_a_demarche_end_to_end(kiosk: Kiosk, qtbot: QtBot) -> None:
    window, app = kiosk.window, kiosk.app
    assert window.current_screen == "home"
    assert "Permis de conduire" in texts(kiosk)
    driving.click(window, "family:permis")
    assert "Permis de conduire perdu ou volé" in texts(kiosk)
    driving.click(window, "demarche:permis-perte-vol")
    # Before the first question: what to have at hand and what will be scanned.
    assert window.current_screen == "intro" and app.session is None
    intro = " ".join(texts(kiosk))
    assert "Avant de commencer" in intro and "timbre fiscal de 25 €" in intro
    assert "• Votre déclaration de vol (Seulement en cas de vol)" in intro
    driving.click(window, "start")

    seen: list[tuple[str, str, str]] = []

    def check_step(step_id: str) -> None:
        session = app.session
        assert session is not None and session.current == step_id
        step = session.demarche.step(step_id)
        shown = texts(kiosk)
        assert step.label in shown, f"{step_id}: the question is not on screen"
        position = session.position()
        progress = f"Étape {position.index} sur {position.count}"
        assert progress in shown
        seen.append((step_id, window.current_screen, progress))

    walk_to_recap(kiosk.driver, check_step, from_home=False)
    # One screen per step, questions then pièces, counted on the "perte" path (11 steps).
    assert [s[0] for s in seen] == [step for step, _ in journey.STEPS]
    # The count announced before the motif is known is that of the longest branch (the
    # déclaration de vol): it may shrink once the motif is known, never grow.
    counts = [int(progress.split(" sur ")[1]) for _, _, progress in seen]
    assert counts == sorted(counts, reverse=True) and counts[-1] == 11
    assert seen[-1][2] == "Étape 11 sur 11"
    assert {screen for _, screen, _ in seen} == {"question", "piece"}

    assert window.current_screen == "recap"
    recap = texts(kiosk)
    for expected in (
        NOM,
        EMAIL,
        "Je l'ai perdu",
        "14/07/1962",
        "06 12 34 56 78",
        "1 page numérisée",
    ):
        assert expected in recap
    assert "Votre déclaration de vol" not in recap  # the "vol" branch does not apply

    driving.click(window, "send")
    qtbot.waitUntil(lambda: window.current_screen == "receipt", timeout=10_000)
    entries = app.store.outbox()
    assert len(entries) == 1 and entries[0].state is OutboxState.SEALED
    number = entries[0].dossier_number
    assert driving.visible_widget(window, "dossier-number").text() == number  # type: ignore[attr-defined]
    qtbot.waitUntil(
        lambda: "Prenez votre reçu dans l'imprimante" in " ".join(texts(kiosk)), timeout=10_000
    )

    sealed = app.store.submission(entries[0].submission_id)
    assert sealed is not None
    names = sorted(f.name for f in sealed.files)
    assert names == [
        "manifest.json.age",
        "piece-justificatif_domicile-p1.jpg.age",
        "piece-piece_identite-p1.jpg.age",
    ]
    for stored in sealed.files:  # encrypted on disk, JPEG or JSON once opened by the backend
        assert EMAIL.encode() not in stored.path.read_bytes()
        assert opened(stored.path)[:2] in (b"\xff\xd8", b"{\n", b'{"')
    manifest = json.loads(
        opened(next(f for f in sealed.files if f.name == "manifest.json.age").path)
    )
    assert manifest["answers"]["email"] == EMAIL
    assert "timbre_fiscal" in manifest["answers"]
    receipts = list((kiosk.data_dir / "printer").glob("*.escpos"))
    assert len(receipts) == 1 and number.encode() in receipts[0].read_bytes()

    driving.click(window, "finish")
    assert window.current_screen == "wiped"
    assert "Merci, votre dossier est enregistré." in texts(kiosk)
    assert app.session is None
    # Nothing of the usager stays in the screens, visible or not, once the session ended
    # (after the event loop's next turn, which deletes the widgets discarded by the wipe).
    qtbot.wait(1)
    everything = all_widget_texts(window)
    for personal in (NOM, EMAIL, journey.PHONE, number):
        assert not any(personal in text for text in everything), personal
    qtbot.waitUntil(lambda: window.current_screen == "home", timeout=5_000)
    assert len(app.store.outbox()) == 1


def test_idle_warns_with_countdown_then_wipes_unfinished_session(
    kiosk: Kiosk, qtbot: QtBot
) -> None:
    now = [1000.0]
    kiosk.app.idle = IdleMonitor(warning_after=90, countdown=30, clock=lambda: now[0])
    journey.open_demarche(kiosk.driver)
    driving.click(kiosk.window, "option:vol")
    driving.click(kiosk.window, "continue")
    session = kiosk.app.session
    assert session is not None and session.answer_of("motif") == "vol"

    now[0] += 95
    qtbot.waitUntil(lambda: kiosk.window.overlay.kind == "idle", timeout=2_000)
    assert "Êtes-vous toujours là ?" in texts(kiosk)
    assert any("dans 25 secondes" in t for t in texts(kiosk))
    now[0] += 10
    qtbot.waitUntil(lambda: any("dans 15 secondes" in t for t in texts(kiosk)), timeout=2_000)

    now[0] += 16
    qtbot.waitUntil(lambda: kiosk.window.current_screen == "wiped", timeout=2_000)
    assert kiosk.app.session is None
    assert session.answer_of("motif") is None  # the answers are gone from memory
    assert kiosk.app.store.outbox() == []
    qtbot.waitUntil(lambda: kiosk.window.current_screen == "home", timeout=5_000)


def test_touching_the_idle_warning_keeps_the_session(kiosk: Kiosk, qtbot: QtBot) -> None:
    now = [0.0]
    kiosk.app.idle = IdleMonitor(warning_after=90, countdown=30, clock=lambda: now[0])
    journey.open_demarche(kiosk.driver)
    now[0] += 100
    qtbot.waitUntil(lambda: kiosk.window.overlay.kind == "idle", timeout=2_000)
    driving.click(kiosk.window, "idle-stay")
    now[0] += 60
    qtbot.wait(600)
    assert kiosk.window.overlay.kind == ""
    assert kiosk.app.session is not None and kiosk.window.current_screen == "question"


def test_quit_asks_then_wipes_and_nothing_is_queued(kiosk: Kiosk, qtbot: QtBot) -> None:
    journey.open_demarche(kiosk.driver)
    driving.click(kiosk.window, "back")  # "Retour" on the first step offers to leave
    assert kiosk.window.overlay.kind == "confirm-quit"
    driving.click(kiosk.window, "cancel-quit")
    assert kiosk.window.current_screen == "question" and kiosk.app.session is not None
    driving.click(kiosk.window, "quit")
    driving.click(kiosk.window, "confirm-quit")
    assert kiosk.window.current_screen == "wiped" and kiosk.app.session is None
    assert kiosk.app.store.outbox() == []


def test_invalid_answer_is_explained_and_the_step_stays(kiosk: Kiosk) -> None:
    journey.open_demarche(kiosk.driver)
    driving.click(kiosk.window, "continue")  # nothing chosen
    assert "Choisissez une des réponses proposées." in texts(kiosk)
    driving.click(kiosk.window, "option:perte")
    driving.click(kiosk.window, "continue")
    driving.type_text(kiosk.window, "day", "31")
    driving.type_text(kiosk.window, "month", "02")
    driving.type_text(kiosk.window, "year", "2024")
    driving.click(kiosk.window, "continue")
    assert "Cette date n'existe pas. Vérifiez le jour et le mois." in texts(kiosk)
    assert kiosk.app.session is not None and kiosk.app.session.current == "date_faits"


def test_editing_from_the_recap_returns_to_the_recap(kiosk: Kiosk) -> None:
    walk_to_recap(kiosk.driver)
    driving.click(kiosk.window, "edit:email")
    assert kiosk.window.current_screen == "question"
    assert driving.visible_widget(kiosk.window, "input").text() == EMAIL  # type: ignore[attr-defined]
    driving.type_text(kiosk.window, "input", "autre.adresse@exemple.fr")
    driving.click(kiosk.window, "continue")
    assert kiosk.window.current_screen == "recap"
    assert "autre.adresse@exemple.fr" in texts(kiosk)


def test_changing_motif_to_vol_asks_for_the_declaration_de_vol(kiosk: Kiosk) -> None:
    walk_to_recap(kiosk.driver)
    driving.click(kiosk.window, "edit:motif")
    driving.click(kiosk.window, "option:vol")
    driving.click(kiosk.window, "continue")
    # Straight to the one thing the change made necessary, not through every screen again.
    session = kiosk.app.session
    assert session is not None
    assert (kiosk.window.current_screen, session.current) == ("piece", "declaration_vol")
    assert session.answer_of("timbre_fiscal") == journey.TIMBRE  # kept: a theft costs 25 € too
    kiosk.driver.click("scan")
    kiosk.driver.wait_until(kiosk.driver.scanned)
    driving.click(kiosk.window, "continue")
    assert kiosk.window.current_screen == "recap"
    assert "Votre déclaration de vol" in texts(kiosk)


def test_scanner_unplugged_is_explained_and_nothing_is_lost(
    make_kiosk: Callable[..., Kiosk],
) -> None:
    kiosk = make_kiosk(simulator={"scanner_unplugged": True})
    journey.walk_to(kiosk.driver, "piece_identite")
    driving.click(kiosk.window, "scan")
    kiosk.driver.wait_until(lambda: kiosk.window.overlay.kind == "scan-error")
    assert "Le scanner ne répond pas" in texts(kiosk)
    assert not any("Traceback" in t for t in texts(kiosk))
    driving.click(kiosk.window, "message-ok")
    session = kiosk.app.session
    assert session is not None and session.answer_of("nom_naissance") == NOM
    assert kiosk.window.current_screen == "piece"
    assert not driving.visible_widget(kiosk.window, "continue").isEnabled()


def test_paper_out_still_seals_once_and_says_so(kiosk: Kiosk, qtbot: QtBot) -> None:
    kiosk.app.devices.faults["printer"].sticky = "paper_out"
    walk_to_recap(kiosk.driver)
    driving.click(kiosk.window, "send")
    qtbot.waitUntil(lambda: kiosk.window.current_screen == "receipt", timeout=10_000)
    qtbot.waitUntil(lambda: "L'imprimante n'a plus de papier" in " ".join(texts(kiosk)))
    assert "Le reçu n'a pas pu être imprimé : notez votre numéro de dossier." in texts(kiosk)
    assert len(kiosk.app.store.outbox()) == 1
    assert not list((kiosk.data_dir / "printer").glob("*.escpos"))
    # The médiateur puts paper back; the usager prints again; the dossier is not resealed.
    kiosk.app.devices.faults["printer"].sticky = ""
    driving.click(kiosk.window, "reprint")
    qtbot.waitUntil(lambda: "Prenez votre reçu dans l'imprimante" in " ".join(texts(kiosk)))
    assert len(list((kiosk.data_dir / "printer").glob("*.escpos"))) == 1
    assert len(kiosk.app.store.outbox()) == 1


def test_a_bug_returns_home_with_a_plain_message(kiosk: Kiosk, qtbot: QtBot) -> None:
    def broken_scan(piece_id: str, cancel: object, **callbacks: object) -> Future[list[object]]:
        failed: Future[list[object]] = Future()
        failed.set_exception(RuntimeError("simulated bug"))
        return failed

    kiosk.app.scan = broken_scan  # type: ignore[assignment, method-assign]
    journey.walk_to(kiosk.driver, "piece_identite")
    driving.click(kiosk.window, "scan")
    qtbot.waitUntil(lambda: kiosk.window.overlay.kind == "error", timeout=5_000)
    assert "Un problème est survenu" in texts(kiosk)
    assert not any("simulated bug" in t or "Traceback" in t for t in texts(kiosk))
    assert kiosk.app.session is None


def test_a_slow_scan_can_be_cancelled_and_the_screen_is_usable_at_once(
    kiosk: Kiosk, qtbot: QtBot
) -> None:
    journey.walk_to(kiosk.driver, "piece_identite")
    kiosk.app.devices.faults["scanner"].delay_s = 5.0
    driving.click(kiosk.window, "scan")
    assert "cancel-scan" in driving.enabled_buttons(kiosk.window)
    assert "back" not in driving.enabled_buttons(kiosk.window)
    driving.click(kiosk.window, "cancel-scan")
    assert "Numérisation annulée." in texts(kiosk)
    assert {"scan", "back", "quit"} <= set(driving.enabled_buttons(kiosk.window))
    session = kiosk.app.session
    assert session is not None and session.pages("piece_identite") == []


def test_idle_still_wipes_while_a_device_hangs(kiosk: Kiosk, qtbot: QtBot) -> None:
    now = [0.0]
    journey.walk_to(kiosk.driver, "piece_identite")
    kiosk.app.idle = IdleMonitor(warning_after=90, countdown=30, clock=lambda: now[0])
    kiosk.app.devices.faults["scanner"].delay_s = 30.0
    driving.click(kiosk.window, "scan")
    now[0] += 125
    qtbot.waitUntil(lambda: kiosk.window.current_screen == "wiped", timeout=3_000)
    assert kiosk.app.session is None


def test_a_second_page_can_be_added_up_to_the_limit(kiosk: Kiosk) -> None:
    journey.walk_to(kiosk.driver, "piece_identite")  # piece_identite: max_pages = 2 (recto, verso)
    kiosk.driver.click("scan")
    kiosk.driver.wait_until(kiosk.driver.scanned)
    driving.click(kiosk.window, "add-page")
    # The page shows as soon as it arrives; the scan's end (and its message) comes just after.
    done = "Document numérisé (2 pages). Vérifiez qu'il est lisible."
    kiosk.driver.wait_until(lambda: done in texts(kiosk))
    session = kiosk.app.session
    assert session is not None and len(session.pages("piece_identite")) == 2
    assert kiosk.window.piece.page_count == 2
    assert "add-page" not in driving.enabled_buttons(kiosk.window)  # the limit is reached
    driving.click(kiosk.window, "scan")  # "Recommencer la numérisation": back to one page
    kiosk.driver.wait_until(lambda: kiosk.window.piece.page_count == 1)
    assert len(session.pages("piece_identite")) == 1


def test_a_scanned_page_can_be_enlarged_turned_and_deleted(kiosk: Kiosk, qtbot: QtBot) -> None:
    journey.walk_to(kiosk.driver, "piece_identite")
    kiosk.driver.click("scan")
    kiosk.driver.wait_until(kiosk.driver.scanned)
    driving.click(kiosk.window, "add-page")
    kiosk.driver.wait_until(lambda: kiosk.window.piece.page_count == 2)
    session = kiosk.app.session
    assert session is not None
    first, second = session.pages("piece_identite")

    driving.click(kiosk.window, "page:1")
    assert kiosk.window.overlay.kind == "page"
    assert not driving.visible_widget(kiosk.window, "overlay-image").pixmap().isNull()  # type: ignore[attr-defined]
    driving.click(kiosk.window, "close-page")

    driving.click(kiosk.window, "rotate:1")
    qtbot.waitUntil(lambda: session.pages("piece_identite")[0] != first, timeout=10_000)
    turned = session.pages("piece_identite")[0]
    assert (turned.width, turned.height) == (first.height, first.width)

    driving.click(kiosk.window, "delete:2")
    assert session.pages("piece_identite") == [turned]
    assert "Document numérisé (1 page). Vérifiez qu'il est lisible." in texts(kiosk)
    assert second not in session.pages("piece_identite")


def test_a_family_of_one_demarche_goes_straight_to_what_to_bring(kiosk: Kiosk) -> None:
    driving.click(kiosk.window, "family:identite")
    assert kiosk.window.current_screen == "intro"  # no list of one to tap through
    assert "Préparer sa carte d'identité ou son passeport" in driving.visible_texts(kiosk.window)
    driving.click(kiosk.window, "back")
    assert kiosk.window.current_screen == "home"
    driving.click(kiosk.window, "family:permis")  # a real list still shows
    assert kiosk.window.current_screen == "family"
