"""The kiosk in every language and text size: no visible text bypasses translation, nothing is
cut or drawn over, Arabic is mirrored, and the next usager finds French again."""

from __future__ import annotations

import re

import polib
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton, QApplication, QLabel, QPushButton, QWidget
from pytestqt.qtbot import QtBot

from kiosk import i18n
from kiosk.i18n_catalogs import template_path
from tests.support.journey import PRENOMS, walk_to, walk_to_recap
from tests.support.layout_check import clipped_texts, in_corner, overlapping, small_targets
from tests.ui.conftest import Kiosk
from ui import driving
from ui.it_exit import CORNER_PX
from ui.theme import TEXT_SCALES

OPEN, CLOSE = "⟦", "⟧"


def pseudo_catalog() -> dict[str, str]:
    """Every French text of both templates, marked: what shows unmarked bypassed ``_()``."""
    table = {}
    for domain in i18n.DOMAINS:
        for entry in polib.pofile(str(template_path(domain))):
            table[entry.msgid] = f"{OPEN}{entry.msgid}{CLOSE}"
    return table


def untranslated(kiosk: Kiosk) -> list[str]:
    """Visible texts with words that did not come through the translation."""
    data = {kiosk.app.config["kiosk.site_name"], *(lang.name for lang in i18n.LANGUAGES.values())}
    found = []
    for widget in kiosk.window.findChildren(QWidget):
        if not widget.isVisible() or not isinstance(widget, QLabel | QAbstractButton):
            continue
        text = widget.text().strip()
        name = widget.objectName()
        if (
            OPEN in text
            or not re.search(r"[^\W\d_]{2,}", text)  # numbers, signs, a single letter
            or text in data
            or re.fullmatch(r"A\+*", text)  # the text size's pictogram
            or name.startswith("value:")  # the usager's own answers
            or (name.startswith("key:") and text.lstrip("\u200e").startswith("."))  # ".fr"
            or widget.property("role") in ("ticket", "number")  # printed receipt, dossier n°
        ):
            continue
        found.append(f"{name or type(widget).__name__}: {text[:50]!r}")
    return found


def test_no_visible_text_bypasses_the_translation(kiosk: Kiosk) -> None:
    problems: dict[str, list[str]] = {}

    def check(where: str) -> None:
        if missing := untranslated(kiosk):
            problems[where] = missing

    i18n.install(pseudo_catalog())
    try:
        kiosk.window.retranslate()
        check("home")
        walk_to_recap(kiosk.driver, check)
        check("recap")
        driving.click(kiosk.window, "quit")
        check("confirm-quit")
        driving.click(kiosk.window, "cancel-quit")
        kiosk.window.choose_language()
        check("languages")
        driving.click(kiosk.window, "language-close")
        driving.click(kiosk.window, "send")
        kiosk.driver.wait_until(lambda: kiosk.window.current_screen == "receipt")
        check("receipt")
    finally:
        i18n.install({})
    assert problems == {}


def test_the_check_sees_a_text_that_bypasses_translation(kiosk: Kiosk) -> None:
    i18n.install(pseudo_catalog())
    try:
        kiosk.window.retranslate()
        assert untranslated(kiosk) == []
        kiosk.window.home.findChildren(QLabel)[1].setText("Texte écrit en dur")
        assert [p for p in untranslated(kiosk) if "Texte écrit en dur" in p] != []
    finally:
        i18n.install({})


def choose(kiosk: Kiosk, code: str) -> None:
    driving.click(kiosk.window, "setting-language")
    assert kiosk.window.overlay.kind == "language"
    driving.click(kiosk.window, f"language:{code}")
    QApplication.processEvents()  # the layouts are redone at the next turn of the loop


def test_the_language_changes_on_the_screen_shown_and_keeps_what_was_typed(
    kiosk: Kiosk,
) -> None:
    walk_to(kiosk.driver, "prenoms")
    driving.type_text(kiosk.window, "input", PRENOMS)
    choose(kiosk, "en")
    window = kiosk.window
    assert window.current_screen == "question"
    assert window.question.question_label.text() == i18n._("Vos prénoms") != "Vos prénoms"
    assert window.question.footer.back.text() == "← Back"
    assert window.question.footer.next.text() == "Continue →"
    assert window.question.header.progress.text().startswith("Step ")
    assert window.question.answer() == PRENOMS
    assert window.settings_bar.language.text() == "English"
    choose(kiosk, "es")
    assert window.question.footer.next.text() == "Continuar →"
    assert window.home.findChildren(QLabel)[1].text() == i18n._(
        "Bonjour ! Que souhaitez-vous faire ?"
    )


def test_arabic_mirrors_the_layout(kiosk: Kiosk) -> None:
    walk_to(kiosk.driver, "nom_naissance")
    choose(kiosk, "ar")
    footer = kiosk.window.question.footer
    assert QApplication.layoutDirection() == Qt.LayoutDirection.RightToLeft
    # "Retour" on the right, "Continuer" on the left, their arrows pointing outwards.
    assert footer.back.mapTo(kiosk.window, footer.back.rect().center()).x() > 640
    assert footer.next.mapTo(kiosk.window, footer.next.rect().center()).x() < 640
    assert footer.back.text().startswith("→")
    assert footer.next.text().endswith("←")
    choose(kiosk, "fr")
    assert QApplication.layoutDirection() == Qt.LayoutDirection.LeftToRight
    assert footer.back.mapTo(kiosk.window, footer.back.rect().center()).x() < 640


def test_the_next_usager_finds_the_kiosk_as_always(kiosk: Kiosk) -> None:
    walk_to(kiosk.driver, "nom_naissance")
    choose(kiosk, "ar")
    driving.click(kiosk.window, "setting-text-size")
    driving.click(kiosk.window, "setting-contrast")
    assert kiosk.window.settings.look.high_contrast
    kiosk.window.finish("abandoned")
    assert kiosk.window.wiped.title.text() == i18n._("Vos données ont été effacées.")
    assert i18n.language() == "ar"  # the goodbye is said in the usager's language
    kiosk.driver.wait_until(lambda: kiosk.window.current_screen == "home")
    assert i18n.language() == "fr"
    assert kiosk.window.settings.is_default
    assert QApplication.layoutDirection() == Qt.LayoutDirection.LeftToRight
    assert "#000091" in QApplication.instance().styleSheet()  # type: ignore[union-attr]


def test_text_size_and_contrast_restyle_every_screen(kiosk: Kiosk) -> None:
    walk_to(kiosk.driver, "nom_naissance")
    label = kiosk.window.question.question_label
    normal = label.fontInfo().pixelSize()
    driving.click(kiosk.window, "setting-text-size")
    driving.click(kiosk.window, "setting-text-size")
    assert label.fontInfo().pixelSize() == round(normal * TEXT_SCALES[2])
    assert kiosk.window.settings_bar.text_size.text() == "A++"
    driving.click(kiosk.window, "setting-contrast")
    assert label.palette().color(label.foregroundRole()).name() == "#ffffff"
    driving.click(kiosk.window, "setting-text-size")  # the third tap goes back to normal
    assert label.fontInfo().pixelSize() == normal


def test_the_layout_check_sees_cut_and_overlapping_text(qtbot: QtBot) -> None:
    root = QWidget()
    qtbot.addWidget(root)
    root.resize(400, 300)
    cut = QLabel("Une phrase bien trop longue pour tenir sur une seule ligne étroite", root)
    cut.setWordWrap(True)
    cut.setGeometry(0, 0, 120, 20)
    first, second = QPushButton("Retour", root), QPushButton("Continuer", root)
    first.setGeometry(0, 100, 200, 64)
    second.setGeometry(150, 100, 200, 64)
    root.show()
    assert len(clipped_texts(root)) == 1
    assert overlapping(root) == ["QPushButton and QPushButton overlap"]


@pytest.mark.parametrize("code", list(i18n.LANGUAGES))
@pytest.mark.parametrize("size", range(len(TEXT_SCALES)))
def test_every_screen_fits_in_every_language_and_text_size(
    kiosk: Kiosk, code: str, size: int
) -> None:
    """Home to receipt, every screen of the journey: no text cut, nothing drawn over, every
    button at least 48 px and 8 px away from the next, none in IT staff's corner."""
    problems: dict[str, list[str]] = {}

    def check(where: str) -> None:
        for _ in range(2):  # the layout of the screen just shown, and of what it posted
            QApplication.sendPostedEvents()
            QApplication.processEvents()
        window = kiosk.window
        # Under an open dialog only the dialog's buttons can be touched.
        touchable = window.overlay if window.overlay.isVisible() else window
        found = clipped_texts(window) + overlapping(window) + small_targets(touchable)
        if found := found + in_corner(window, CORNER_PX):
            problems[where] = found

    kiosk.window.settings.set_language(code)
    for _ in range(size):
        kiosk.window.settings.next_text_size()
    check("home")
    kiosk.driver.click("family:permis")
    check("family")
    kiosk.driver.click("demarche:permis-perte-vol")
    check("intro")
    kiosk.driver.click("start")
    walk_to_recap(kiosk.driver, check, from_home=False)
    check("recap")
    kiosk.window.choose_language()
    check("languages")
    kiosk.driver.click("language-close")
    kiosk.driver.click("send")
    kiosk.driver.wait_until(lambda: kiosk.window.current_screen == "receipt")
    printing = i18n._("Impression de votre reçu…")
    kiosk.driver.wait_until(lambda: kiosk.window.receipt.print_status.text() != printing)
    check("receipt")
    assert not problems, "\n".join(
        f"{where}: {p}" for where, found in problems.items() for p in found
    )


def test_a_language_chosen_during_a_scan_applies_at_once_and_the_scan_goes_on(
    kiosk: Kiosk,
) -> None:
    walk_to(kiosk.driver, "piece_identite")
    kiosk.app.devices.faults["scanner"].delay_s = 1.0
    driving.click(kiosk.window, "scan")
    kiosk.driver.wait_until(lambda: kiosk.window.busy)
    choose(kiosk, "en")
    piece = kiosk.window.piece
    assert piece.header.progress.text().startswith("Step ")
    assert piece.title_label.text() == i18n._("Votre pièce d'identité") != "Votre pièce d'identité"
    kiosk.driver.wait_until(kiosk.driver.scanned)  # the scan was not stopped by the change
    assert piece.page_count == 1


def test_the_error_shown_stays_shown_in_the_new_language(kiosk: Kiosk) -> None:
    walk_to(kiosk.driver, "email")
    driving.type_text(kiosk.window, "input", "pas-une-adresse")
    driving.click(kiosk.window, "continue")
    error = kiosk.window.question.error_label
    french = error.text()
    assert error.isVisible() and french
    choose(kiosk, "es")
    assert error.isVisible() and error.text() not in ("", french)
    assert kiosk.window.question.answer() == "pas-une-adresse"


def test_left_on_a_list_without_a_session_the_kiosk_goes_home_in_french(kiosk: Kiosk) -> None:
    window, idle = kiosk.window, kiosk.app.idle
    kiosk.driver.click("family:permis")
    kiosk.driver.click("demarche:permis-perte-vol")
    choose(kiosk, "ar")
    warning = window.config["session.idle_warning_s"]
    idle._last_input -= warning + 1  # read for a while: not enough to leave
    window._check_idle()
    assert window.current_screen == "intro" and i18n.language() == "ar"
    idle._last_input -= window.config["session.idle_countdown_s"]
    window._check_idle()
    assert window.current_screen == "home" and i18n.language() == "fr"


def test_the_goodbye_after_an_idle_timeout_stays_in_the_usagers_language(kiosk: Kiosk) -> None:
    walk_to(kiosk.driver, "nom_naissance")
    choose(kiosk, "tr")
    kiosk.window.finish("idle")
    kiosk.app.idle._last_input -= 10_000  # the idle clock says nobody touched for long
    kiosk.window._check_idle()
    assert kiosk.window.current_screen == "wiped" and i18n.language() == "tr"


def test_a_narrow_bar_keeps_its_words_hidden_across_a_language_change(kiosk: Kiosk) -> None:
    window = kiosk.window
    window.resize(1024, 768)
    for _ in range(2):
        window.settings.next_text_size()
    QApplication.processEvents()
    bar = window.settings_bar
    assert bar.listen.text() == "" or not bar.listen.isVisible()
    choose(kiosk, "es")
    QApplication.processEvents()
    assert clipped_texts(bar) == []
    assert bar.contrast.accessibleName() == i18n._("Contraste")


def test_the_banner_says_who_helps_in_the_new_language(kiosk: Kiosk) -> None:
    from tests.ui.test_assist import badge_in, enrol

    enrol(kiosk)
    assist_ui = badge_in(kiosk)
    driving.click(kiosk.window, "assist-hide")
    french = assist_ui.banner.text.text()
    assert assist_ui.banner.isVisible() and "médiateur numérique" in french
    choose(kiosk, "en")
    assert assist_ui.banner.text.text() not in ("", french)
