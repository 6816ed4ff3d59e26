"""Page processing: speed on one core, deskew accuracy, blank detection (issue: scanning).

- Processing one 300-dpi A4 colour page from the simulator (crop + deskew + blank check +
  encode), median of 9, on one core; the reference, same run: a plain ``cv2.imencode`` of
  the same page.
- Deskew accuracy: a straight page rotated by known angles; the largest error.
- Blank detection on a labelled set: blank, near-blank with bleed-through, light text.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import Any

import cv2
import numpy as np

from drivers.scanner import synthetic
from kiosk.page_processing import deskew, estimate_skew, is_blank, process_page

RUNS = 9
TARGET_MS = 150.0
TARGET_SKEW_ERROR = 0.3
ANGLES = (-18.0, -10.0, -4.5, -1.2, 0.7, 2.0, 6.0, 12.5, 19.0)


def _median_ms(action: Callable[[], object]) -> float:
    samples = []
    for _ in range(RUNS):
        started = time.perf_counter()
        action()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def _page(seed: int, dpi: int = 300) -> Any:
    rng = np.random.default_rng(seed)
    return synthetic.render_page(dpi, rng, back=False, gray=False, page_label="1/1")


def speed() -> str:
    cv2.setNumThreads(1)  # the figure is for one core
    page = _page(1)
    process_page(page, 300)  # warm-up
    processing = _median_ms(lambda: process_page(page, 300))
    encoding = _median_ms(lambda: cv2.imencode(".jpg", page, [cv2.IMWRITE_JPEG_QUALITY, 90]))
    verdict = "OK" if processing <= TARGET_MS else "OVER TARGET"
    return (
        f"page processing, 300-dpi A4 colour, one core (median of {RUNS}): {processing:.0f} ms, "
        f"plain cv2.imencode {encoding:.0f} ms, ratio {processing / encoding:.1f}x; "
        f"target <= {TARGET_MS:.0f} ms {verdict}"
    )


def _straight_page() -> Any:
    """A page of text-like lines, straight, on white: the reference for known rotations."""
    page = np.full((1754, 1240, 3), 255, np.uint8)  # A4 at 150 dpi
    rng = np.random.default_rng(7)
    for y in range(160, 1600, 34):
        x = 120
        while x < 1100:
            word = int(rng.integers(30, 110))
            cv2.rectangle(page, (x, y), (min(x + word, 1120), y + 14), (40, 40, 40), -1)
            x += word + 18
    return page


def accuracy() -> str:
    page = _straight_page()
    errors = []
    for angle in ANGLES:
        turned = deskew(page, angle)  # rotate by a known angle (white corners)
        errors.append(abs(estimate_skew(turned) + angle))
    worst = max(errors)
    verdict = "OK" if worst <= TARGET_SKEW_ERROR else "OVER TARGET"
    return (
        f"deskew accuracy on {len(ANGLES)} angles from -18° to +19°: max error {worst:.2f}°, "
        f"mean {statistics.mean(errors):.2f}°; target <= {TARGET_SKEW_ERROR}° {verdict}"
    )


def _labelled_pages() -> list[tuple[str, bool, Any]]:
    """(label, has text, page) at 150 dpi."""
    white = np.full((1754, 1240), 250, np.uint8)
    bleed = white.copy()  # the back of a printed sheet: faint mirrored lines
    for y in range(200, 1500, 40):
        cv2.rectangle(bleed, (150, y), (1050, y + 10), 225, -1)
    speck = white.copy()
    cv2.circle(speck, (600, 900), 2, 30, -1)
    light = white.copy()  # a short letter in light ink
    for y in range(300, 700, 36):
        cv2.rectangle(light, (150, y), (1000, y + 12), 140, -1)
    return [
        ("blank", False, white),
        ("blank with a speck of dust", False, speck),
        ("near-blank with bleed-through", False, bleed),
        ("light text", True, light),
        ("simulator page (text)", True, cv2.cvtColor(_page(2, 150), cv2.COLOR_BGR2GRAY)),
    ]


def blanks() -> str:
    pages = _labelled_pages()
    dropped = [label for label, text, page in pages if text and is_blank(page)]
    kept_blank = [label for label, text, page in pages if not text and not is_blank(page)]
    verdict = "OK" if not dropped else "OVER TARGET"
    return (
        f"blank detection on {len(pages)} labelled pages: {len(dropped)} text page(s) dropped"
        f"{' (' + ', '.join(dropped) + ')' if dropped else ''}, "
        f"{len(kept_blank)} blank page(s) kept as text"
        f"{' (' + ', '.join(kept_blank) + ')' if kept_blank else ''}; target 0 dropped {verdict}"
    )


def report() -> str:
    return "\n".join((speed(), accuracy(), blanks()))


if __name__ == "__main__":
    print(report())
