"""A receipt the printer did not take, on the real window: the usager is told plainly and
leaves; in the next usager's session the médiateur sees it in the panel and reprints it on
the printer's worker, once."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from drivers.printer.simulated import SimulatedPrinter
from offline_cache.journal import Journal
from tests.support import journey
from tests.ui.conftest import Kiosk
from tests.ui.test_assist import badge_in, enrol
from ui import driving
from ui.assist_panel import AssistUi


def texts(kiosk: Kiosk) -> str:
    return " ".join(driving.visible_texts(kiosk.window))


def said(assist_ui: AssistUi) -> str:
    """The panel's message as read (French typography's non-breaking spaces as spaces)."""
    return assist_ui.panel.message.text().replace("\u00a0", " ")


def printed(kiosk: Kiosk) -> int:
    return len(list((kiosk.data_dir / "printer").glob("*.escpos")))


def sealed_but_not_printed(kiosk: Kiosk, qtbot: QtBot, fault: str, message: str) -> str:
    """A médiateur enrolled, the printer stuck on ``fault``, a dossier sealed: its number,
    once the receipt screen shows ``message``."""
    enrol(kiosk)
    kiosk.app.devices.faults["printer"].sticky = fault
    journey.walk_to_recap(kiosk.driver)
    driving.click(kiosk.window, "send")
    qtbot.waitUntil(lambda: message in texts(kiosk), timeout=10_000)
    return kiosk.window.receipt.number.text()


def test_a_receipt_not_printed_is_reprinted_by_the_mediateur_in_a_new_session(
    kiosk: Kiosk, qtbot: QtBot
) -> None:
    number = sealed_but_not_printed(kiosk, qtbot, "paper_out", "L'imprimante n'a plus de papier")
    assert "Le médiateur peut aussi imprimer votre reçu plus tard." in texts(kiosk)
    driving.click(kiosk.window, "finish")  # the usager leaves, the number noted
    qtbot.waitUntil(lambda: kiosk.window.current_screen == "home", timeout=10_000)
    assert number not in texts(kiosk)  # the session is wiped; the receipt is on disk only

    assist_ui = badge_in(kiosk)  # the next usager's démarche, and the médiateur helps
    next_session = kiosk.app.session
    assert next_session is not None
    assert "1 reçu(s) non imprimé(s)" in said(assist_ui)
    driving.click(kiosk.window, "assist-status")
    assert f"{number}, il y a 0 min (plus de papier)" in said(assist_ui)
    driving.click(kiosk.window, "assist-kept-receipts")
    assert number in said(assist_ui)

    kiosk.app.devices.faults["printer"].sticky = ""  # paper put back
    driving.click(kiosk.window, f"assist-reprint-kept:{number}")
    qtbot.waitUntil(lambda: f"Reçu {number} imprimé." in said(assist_ui))
    assert "Tous les reçus ont été imprimés." in said(assist_ui)
    assert printed(kiosk) == 1
    assert kiosk.app.kept_receipts() == []
    assert kiosk.app.session is next_session  # the next usager's démarche is untouched
    assert len(kiosk.app.store.outbox()) == 1  # sealed once
    actions = [(e.action, e.detail.get("dossier")) for e in Journal(kiosk.app.store).entries()]
    assert ("receipt.failed", number) in actions
    assert ("assist.reprint", number) in actions
    assert ("receipt.reprinted", number) in actions
    driving.click(kiosk.window, "assist-back")
    assert "reçu(s) non imprimé(s)" not in said(assist_ui)


def test_a_reprint_that_fails_again_says_so_and_keeps_the_receipt(
    kiosk: Kiosk, qtbot: QtBot
) -> None:
    number = sealed_but_not_printed(kiosk, qtbot, "cover_open", "Le capot est ouvert")
    driving.click(kiosk.window, "finish")
    qtbot.waitUntil(lambda: kiosk.window.current_screen == "home", timeout=10_000)

    assist_ui = badge_in(kiosk, walk_to=None)  # nobody at the kiosk
    driving.click(kiosk.window, "assist-kept-receipts")
    driving.click(kiosk.window, f"assist-reprint-kept:{number}")
    qtbot.waitUntil(lambda: "non imprimé : Le capot est ouvert" in said(assist_ui))
    [kept] = kiosk.app.kept_receipts()
    assert kept.dossier_number == number and kept.attempts == 2
    assert printed(kiosk) == 0


def test_the_mediateur_reprints_the_receipt_of_the_usager_still_on_screen(
    kiosk: Kiosk, qtbot: QtBot
) -> None:
    number = sealed_but_not_printed(kiosk, qtbot, "paper_out", "L'imprimante n'a plus de papier")
    badge_in(kiosk, walk_to=None)
    kiosk.app.devices.faults["printer"].sticky = ""
    driving.click(kiosk.window, "assist-kept-receipts")
    driving.click(kiosk.window, f"assist-reprint-kept:{number}")
    # The usager's screen follows: the panel steps aside for it.
    qtbot.waitUntil(lambda: "Prenez votre reçu dans l'imprimante" in texts(kiosk))
    assert printed(kiosk) == 1 and kiosk.app.kept_receipts() == []


def test_paper_near_end_is_quiet_for_the_usager_and_said_to_the_mediateur(
    kiosk: Kiosk, qtbot: QtBot
) -> None:
    enrol(kiosk)
    printer = kiosk.app.devices.printer
    assert isinstance(printer, SimulatedPrinter)
    printer.paper_near_end = True
    journey.walk_to_recap(kiosk.driver)
    driving.click(kiosk.window, "send")
    qtbot.waitUntil(lambda: "Prenez votre reçu dans l'imprimante" in texts(kiosk), timeout=10_000)
    assert "papier" not in texts(kiosk).replace("Prenez votre reçu dans l'imprimante", "")
    assist_ui = badge_in(kiosk, walk_to=None)
    assert "papier bientôt épuisé" in said(assist_ui)
    driving.click(kiosk.window, "assist-status")
    assert "Papier bientôt épuisé : prévoir un rouleau." in said(assist_ui)


def test_a_usager_who_leaves_while_the_dossier_is_sealed_has_the_receipt_kept(
    kiosk: Kiosk, qtbot: QtBot
) -> None:
    journey.walk_to_recap(kiosk.driver)
    driving.click(kiosk.window, "send")  # sealed on the store's worker...
    kiosk.window.finish("idle")  # ...while the session ends before it comes back
    qtbot.waitUntil(lambda: len(kiosk.app.kept_receipts()) == 1, timeout=10_000)
    [kept] = kiosk.app.kept_receipts()
    [sealed] = kiosk.app.store.outbox()
    assert kept.dossier_number == sealed.dossier_number and kept.reason == "usager_left"
    found = kiosk.app.receipts.document(kept.submission_id)
    assert found is not None
    assert "Pièces déposées" in found[1].plain_text()  # read before the session was wiped
    assert printed(kiosk) == 0
    assert kiosk.window.current_screen in ("wiped", "home")  # nothing shown to the next person
