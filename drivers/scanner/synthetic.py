"""Synthetic scanned pages for the simulated scanner.

A page looks like an administrative document on a scanner bed: off-white A4 paper with a
header, grey "text" bars grouped in paragraphs, a table, a stamp and a signature, slightly
rotated and shifted onto a dark lid, with mild sensor noise. Later image work (auto-crop,
deskew, blank-page detection) therefore has real edges, angles and ink to find.

This module imports numpy and OpenCV at the top: the simulator imports *it* lazily, at scan
time, so the kiosk's start-up never pays for them. Everything is drawn with OpenCV primitives
at the target resolution (no per-pixel Python loops): about 60-100 ms per A4 page at 300 dpi.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

Image = npt.NDArray[np.uint8]
Color = tuple[int, int, int]  # BGR

A4_MM = (210.0, 297.0)
MM_PER_INCH = 25.4

PAPER: Color = (228, 234, 237)  # off-white, slightly warm; noise adds ~4 on top
LID: Color = (30, 31, 33)  # the dark lid/ADF background around the sheet
INK: Color = (40, 38, 36)
TEXT_GREY: Color = (85, 85, 85)
BAND_GREY: Color = (206, 210, 212)
STAMP_BLUE: Color = (150, 80, 40)
PEN_BLUE: Color = (110, 40, 20)
FLAG_BLUE: Color = (145, 0, 0)  # bleu France #000091
FLAG_RED: Color = (15, 0, 225)  # rouge Marianne #E1000F

MAX_SKEW_DEG = 1.5
TITLES = (
    "ATTESTATION DE DOMICILE",
    "AVIS D'IMPOSITION",
    "CERTIFICAT DE CESSION",
    "JUSTIFICATIF D'IDENTITE",
)

_FONT = cv2.FONT_HERSHEY_DUPLEX
_FONT_CAP_PX = 22.0  # Hershey glyph cap height at fontScale 1, used to size text in mm


def page_size_px(dpi: int) -> tuple[int, int]:
    """(width, height) in pixels of an A4 page at ``dpi``: 2480 x 3508 at 300 dpi."""
    return (round(A4_MM[0] * dpi / MM_PER_INCH), round(A4_MM[1] * dpi / MM_PER_INCH))


@dataclass
class _Sheet:
    """A BGR image addressed in millimetres, so the layout is the same at any dpi."""

    img: Image
    px_per_mm: float

    def px(self, mm: float) -> int:
        return round(mm * self.px_per_mm)

    def pt(self, x_mm: float, y_mm: float) -> tuple[int, int]:
        return (self.px(x_mm), self.px(y_mm))

    def rect(self, x: float, y: float, w: float, h: float, color: Color) -> None:
        """A filled rectangle (text bars, bands, flag stripes)."""
        cv2.rectangle(self.img, self.pt(x, y), self.pt(x + w, y + h), color, -1)

    def line(self, x0: float, y0: float, x1: float, y1: float, color: Color, mm: float) -> None:
        cv2.line(self.img, self.pt(x0, y0), self.pt(x1, y1), color, max(1, self.px(mm)))

    def _font(self, cap_mm: float) -> tuple[float, int]:
        scale = self.px(cap_mm) / _FONT_CAP_PX
        return scale, max(1, round(scale * 1.6))

    def text_width(self, s: str, cap_mm: float) -> float:
        scale, thickness = self._font(cap_mm)
        (w, _h), _base = cv2.getTextSize(s, _FONT, scale, thickness)
        return float(w) / self.px_per_mm

    def text(self, s: str, x: float, y: float, cap_mm: float, color: Color = INK) -> None:
        """Draw ASCII ``s`` (Hershey fonts have no accents) with its baseline at ``y``."""
        scale, thickness = self._font(cap_mm)
        cv2.putText(self.img, s, self.pt(x, y), _FONT, scale, color, thickness, cv2.LINE_AA)


def render_page(
    dpi: int, rng: np.random.Generator, *, back: bool, gray: bool, page_label: str
) -> Image:
    """One scanned page: H x W x 3 BGR, or H x W when ``gray``."""
    width, height = page_size_px(dpi)
    img: Image = np.empty((height, width, 3), np.uint8)
    # cv2.rectangle fills in ~2 ms where numpy's per-channel broadcast takes ~60 ms.
    cv2.rectangle(img, (0, 0), (width, height), PAPER, -1)
    sheet = _Sheet(img, dpi / MM_PER_INCH)
    if back:
        _draw_back(sheet, page_label)
    else:
        _draw_front(sheet, rng, page_label)
    if gray:
        # Before the warp: one channel warps faster than three.
        img = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY).astype(np.uint8, copy=False)
    img = _place_on_lid(img, rng, sheet.px_per_mm)
    return _add_noise(img, rng)


def _draw_front(sheet: _Sheet, rng: np.random.Generator, page_label: str) -> None:
    _draw_letterhead(sheet)
    title = TITLES[int(rng.integers(len(TITLES)))]
    sheet.rect(20, 38, 170, 13, BAND_GREY)
    sheet.text(title, 105 - sheet.text_width(title, 4.5) / 2, 47, 4.5)
    number = f"Dossier n. {int(rng.integers(2020, 2026))}-{int(rng.integers(0, 999999)):06d}"
    sheet.text(number, 20, 60, 2.6)
    y = _draw_paragraphs(sheet, rng, top=68, count=3)
    y = _draw_table(sheet, rng, top=y + 4)
    _draw_paragraphs(sheet, rng, top=y + 8, count=1)
    _draw_signature_block(sheet, rng)
    _draw_footer(sheet, page_label)


def _draw_letterhead(sheet: _Sheet) -> None:
    # The Marianne block: a tricolour flag over "REPUBLIQUE FRANCAISE" and the motto.
    # cv2.putText only has ASCII glyphs, hence no accents.
    sheet.rect(20, 12, 4, 9, FLAG_BLUE)
    sheet.rect(24, 12, 4, 9, (250, 250, 250))
    sheet.rect(28, 12, 4, 9, FLAG_RED)
    sheet.text("REPUBLIQUE", 20, 26, 2.8)
    sheet.text("FRANCAISE", 20, 30.5, 2.8)
    sheet.text("Liberte Egalite Fraternite", 20, 34, 1.6, TEXT_GREY)
    sheet.text("PREFECTURE DE LA GIRONDE", 128, 20, 2.4)
    sheet.text("Direction des titres", 128, 25, 1.8, TEXT_GREY)


def _draw_text_line(sheet: _Sheet, rng: np.random.Generator, y: float, width: float) -> None:
    """A line of words as grey bars (text seen from afar), ``width`` mm long at most."""
    x, right = 20.0, 20.0 + width
    shade = int(rng.integers(55, 95))
    while x < right - 4:
        word = min(float(rng.uniform(4, 24)), right - x)
        sheet.rect(x, y, word, 2.1, (shade, shade, shade))
        x += word + 1.9


def _draw_paragraphs(
    sheet: _Sheet, rng: np.random.Generator, top: float, count: int, bottom: float = 226
) -> float:
    """``count`` paragraphs from ``top``, never past ``bottom`` (the signature block).

    Return the y (mm) below the last one.
    """
    y = top
    for _ in range(count):
        lines = min(int(rng.integers(3, 7)), int((bottom - y) // 5.0))
        for i in range(lines):
            last = i == lines - 1
            width = float(rng.uniform(40, 150)) if last else float(rng.uniform(158, 170))
            _draw_text_line(sheet, rng, y, width)
            y += 5.0
        y += 4.0
    return y


def _draw_table(sheet: _Sheet, rng: np.random.Generator, top: float) -> float:
    """A 3-column table with a shaded header row; return the y (mm) below it."""
    rows, row_h, cols = 5, 7.0, (20.0, 80.0, 140.0, 190.0)
    sheet.rect(20, top, 170, row_h, BAND_GREY)
    for r in range(rows + 1):
        sheet.line(20, top + r * row_h, 190, top + r * row_h, INK, 0.3)
    for x in cols:
        sheet.line(x, top, x, top + rows * row_h, INK, 0.3)
    for r in range(1, rows):
        for left, right in itertools.pairwise(cols):
            cell = float(rng.uniform(0.3, 0.85)) * (right - left - 6)
            sheet.rect(left + 3, top + r * row_h + 2.4, cell, 2.1, TEXT_GREY)
    return top + rows * row_h


def _draw_signature_block(sheet: _Sheet, rng: np.random.Generator) -> None:
    sheet.text("Fait a Bordeaux, le 12/03/2024", 110, 232, 2.4)
    # Round stamp: two rings and a word, in the ink blue of office stamps.
    cx, cy = sheet.pt(148, 258)
    cv2.circle(sheet.img, (cx, cy), sheet.px(16), STAMP_BLUE, max(1, sheet.px(0.7)), cv2.LINE_AA)
    cv2.circle(sheet.img, (cx, cy), sheet.px(12), STAMP_BLUE, max(1, sheet.px(0.4)), cv2.LINE_AA)
    sheet.text("CACHET", 139.5, 259.5, 2.4, STAMP_BLUE)
    # Signature: a damped scribble crossing the stamp, as one anti-aliased polyline.
    t = np.linspace(0.0, 1.0, 160)
    freq, phase = float(rng.uniform(5, 9)), float(rng.uniform(0, np.pi))
    xs = 125 + 50 * t + 3 * np.sin(2 * np.pi * freq * 1.7 * t)
    ys = 262 - 6 * np.sin(2 * np.pi * freq * t + phase) * (1.2 - t) - 5 * t
    pts = np.stack([xs, ys], axis=1) * sheet.px_per_mm
    cv2.polylines(
        sheet.img, [pts.round().astype(np.int32)], False, PEN_BLUE, sheet.px(0.5), cv2.LINE_AA
    )


def _draw_footer(sheet: _Sheet, page_label: str) -> None:
    sheet.line(20, 282, 190, 282, TEXT_GREY, 0.2)
    sheet.text(page_label, 180, 288, 1.8, TEXT_GREY)


def _draw_back(sheet: _Sheet, page_label: str) -> None:
    # Backs are nearly blank: only a pale mark, lighter than the 179/255 ink threshold that
    # blank-page detection uses (NAPS2), so they are detected as blank as real ones are.
    sheet.text(page_label, 180, 288, 1.8, (205, 208, 210))


def _place_on_lid(img: Image, rng: np.random.Generator, px_per_mm: float) -> Image:
    """Rotate by a small angle and shift the sheet a few mm, exposing the dark lid."""
    height, width = img.shape[:2]
    angle = float(rng.uniform(-MAX_SKEW_DEG, MAX_SKEW_DEG))
    matrix = cv2.getRotationMatrix2D((width / 2, height / 2), angle, 1.0)
    # A 1.5° turn moves the top edge's corners by up to 2.8 mm and the left edge's by 3.9 mm:
    # shifting more than that keeps a strip of lid along the whole top and left sides.
    matrix[0, 2] += float(rng.uniform(4.5, 7.0)) * px_per_mm
    matrix[1, 2] += float(rng.uniform(3.5, 6.0)) * px_per_mm
    lid = LID if img.ndim == 3 else LID[0]
    return cv2.warpAffine(
        img, matrix, (width, height), flags=cv2.INTER_LINEAR, borderValue=lid
    ).astype(np.uint8, copy=False)


def _add_noise(img: Image, rng: np.random.Generator) -> Image:
    """Add mild sensor noise (0..8 levels) in 2x2 grains.

    Drawing noise at half resolution and scaling it up costs a quarter of full-size noise;
    grains of 2 px (0.17 mm at 300 dpi) are still finer than any printed detail.
    """
    height, width = img.shape[:2]
    small_shape = ((height + 1) // 2, (width + 1) // 2, *img.shape[2:])
    cv2.setRNGSeed(int(rng.integers(0, 2**31 - 1)))  # cv2.randu is fast but has its own RNG
    small = np.empty(small_shape, np.uint8)
    channels = small_shape[2] if len(small_shape) == 3 else 1
    # Per-channel bounds: a bare number would only fill the first channel.
    cv2.randu(small, np.zeros(channels), np.full(channels, 9.0))
    noise = cv2.resize(small, (width, height), interpolation=cv2.INTER_NEAREST)
    return cv2.add(img, noise).astype(np.uint8, copy=False)
