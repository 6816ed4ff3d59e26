"""The speech engine for real: espeak-ng writes French and Arabic speech to WAV files, is never
waited on by the caller, is cut short by the next text or by stop(), and a missing or broken
engine leaves a silent speaker instead of an error."""

from __future__ import annotations

import logging
import os
import shutil
import stat
import time
import wave
from collections.abc import Callable
from pathlib import Path

import pytest

from drivers.speech.espeak import DEFAULT_RATE_WPM, EspeakSpeaker
from drivers.speech.interface import SilentSpeaker

# Long enough for espeak-ng to need well over a second, even writing a file.
LONG_TEXT = "Bonjour, ceci est une consigne assez longue pour durer un moment. " * 2500


@pytest.fixture(autouse=True)
def espeak_installed() -> None:
    assert shutil.which("espeak-ng") is not None, "apt install espeak-ng"


def wav_seconds(path: Path) -> float:
    with wave.open(str(path)) as wav:
        assert wav.getnchannels() == 1 and wav.getsampwidth() == 2
        return float(wav.getnframes() / wav.getframerate())


def spoken_to(path: Path, text: str, language: str, rate_wpm: int = DEFAULT_RATE_WPM) -> float:
    speaker = EspeakSpeaker(rate_wpm=rate_wpm, wav_path=path)
    speaker.say(text, language)
    assert speaker.wait(10), "espeak-ng did not finish"
    assert speaker.available, "espeak-ng failed"
    return wav_seconds(path)


def process_alive(pid: int) -> bool:
    """True while the process exists and is not a zombie."""
    try:
        status = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return status.rsplit(")", 1)[1].split()[0] != "Z"


def wait_for(predicate: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.005)


def test_french_speech_is_written_as_a_real_wav(tmp_path: Path) -> None:
    seconds = spoken_to(tmp_path / "fr.wav", "Bonjour ! Que souhaitez-vous faire ?", "fr")
    # A sentence of six words at 140 words a minute: a couple of seconds of sound, not silence.
    assert 1.0 < seconds < 6.0
    with wave.open(str(tmp_path / "fr.wav")) as wav:
        samples = wav.readframes(wav.getnframes())
    assert max(samples[1::2]) > 16  # high bytes of 16-bit samples: the signal is loud somewhere


def test_the_voice_follows_the_language(tmp_path: Path) -> None:
    # The same digits, read as French and as Arabic numbers: only the voice differs.
    french = spoken_to(tmp_path / "fr.wav", "2024", "fr")
    arabic = spoken_to(tmp_path / "ar.wav", "2024", "ar")
    assert (tmp_path / "fr.wav").read_bytes() != (tmp_path / "ar.wav").read_bytes()
    assert abs(french - arabic) > 0.3, (french, arabic)
    speaker = EspeakSpeaker()
    for language in ("fr", "en", "es", "ar", "tr"):
        command = speaker.command(language)
        assert command[command.index("-v") + 1] == language


def test_the_rate_is_slower_than_espeak_default_and_configurable(tmp_path: Path) -> None:
    text = "Touchez la démarche qui vous concerne, puis suivez les consignes."
    default = spoken_to(tmp_path / "default.wav", text, "fr")
    quick = spoken_to(tmp_path / "quick.wav", text, "fr", rate_wpm=175)
    slow = spoken_to(tmp_path / "slow.wav", text, "fr", rate_wpm=100)
    assert DEFAULT_RATE_WPM < 175
    assert slow > default > quick


def test_say_returns_while_the_process_is_still_speaking(tmp_path: Path) -> None:
    speaker = EspeakSpeaker(wav_path=tmp_path / "long.wav")
    started = time.monotonic()
    speaker.say(LONG_TEXT, "fr")
    returned_after = time.monotonic() - started
    assert returned_after < 0.05
    wait_for(lambda: speaker.current_pid is not None)
    pid = speaker.current_pid
    assert pid is not None and process_alive(pid)
    # The process really is espeak-ng with the French voice, reading the text from stdin.
    cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    assert cmdline[0].endswith(b"espeak-ng") and b"--stdin" in cmdline
    assert cmdline[cmdline.index(b"-v") + 1] == b"fr"
    assert not speaker.wait(0.3)  # still speaking: say() did not wait for it
    speaker.close()
    wait_for(lambda: not process_alive(pid))


def test_a_new_text_cuts_the_previous_one_short(tmp_path: Path) -> None:
    speaker = EspeakSpeaker(wav_path=tmp_path / "speech.wav")
    speaker.say(LONG_TEXT, "fr")
    wait_for(lambda: speaker.current_pid is not None)
    first = speaker.current_pid
    assert first is not None
    speaker.say("Vos données ont été effacées.", "fr")
    wait_for(lambda: not process_alive(first), timeout=1.0)  # gone at once, not after 3 s
    assert speaker.wait(5)
    # The file is the short text's: the long one never finished writing over it.
    assert wav_seconds(tmp_path / "speech.wav") < 5
    assert speaker.available  # being interrupted is not a failure


def test_stop_kills_the_process_and_a_later_text_still_speaks(tmp_path: Path) -> None:
    speaker = EspeakSpeaker(wav_path=tmp_path / "speech.wav")
    speaker.say(LONG_TEXT, "fr")
    wait_for(lambda: speaker.current_pid is not None)
    pid = speaker.current_pid
    assert pid is not None
    speaker.stop()
    wait_for(lambda: not process_alive(pid), timeout=1.0)
    assert speaker.wait(1) and speaker.current_pid is None
    assert speaker.available
    (tmp_path / "speech.wav").unlink(missing_ok=True)
    speaker.say("Bonjour.", "fr")
    assert speaker.wait(5)
    assert wav_seconds(tmp_path / "speech.wav") > 0.3


def test_missing_binary_is_a_silent_speaker(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    speaker = EspeakSpeaker()
    assert not speaker.available
    speaker.say("Bonjour.", "fr")  # nothing happens, nothing raised
    speaker.stop()
    assert speaker.wait(0.1) and speaker.current_pid is None
    silent = SilentSpeaker()
    silent.say("Bonjour.", "fr")
    assert not silent.available


def fake_espeak(folder: Path, script: str) -> str:
    path = folder / "espeak-ng"
    path.write_text(f"#!/bin/sh\n{script}\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return str(path)


def test_an_engine_that_fails_turns_silent_and_warns_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # As espeak-ng does with a voice that is not installed.
    binary = fake_espeak(
        tmp_path, "cat >/dev/null; echo 'Error: The specified voice does not exist.' >&2; exit 1"
    )
    speaker = EspeakSpeaker(binary)
    told: list[bool] = []
    speaker.watch_availability(told.append)
    with caplog.at_level(logging.WARNING):
        assert speaker.available
        speaker.say("Bonjour.", "fr")
        assert speaker.wait(5)
        assert not speaker.available and told == [False]
        speaker.say("Bonjour encore.", "fr")
        assert speaker.wait(1)
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 1 and "does not exist" in warnings[0].getMessage()
    assert not any(r.levelno >= logging.ERROR for r in caplog.records)
    assert "Bonjour" not in caplog.text  # spoken texts are never logged


def test_no_audio_device_turns_the_real_engine_silent(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # Neither PulseAudio nor ALSA can give espeak-ng a device: it still exits 0, and only
    # its "error:" line on stderr tells that nothing was heard.
    monkeypatch.setenv("ALSA_CONFIG_PATH", "/nonexistent/alsa.conf")
    monkeypatch.setenv("PULSE_SERVER", "unix:/nonexistent")
    speaker = EspeakSpeaker()  # to the audio device, not to a file
    told: list[bool] = []
    speaker.watch_availability(told.append)
    with caplog.at_level(logging.WARNING):
        speaker.say("Bonjour.", "fr")
        assert speaker.wait(5)
    assert not speaker.available and told == [False]
    assert len(caplog.records) == 1


def test_an_engine_that_cannot_start_turns_silent(tmp_path: Path) -> None:
    binary = fake_espeak(tmp_path, "exit 0")
    speaker = EspeakSpeaker(binary)
    os.chmod(binary, 0o644)  # found at start, no longer executable when used
    speaker.say("Bonjour.", "fr")
    assert speaker.wait(5)
    assert not speaker.available
