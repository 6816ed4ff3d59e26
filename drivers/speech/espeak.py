"""espeak-ng run as a child process: the kiosk's voice on Debian.

Why a child process rather than a library or a daemon:

- ``espeak-ng`` is one Debian package with French, English, Spanish, Arabic and Turkish voices;
  it starts in a few milliseconds and writes its own audio (ALSA or PulseAudio).
- A process can be killed at once: a new instruction cuts the previous one mid-word, and the
  end of a session silences the kiosk for sure (no queue inside a daemon left to drain).
- Qt's text-to-speech on Linux goes through speech-dispatcher, a per-user daemon that must be
  running with its espeak-ng module and an audio device: more moving parts for the same voice.
- ``-w file.wav`` writes the same speech to a file, so the tests check real speech without a
  sound card.

Threading: ``say`` and ``stop`` only post a request and signal the running process; one worker
thread (the speaker's own, as each device has) starts ``espeak-ng``, feeds it the text on stdin
(no length limit, nothing in ``ps``, and a text starting with "-" is never an option) and waits
for it, so the caller (the GUI thread) never waits on a process.

Failure: a binary that is missing or cannot start, or a run that ends in error (no audio
device: espeak-ng then still exits 0 but says "error:" on stderr; a voice not installed: exit
status 1), makes the speaker unavailable for good: one warning in the log,
the listeners told, and silence from then on, so the "listen" control can disappear instead of
doing nothing each time it is touched. Spoken texts are never logged.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from drivers.speech.interface import Speaker

log = logging.getLogger(__name__)

# The kiosk's languages and the espeak-ng voice of each (``espeak-ng --voices`` lists them):
# "fr" is French of France, "en" British English, "es" Spanish of Spain.
DEFAULT_VOICES: Mapping[str, str] = {"fr": "fr", "en": "en", "es": "es", "ar": "ar", "tr": "tr"}
# espeak-ng's own default is 175 words a minute: quick for usagers who are unsure of the
# language or of the screen, so the kiosk speaks a little slower.
DEFAULT_RATE_WPM = 140
MIN_RATE_WPM = 80  # espeak-ng's floor
MAX_RATE_WPM = 450  # espeak-ng's ceiling
CLOSE_WAIT_S = 2.0


@dataclass(frozen=True)
class _Request:
    text: str
    command: tuple[str, ...]
    generation: int


class EspeakSpeaker(Speaker):
    """Speech through the ``espeak-ng`` program.

    ``wav_path``: write the speech to this WAV file instead of the audio device (tests).
    ``voices``: language code -> espeak-ng voice; a language not listed uses its code as voice.
    """

    def __init__(
        self,
        binary: str = "espeak-ng",
        rate_wpm: int = DEFAULT_RATE_WPM,
        *,
        wav_path: Path | None = None,
        voices: Mapping[str, str] = DEFAULT_VOICES,
    ) -> None:
        super().__init__()
        self.executable = shutil.which(binary)
        self.rate_wpm = max(MIN_RATE_WPM, min(MAX_RATE_WPM, rate_wpm))
        self.wav_path = wav_path
        self.voices = dict(voices)
        # Guards everything below: the caller's thread and the worker meet here.
        self._changed = threading.Condition()
        self._generation = 0  # incremented by every say/stop: older requests are stale
        self._pending: _Request | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._busy = False  # the worker is starting or waiting on a process
        self._failed = False
        self._closed = False
        self._thread: threading.Thread | None = None

    @property
    def available(self) -> bool:
        return self.executable is not None and not self._failed and not self._closed

    def voice_for(self, language: str) -> str:
        return self.voices.get(language, language)

    def command(self, language: str) -> list[str]:
        """The command line that reads stdin aloud in ``language``."""
        if self.executable is None:
            raise FileNotFoundError("espeak-ng")
        command = [self.executable, "-b", "1"]  # -b 1: the text is UTF-8, whatever the locale
        command += ["-v", self.voice_for(language), "-s", str(self.rate_wpm)]
        if self.wav_path is not None:
            command += ["-w", str(self.wav_path)]
        return [*command, "--stdin"]

    def say(self, text: str, language: str) -> None:
        if not self.available or not text.strip():
            return
        command = tuple(self.command(language))
        with self._changed:
            self._generation += 1
            self._kill_current()
            self._pending = _Request(text, command, self._generation)
            self._changed.notify_all()
            if self._thread is None:
                self._thread = threading.Thread(target=self._work, name="speech", daemon=True)
                self._thread.start()

    def stop(self) -> None:
        with self._changed:
            self._generation += 1
            self._pending = None
            self._kill_current()

    def close(self) -> None:
        with self._changed:
            self._closed = True
            self._generation += 1
            self._pending = None
            self._kill_current()
            self._changed.notify_all()
            thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(CLOSE_WAIT_S)

    @property
    def current_pid(self) -> int | None:
        """The process reading aloud right now, if any."""
        with self._changed:
            return self._process.pid if self._process is not None else None

    def wait(self, timeout: float) -> bool:
        """Wait until nothing is being read; False if still reading after ``timeout`` s."""
        with self._changed:
            return self._changed.wait_for(lambda: self._pending is None and not self._busy, timeout)

    # -- the worker thread ---------------------------------------------------------------
    def _kill_current(self) -> None:
        """With the lock held. Only sends the signal: the worker reaps the process."""
        if self._process is not None:
            self._process.kill()
            self._process = None

    def _work(self) -> None:
        while True:
            with self._changed:
                while self._pending is None and not self._closed:
                    self._changed.wait()
                request, self._pending = self._pending, None
                if self._closed or request is None:
                    self._busy = False
                    self._changed.notify_all()
                    return
                self._busy = True
            try:
                self._speak(request)
            finally:
                with self._changed:
                    self._busy = False
                    self._changed.notify_all()

    def _speak(self, request: _Request) -> None:
        try:
            process = subprocess.Popen(
                request.command,
                stdin=subprocess.PIPE,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
            )
        except OSError as exc:
            self._give_up(f"could not start {request.command[0]}: {exc.strerror or exc}")
            return
        with self._changed:
            if request.generation == self._generation:
                self._process = process
            else:  # a stop or another text came while it was starting
                process.kill()
        # communicate() feeds the text, drains stderr and reaps the process (no zombie), and
        # returns early when the process is killed.
        _, errors = process.communicate(request.text.encode("utf-8"))
        with self._changed:
            if self._process is process:
                self._process = None
            interrupted = request.generation != self._generation
        if interrupted:
            return
        # espeak-ng exits 0 when it cannot open the audio device: its own "error:" line on
        # stderr is the only sign (ALSA's chatter before it is not).
        lines = errors.decode("utf-8", "replace").strip().splitlines()
        failures = [line for line in lines if line.lower().startswith("error")]
        if process.returncode != 0 or failures:
            detail = (failures or lines or [""])[-1]
            self._give_up(f"exit status {process.returncode}: {detail}")

    def _give_up(self, reason: str) -> None:
        with self._changed:
            if self._failed:
                return
            self._failed = True
        log.warning("espeak-ng cannot speak, the kiosk stays silent: %s", reason[:200])
        self._announce(False)
