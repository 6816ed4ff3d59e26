"""The kiosk's voice: each screen's instruction read aloud, in the usager's language.

Who it is for: usagers who read little French or see poorly. What is read is the screen's
*instruction*, composed from what is on screen (``instruction_of``): the labels whose role is
title, question, plain wording ("easy"), help or error, in reading order, hidden ones left
out. When a dialog (``ui.overlay``) is open, only its title and text are read: it covers the
screen and is the one thing the usager can answer, so reading the screen behind it would
only confuse. What the usager typed or chose (the récapitulatif's answers, the text boxes) is
never read: the room is public.

Engine (``build_speaker``, key ``voice.engine``):

- ``espeak-ng`` run as a child process (``drivers.speech.espeak``): one small Debian package
  with the five voices of the kiosk, killed at once when the usager moves on, testable for
  real by writing WAV files. ``auto`` takes it first.
- Qt's ``QTextToSpeech`` when ``PySide6.QtTextToSpeech`` can be imported (``qt``, or ``auto``
  without espeak-ng). The kiosk does not depend on PySide6-Addons for it: ~170 MB more, and on
  Linux it only reaches the same espeak-ng through speech-dispatcher, a daemon that must run in
  the kiosk's session with an audio device. It is there for machines that have it anyway.
- Otherwise silence (``SilentSpeaker``): the kiosk works the same, ``VoiceGuide.available`` is
  False so the "listen" control can be hidden, and one warning is logged at start.

``VoiceGuide`` ties a speaker to the window: with voice on, it reads the instruction each time
the screen changes or a dialog appears; ``read_current()`` reads it on demand ("Écouter").
Reading waits for the end of the event loop's turn, so a screen that fills its labels after
being shown is read complete, and a screen change followed by a dialog is read once.
"""

from __future__ import annotations

import contextlib
import importlib
import logging
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QCoreApplication, QEvent, QLocale, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QLabel, QWidget

from drivers.speech.espeak import DEFAULT_RATE_WPM, EspeakSpeaker
from drivers.speech.interface import SilentSpeaker, Speaker
from kiosk.config import Config
from kiosk.jsonlog import log_event
from ui.overlay import Overlay
from ui.widgets import in_layout_order

if TYPE_CHECKING:
    from ui.window import KioskWindow

LOG = logging.getLogger("ui.voice")
# Tile titles too: on the home screen the choices are the instruction for who cannot read them.
SPOKEN_ROLES = frozenset({"title", "question", "easy", "help", "error", "tile-title"})
# Labels showing an usager's own answers (the récapitulatif's values): never read aloud, nor
# the rows that hold them (field names without their values would mean nothing).
ANSWER_NAME_PREFIX = "value:"
_CLAUSE_ENDS = ".?!:;…"
_LINE_MARKS = "•←→-–—* \t"
_SOURCE_LANGUAGE = "fr"


# -- what is read -------------------------------------------------------------------------
def instruction_of(screen: QWidget) -> str:
    """The instruction a person would read on ``screen`` (the window, or one screen of it),
    one sentence a line, ready to be spoken."""
    overlay = _open_overlay(screen)
    root = overlay if overlay is not None else screen
    lines: list[str] = []
    for widget in _reading_order(root):
        if (
            isinstance(widget, QLabel)
            and widget.property("role") in SPOKEN_ROLES
            and (widget is root or widget.isVisibleTo(root))
        ):
            lines += spoken_lines(widget.text())
    return "\n".join(lines)


def spoken_lines(text: str) -> list[str]:
    """A label's text as sentences to say: typography spaces made plain, list bullets and
    arrows dropped, and each line ended like a sentence so the voice pauses between them
    (espeak-ng runs lines together otherwise)."""
    lines = []
    for raw in text.replace("\u00a0", " ").replace("\u202f", " ").splitlines():
        line = raw.strip().lstrip(_LINE_MARKS).rstrip(" →").strip()
        if line:
            lines.append(line if line[-1] in _CLAUSE_ENDS else f"{line}.")
    return lines


def _open_overlay(root: QWidget) -> Overlay | None:
    if isinstance(root, Overlay):
        return root if not root.isHidden() else None
    for overlay in root.findChildren(Overlay):
        if overlay.isVisibleTo(root):
            return overlay
    return None


def _reading_order(widget: QWidget) -> Iterator[QWidget]:
    """``widget`` and its descendants in reading order; dialogs and answer rows left out."""
    return in_layout_order(
        widget, lambda child: isinstance(child, Overlay) or _holds_answers(child)
    )


def _holds_answers(widget: QWidget) -> bool:
    children = widget.findChildren(QWidget, options=Qt.FindChildOption.FindDirectChildrenOnly)
    return widget.objectName().startswith(ANSWER_NAME_PREFIX) or any(
        child.objectName().startswith(ANSWER_NAME_PREFIX) for child in children
    )


# -- Qt's engine (optional) ---------------------------------------------------------------
def qt_rate(rate_wpm: int) -> float:
    """Words a minute (espeak-ng's scale, 175 its normal) to Qt's -1..1 (0 normal)."""
    return max(-1.0, min(1.0, rate_wpm / 175 - 1))


class QtSpeaker(Speaker):
    """Qt's QTextToSpeech (PySide6-Addons), on its default engine: asynchronous by nature."""

    def __init__(self, module: Any, rate_wpm: int = DEFAULT_RATE_WPM) -> None:
        super().__init__()
        self._module = module
        self._engine = module.QTextToSpeech()
        self._engine.setRate(qt_rate(rate_wpm))
        self._failed = False
        self._engine.stateChanged.connect(self._state_changed)

    @property
    def available(self) -> bool:
        return not self._failed and self._engine.state() != self._module.QTextToSpeech.State.Error

    def say(self, text: str, language: str) -> None:
        if not self.available or not text.strip():
            return
        locale = QLocale(language)
        if self._engine.locale() != locale:
            self._engine.setLocale(locale)
        self._engine.stop()
        self._engine.say(text)

    def stop(self) -> None:
        self._engine.stop()

    def _state_changed(self, state: object) -> None:
        if state == self._module.QTextToSpeech.State.Error and not self._failed:
            self._failed = True
            log_event(LOG, "voice.unavailable", logging.WARNING, device="speech", code="qt_error")
            self._announce(False)


def qt_speech_module() -> Any | None:
    """``PySide6.QtTextToSpeech``, when PySide6-Addons is installed."""
    try:
        return importlib.import_module("PySide6.QtTextToSpeech")
    except ImportError:
        return None


def build_speaker(config: Config) -> Speaker:
    """The speaker chosen by ``voice.engine``; a silent one when none can speak."""
    engine: str = config["voice.engine"]
    rate: int = config["voice.rate"]
    if engine == "off":
        return SilentSpeaker()
    if engine in ("auto", "espeak-ng"):
        espeak = EspeakSpeaker(rate_wpm=rate)
        if espeak.available:
            return espeak
    if engine in ("auto", "qt"):
        module = qt_speech_module()
        if module is not None:
            qt = QtSpeaker(module, rate)
            if qt.available:
                return qt
    log_event(LOG, "voice.unavailable", logging.WARNING, device="speech", code=f"no_{engine}")
    return SilentSpeaker()


# -- the guide ----------------------------------------------------------------------------
class VoiceGuide(QObject):
    """Reads the window's instruction aloud: on each new screen or dialog while ``enabled``,
    and on demand (``read_current``).

    ``availability_changed(bool)`` is emitted when the engine turns out to be unusable.
    """

    availability_changed = Signal(bool)

    def __init__(self, window: KioskWindow, speaker: Speaker) -> None:
        super().__init__(window)
        self.window = window
        self.speaker = speaker
        self._enabled = False
        self._language = _SOURCE_LANGUAGE
        # Zero-delay, single-shot: the read happens once the current turn has filled the
        # screen, and several triggers in one turn give one read.
        self._soon = QTimer(self)
        self._soon.setSingleShot(True)
        self._soon.setInterval(0)
        self._soon.timeout.connect(self._read_if_enabled)
        window.screen_changed.connect(self._screen_changed)
        window.overlay.installEventFilter(self)
        speaker.watch_availability(self._engine_availability)
        app = QCoreApplication.instance()
        if app is not None:
            # A child process must not go on talking after the kiosk has quit.
            app.aboutToQuit.connect(self.close)

    @property
    def available(self) -> bool:
        """False when nothing can be heard: the "listen" control is then hidden."""
        return self.speaker.available

    @property
    def enabled(self) -> bool:
        return self._enabled

    @enabled.setter
    def enabled(self, on: bool) -> None:
        """Voice on reads the current screen at once (the usager has just asked to hear it);
        voice off silences it."""
        if on == self._enabled:
            return
        self._enabled = on
        if on:
            self._soon.start()
        else:
            self.stop()

    @property
    def language(self) -> str:
        return self._language

    def set_language(self, code: str) -> None:
        """Speak ``code`` from now on. What was being read is stopped; with voice on, the
        screen is read again once it shows its texts in the new language."""
        if code == self._language:
            return
        self._language = code
        self.speaker.stop()
        if self._enabled:
            self._soon.start()

    def read_current(self) -> None:
        """Read the current screen's instruction now, voice on or off ("Écouter")."""
        self._soon.stop()
        text = instruction_of(self.window)
        if text:
            self.speaker.say(text, self._language)
        else:
            self.speaker.stop()

    def stop(self) -> None:
        """Silence now (end of the session, voice turned off)."""
        self._soon.stop()
        self.speaker.stop()

    def close(self) -> None:
        self._soon.stop()
        self.speaker.close()

    # -- triggers ----------------------------------------------------------------------
    def _screen_changed(self, _screen: str) -> None:
        if self._enabled:
            self._soon.start()
        else:
            self.speaker.stop()  # an on-demand reading belongs to the screen that was left

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.window.overlay:
            if event.type() == QEvent.Type.Show and self._enabled:
                self._soon.start()
            elif event.type() == QEvent.Type.Hide:
                self.speaker.stop()  # the dialog is answered: its words are no longer true
        return False

    def _read_if_enabled(self) -> None:
        if self._enabled:
            self.read_current()

    def _engine_availability(self, available: bool) -> None:
        # Called on the speaker's thread: the signal reaches the GUI thread queued.
        # RuntimeError: the guide is gone (its window closed) before the engine.
        with contextlib.suppress(RuntimeError):
            self.availability_changed.emit(available)
