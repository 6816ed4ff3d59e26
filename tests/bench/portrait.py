"""Identity-photo guidance (kiosk.portrait): time per camera frame on one core, and accuracy.

- Live guidance: ``PortraitAnalyser.analyse`` on 1280x720 frames of a slowly moving face
  (NASA's portrait composited as in tests/unit/test_portrait.py: drifting sideways, nearer and
  further, tilting a little; sensor noise changing from frame to frame), on the plain backdrop
  the kiosk asks for and on a cluttered one (the cascade works harder there): mean and p95 per
  frame, frames per second; the reference, same run and frames (every 10th): one bare
  ``detectMultiScale`` of the same cascade on the whole frame (scaleFactor 1.1, minSize 80,
  PLATFORM.md's setting).
- The final check: ``analyse_still`` on one frame, median of 5.
- Accuracy over the sequence: the estimated head height against the true one, and how often
  the face was lost.
"""

from __future__ import annotations

import math
import statistics
import time
from typing import Any

import cv2
import numpy as np

from kiosk.portrait import PortraitAnalyser, analyse_still
from tests.unit.test_portrait import SIZE, Scene, backdrop, compose

FRAMES = 400
REFERENCE_EVERY = 10
TARGET_FPS = 30.0
STILL_RUNS = 5


def _noisy_backdrops(kind: str, count: int = 4) -> list[Any]:
    rng = np.random.default_rng(3)
    plain = backdrop(kind).astype(np.int16)
    return [
        np.clip(plain + rng.integers(-3, 4, plain.shape, dtype=np.int16), 0, 255).astype(np.uint8)
        for _ in range(count)
    ]


def _scene(step: int, backs: list[Any]) -> Scene:
    """Frame ``step`` of ~13 s at 30 fps: the usager sways, leans in and out, tilts."""
    t = step / FRAMES * 2 * math.pi
    return compose(
        x=0.5 + 0.07 * math.sin(t),
        eye_y=330 + 25 * math.sin(2 * t),
        head=0.55 + 0.1 * math.sin(1.5 * t),
        roll=4 * math.sin(3 * t),
        onto=backs[step % len(backs)],
    )


def live(kind: str, label: str) -> str:
    cv2.setNumThreads(1)  # the figure is for one core
    backs = _noisy_backdrops(kind)
    analyser = PortraitAnalyser()
    reference = cv2.CascadeClassifier(cv2.data.haarcascades + "haarcascade_frontalface_alt2.xml")
    analyser.analyse(_scene(0, backs).image)  # warm-up
    analyser.reset()
    times: list[float] = []
    bare: list[float] = []
    errors: list[float] = []
    lost = 0
    for step in range(FRAMES):
        scene = _scene(step, backs)
        started = time.perf_counter()
        analysis = analyser.analyse(scene.image)
        times.append((time.perf_counter() - started) * 1000)
        share = analysis.finding("head_size").value
        if analysis.face is None or share is None:
            lost += 1
        else:
            errors.append(abs(share * SIZE[1] / scene.head - 1))
        if step % REFERENCE_EVERY == 0:
            gray = cv2.cvtColor(scene.image, cv2.COLOR_BGR2GRAY)
            started = time.perf_counter()
            reference.detectMultiScale(gray, 1.1, 4, minSize=(80, 80))
            bare.append((time.perf_counter() - started) * 1000)
    mean = statistics.mean(times)
    p95 = sorted(times)[int(0.95 * len(times))]
    fps = 1000 / mean
    reference_ms = statistics.mean(bare)
    verdict = "OK" if fps >= TARGET_FPS else "OVER TARGET"
    return (
        f"identity-photo guidance, 1280x720, one core, {FRAMES} frames of a moving face "
        f"{label}: "
        f"mean {mean:.1f} ms, p95 {p95:.1f} ms per frame, {fps:.0f} fps; bare full-frame "
        f"detectMultiScale {reference_ms:.0f} ms (same frames, every {REFERENCE_EVERY}th), "
        f"ratio {mean / reference_ms:.2f}x; target >= {TARGET_FPS:.0f} fps {verdict}\n"
        f"identity-photo guidance accuracy, same frames: head height estimated within "
        f"{100 * statistics.median(errors):.1f} % (median), {100 * max(errors):.1f} % (worst) "
        f"of the true one; face lost on {lost} of {FRAMES} frames"
    )


def still() -> str:
    cv2.setNumThreads(1)
    image = compose().image
    analyse_still(image)  # warm-up (loads the cascades)
    samples = []
    for _ in range(STILL_RUNS):
        started = time.perf_counter()
        analyse_still(image)
        samples.append((time.perf_counter() - started) * 1000)
    return (
        f"identity-photo final check (analyse_still), 1280x720, one core, median of "
        f"{STILL_RUNS}: {statistics.median(samples):.0f} ms"
    )


def report() -> str:
    return "\n".join(
        (
            live("grey", "on a plain backdrop"),
            live("clutter", "on a cluttered one"),
            still(),
        )
    )


if __name__ == "__main__":
    print(report())
