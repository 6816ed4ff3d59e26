"""Page orientation (Tesseract OSD): time per page and accuracy on labelled pages.

- Accuracy: rendered A4 pages of French prose at 300 dpi (11 pt, 12 pt, 9 pt scan-like:
  turned 1.5°, blurred, grainy, grey paper), each in the 4 orientations: right, wrong and
  unsure (None) answers. Pages without text (random noise, heavy grain) in the 4 orientations: any
  answer but None is a wrong turn.
- Speed: the median time of those calls (gray, downscale to 200 dpi, PNG, Tesseract), one
  core; the reference, same run: Tesseract started on a tiny blank PNG, which it refuses at
  once ("Too few characters"), i.e. its start-up cost.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import time
from typing import Any

import cv2
import numpy as np

from kiosk.orientation import detect_rotation
from tests.unit.test_orientation import render_text_page

DPI = 300
TARGET_MS = 1500.0
TARGET_RIGHT = 0.9  # share of the text pages put upright
# cv2.rotate code applied to the upright page -> the correction expected.
TURNS = {
    None: 0,
    cv2.ROTATE_90_CLOCKWISE: 270,
    cv2.ROTATE_180: 180,
    cv2.ROTATE_90_COUNTERCLOCKWISE: 90,
}


def _scan_like(page: Any, seed: int) -> Any:
    """``page`` as a flatbed gives it back: slightly turned, soft, grainy, on grey paper."""
    rng = np.random.default_rng(seed)
    height, width = page.shape
    matrix = cv2.getRotationMatrix2D((width / 2, height / 2), 1.5, 1.0)
    turned = cv2.warpAffine(page, matrix, (width, height), borderValue=255)
    soft = cv2.GaussianBlur(turned, (3, 3), 0.8).astype(np.float32)
    grainy = soft * 0.9 + 12 + rng.normal(0, 6, soft.shape)
    return np.clip(grainy, 0, 255).astype(np.uint8)


def _labelled_pages() -> tuple[list[tuple[str, Any]], list[tuple[str, Any]]]:
    """(text pages, pages without text), upright, gray, A4 at 300 dpi."""
    text = [
        ("11 pt", render_text_page(DPI, 11.0, 0)),
        ("12 pt", render_text_page(DPI, 12.0, 1)),
        ("9 pt scan-like", _scan_like(render_text_page(DPI, 9.0, 2), 2)),
    ]
    rng = np.random.default_rng(3)
    shape = text[0][1].shape
    blank = [
        ("random noise", rng.integers(0, 256, shape, dtype=np.uint8)),
        ("heavy grain", np.clip(rng.normal(220, 25, shape), 0, 255).astype(np.uint8)),
    ]
    return text, blank


def _timed(page: Any) -> tuple[int | None, float]:
    started = time.perf_counter()
    answer = detect_rotation(page, DPI)
    return answer, (time.perf_counter() - started) * 1000


def _startup_ms() -> float:
    png = cv2.imencode(".png", np.full((64, 64), 255, np.uint8))[1].tobytes()
    samples = []
    for _ in range(5):
        started = time.perf_counter()
        subprocess.run(
            ["tesseract", "-", "-", "-l", "osd", "--psm", "0"], input=png, capture_output=True
        )
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def report() -> str:
    cv2.setNumThreads(1)  # the figure is for one core
    os.environ["OMP_THREAD_LIMIT"] = "1"  # Tesseract too
    text, blank = _labelled_pages()
    times: list[float] = []
    right, wrong, unsure = 0, [], []
    for label, page in text:
        for code, expected in TURNS.items():
            scanned = page if code is None else cv2.rotate(page, code)
            answer, ms = _timed(scanned)
            times.append(ms)
            turn = f"{label} needing {expected}°"
            if answer == expected:
                right += 1
            elif answer is None:
                unsure.append(turn)
            else:
                wrong.append(f"{turn}: {answer}°")
    for label, page in blank:
        for code in TURNS:
            answer, ms = _timed(page if code is None else cv2.rotate(page, code))
            times.append(ms)
            if answer not in (None, 0):
                wrong.append(f"{label}: {answer}°")
    total = len(text) * len(TURNS)
    median = statistics.median(times)
    speed_verdict = "OK" if median <= TARGET_MS else "OVER TARGET"
    accuracy_verdict = "OK" if not wrong and right >= TARGET_RIGHT * total else "OVER TARGET"
    return "\n".join(
        (
            f"page orientation, 300-dpi A4 sent at 200 dpi, one core (median of {len(times)}): "
            f"{median:.0f} ms, Tesseract start-up alone {_startup_ms():.0f} ms; "
            f"target <= {TARGET_MS:.0f} ms {speed_verdict}",
            f"page orientation on {len(text)} text pages x 4 orientations: {right}/{total} right, "
            f"{len(unsure)} unsure{' (' + ', '.join(unsure) + ')' if unsure else ''}, "
            f"{len(wrong)} wrong turn(s){' (' + ', '.join(wrong) + ')' if wrong else ''} "
            f"({len(blank)} pages without text x 4 included); target 0 wrong, "
            f">= {TARGET_RIGHT:.0%} right "
            f"{accuracy_verdict}",
        )
    )


if __name__ == "__main__":
    print(report())
