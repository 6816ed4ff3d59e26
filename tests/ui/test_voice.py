"""The voice on the real window: what is read on each screen and dialog, and when.

What is read is checked on the real widgets of the demo kiosk. When it is read is checked with
a recording speaker: the engine itself is tested for real in tests/unit/test_speech.py.
"""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from drivers.speech.espeak import EspeakSpeaker
from drivers.speech.interface import SilentSpeaker
from drivers.speech.simulated import RecordingSpeaker, Utterance
from kiosk.config import build_config
from tests.support.journey import NOM, walk_to_recap
from tests.ui.conftest import Kiosk
from ui import driving
from ui.voice import VoiceGuide, build_speaker, instruction_of, qt_speech_module

# The tiles' titles are read too: they are the choices of an usager who cannot read them.
HOME = (
    "Bonjour ! Que souhaitez-vous faire ?\n"
    "Touchez ce qui vous concerne.\n"
    "Permis de conduire.\n"
    "Carte grise.\n"
    "Carte d'identité et passeport.\n"
    "Associations.\n"
    "Besoin d'aide ? Un médiateur numérique est là pour vous accompagner."
)
MOTIF = (
    "Que s'est-il passé ?\n"
    "Votre permis est perdu, ou quelqu'un l'a volé ?\n"
    "En cas de vol, il faut aussi la déclaration faite à la police ou à la gendarmerie."
)
QUIT = "Voulez-vous abandonner cette démarche ?\nVos réponses et vos documents seront effacés."


def to_first_question(kiosk: Kiosk) -> None:
    for name in ("family:permis", "demarche:permis-perte-vol", "start"):
        driving.click(kiosk.window, name)
    assert kiosk.window.current_screen == "question"


def test_home_reads_its_instruction_in_order(kiosk: Kiosk) -> None:
    window = kiosk.window
    assert instruction_of(window) == HOME
    assert instruction_of(window.home) == HOME
    # Back from a family: the family screen still holds its texts, hidden in the stack.
    driving.click(window, "family:permis")
    family = instruction_of(window)
    assert family.startswith("Permis de conduire.\nTouchez la démarche qui vous concerne.")
    driving.click(window, "back")
    assert instruction_of(window) == HOME


def test_a_question_reads_question_wording_help_then_error(kiosk: Kiosk) -> None:
    window = kiosk.window
    to_first_question(kiosk)
    assert instruction_of(window) == MOTIF  # no error shown, the intro hidden in the stack
    driving.click(window, "continue")  # no answer chosen
    error = window.question.error_label.text().replace("\u00a0", " ")
    assert error and instruction_of(window) == f"{MOTIF}\n{error}"
    window.question.help_label.hide()
    assert "gendarmerie" not in instruction_of(window)


def test_an_open_dialog_is_read_alone(kiosk: Kiosk) -> None:
    window = kiosk.window
    to_first_question(kiosk)
    driving.click(window, "quit")
    assert window.overlay.kind == "confirm-quit"
    assert instruction_of(window) == QUIT
    driving.click(window, "cancel-quit")
    assert instruction_of(window) == MOTIF


def test_the_recapitulatif_never_reads_the_answers(kiosk: Kiosk) -> None:
    walk_to_recap(kiosk.driver)
    assert kiosk.window.current_screen == "recap"
    assert NOM in driving.visible_texts(kiosk.window)
    text = instruction_of(kiosk.window)
    assert text.startswith("Vérifiez votre dossier.\nTouchez « Modifier » pour corriger")
    assert NOM not in text and "Votre nom de naissance" not in text


def guided(kiosk: Kiosk) -> tuple[VoiceGuide, RecordingSpeaker]:
    speaker = RecordingSpeaker()
    return VoiceGuide(kiosk.window, speaker), speaker


def test_screens_are_read_only_when_voice_is_on(kiosk: Kiosk, qtbot: QtBot) -> None:
    guide, speaker = guided(kiosk)
    window = kiosk.window
    driving.click(window, "family:permis")
    qtbot.wait(50)
    assert speaker.said == []  # voice off: nothing read
    guide.enabled = True  # turning it on reads the screen at once
    qtbot.waitUntil(lambda: len(speaker.said) == 1)
    assert speaker.said[0].text.startswith("Permis de conduire")
    driving.click(window, "demarche:permis-perte-vol")
    qtbot.waitUntil(lambda: len(speaker.said) == 2)
    assert speaker.said[1].text.startswith("Avant de commencer.")
    driving.click(window, "start")
    qtbot.waitUntil(lambda: len(speaker.said) == 3)
    assert speaker.said[2] == Utterance(MOTIF, "fr")
    # Screens passed within one turn of the event loop are read once, the last one.
    driving.click(window, "quit")
    driving.click(window, "confirm-quit")
    qtbot.waitUntil(lambda: len(speaker.said) == 4)
    assert (
        speaker.said[3].text
        == "Vos données ont été effacées.\nVous pouvez recommencer quand vous voulez. À bientôt !"
    )
    guide.enabled = False
    assert speaker.speaking is None  # silenced at once
    window.show_screen(window.home)  # what the wiped screen's timer does
    qtbot.wait(50)
    assert len(speaker.said) == 4


def test_a_dialog_is_read_when_it_appears_and_silenced_when_answered(
    kiosk: Kiosk, qtbot: QtBot
) -> None:
    guide, speaker = guided(kiosk)
    to_first_question(kiosk)
    guide.enabled = True
    qtbot.waitUntil(lambda: speaker.said == [Utterance(MOTIF, "fr")])
    driving.click(kiosk.window, "quit")
    qtbot.waitUntil(lambda: len(speaker.said) == 2)
    assert speaker.said[1] == Utterance(QUIT, "fr")
    driving.click(kiosk.window, "cancel-quit")
    assert speaker.speaking is None


def test_listen_reads_on_demand_and_leaving_the_screen_stops_it(kiosk: Kiosk, qtbot: QtBot) -> None:
    guide, speaker = guided(kiosk)
    guide.read_current()  # voice off: "Écouter" still reads
    assert speaker.said == [Utterance(HOME, "fr")]
    driving.click(kiosk.window, "family:permis")
    assert speaker.speaking is None
    qtbot.wait(50)
    assert len(speaker.said) == 1


def test_the_chosen_language_is_spoken(kiosk: Kiosk, qtbot: QtBot) -> None:
    guide, speaker = guided(kiosk)
    guide.enabled = True
    qtbot.waitUntil(lambda: len(speaker.said) == 1)
    guide.set_language("ar")
    assert speaker.speaking is None  # the French reading stops
    qtbot.waitUntil(lambda: len(speaker.said) == 2)
    assert speaker.said[1].language == "ar" and guide.language == "ar"
    guide.read_current()
    assert speaker.said[-1].language == "ar"


def test_ending_the_session_stops_speech(kiosk: Kiosk, qtbot: QtBot) -> None:
    guide, speaker = guided(kiosk)
    to_first_question(kiosk)
    guide.read_current()
    assert speaker.speaking is not None
    kiosk.window.finish("abandoned")
    guide.stop()  # what the settings bar does when the session ends
    assert speaker.speaking is None


def test_an_engine_failing_on_its_thread_is_reported_on_the_gui_thread(
    kiosk: Kiosk, qtbot: QtBot
) -> None:
    guide, speaker = guided(kiosk)
    assert guide.available
    with qtbot.waitSignal(guide.availability_changed, timeout=2000) as signal:
        worker = threading.Thread(target=speaker.fail)
        worker.start()
        worker.join()
    assert signal.args == [False]
    assert not guide.available
    guide.read_current()
    guide.enabled = True
    qtbot.wait(50)
    assert speaker.said == []


def test_build_speaker_follows_the_configuration(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def built(**voice: object) -> object:
        config = build_config({"voice": voice}, "(test)", demo=True, demo_data_dir=tmp_path)
        return build_speaker(config)

    assert isinstance(built(engine="off"), SilentSpeaker)
    espeak = built(engine="espeak-ng", rate=120)
    assert isinstance(espeak, EspeakSpeaker) and espeak.available and espeak.rate_wpm == 120
    assert isinstance(built(), EspeakSpeaker)  # "auto" takes espeak-ng first
    if qt_speech_module() is None:  # PySide6-Essentials: no Qt text-to-speech
        assert isinstance(built(engine="qt"), SilentSpeaker)
        monkeypatch.setenv("PATH", str(tmp_path))  # no espeak-ng either
        assert isinstance(built(), SilentSpeaker)


def test_the_settings_bar_drives_the_voice_and_the_next_usager_has_it_off(
    kiosk: Kiosk, qtbot: QtBot
) -> None:
    window = kiosk.window
    assert window.voice is not None
    speaker = RecordingSpeaker()
    window.voice.speaker = speaker  # the window's own guide, heard through a recorder
    driving.click(window, "setting-listen")  # "Écouter", voice off
    assert speaker.said == [Utterance(HOME, "fr")]
    driving.click(window, "setting-voice")
    assert window.voice.enabled
    driving.click(window, "family:permis")
    qtbot.waitUntil(lambda: len(speaker.said) == 2)
    driving.click(window, "setting-language")
    driving.click(window, "language:es")
    qtbot.waitUntil(lambda: speaker.said[-1].language == "es")
    assert "permiso" in speaker.said[-1].text.lower()
    window.settings.reset()  # what the end of a session does
    assert not window.voice.enabled and window.voice.language == "fr"
    assert speaker.speaking is None
