"""Page orientation with Tesseract OSD: rendered French pages turned by known quarter turns,
and stand-in commands for Tesseract's failures."""

from __future__ import annotations

import functools
import logging
import shutil
import stat
import struct
import textwrap
import time
from pathlib import Path

import cv2
import numpy as np
import pytest

from kiosk.orientation import OSD_DPI, detect_rotation, rotate_upright

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
A4_INCHES = (8.27, 11.69)
PARAGRAPHS = (
    "Madame, Monsieur, nous accusons réception de votre demande de titre de séjour déposée "
    "à la préfecture. Votre dossier a été enregistré sous le numéro indiqué ci-dessus et "
    "sera instruit dans les meilleurs délais.",
    "Conformément aux dispositions du code de l'entrée et du séjour des étrangers et du droit "
    "d'asile, vous êtes invité à fournir les pièces justificatives manquantes avant la date "
    "limite mentionnée. À défaut, votre demande pourrait être déclarée irrecevable.",
    "Les pièces suivantes doivent être présentées en original : justificatif de domicile de "
    "moins de six mois, passeport en cours de validité, trois photographies d'identité "
    "récentes et conformes aux normes, ainsi que l'attestation d'hébergement signée.",
    "Pour toute question relative à l'état d'avancement de votre démarche, vous pouvez "
    "contacter le service des étrangers du lundi au vendredi, de neuf heures à douze heures, "
    "ou vous présenter au guichet d'accueil muni de votre récépissé.",
    "Nous vous prions d'agréer, Madame, Monsieur, l'expression de nos salutations "
    "distinguées. Pour le préfet et par délégation, le chef du bureau de l'accueil et de la "
    "délivrance des titres.",
)
# How the content was turned on the glass (cv2.rotate code) -> the clockwise correction.
TURNED = {
    "90 clockwise": (cv2.ROTATE_90_CLOCKWISE, 270),
    "180": (cv2.ROTATE_180, 180),
    "90 counter-clockwise": (cv2.ROTATE_90_COUNTERCLOCKWISE, 90),
}


def test_tesseract_is_installed() -> None:
    # The set-up script installs it: without it, orientation detection silently does nothing.
    assert shutil.which("tesseract") is not None, "apt install tesseract-ocr tesseract-ocr-osd"


@functools.cache
def render_text_page(dpi: int = 300, points: float = 11.0, seed: int = 0) -> np.ndarray:
    """An upright A4 page of French administrative prose in DejaVu Sans, black on white.

    The paragraphs come in an order drawn from ``seed`` until the page is full. Read-only.
    """
    from PIL import Image, ImageDraw, ImageFont

    width, height = round(A4_INCHES[0] * dpi), round(A4_INCHES[1] * dpi)
    page = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(page)
    font = ImageFont.truetype(FONT, round(points * dpi / 72))
    margin = round(0.9 * dpi)
    line_height = round(1.4 * points * dpi / 72)
    columns = int((width - 2 * margin) / font.getlength("abcdefghij") * 10)
    rng = np.random.default_rng(seed)
    y = margin
    while True:
        for k in rng.permutation(len(PARAGRAPHS)):
            for line in textwrap.wrap(PARAGRAPHS[k], columns):
                if y + line_height > height - margin:
                    image = np.array(page, dtype=np.uint8)
                    image.flags.writeable = False
                    return image
                draw.text((margin, y), line, font=font, fill=20)
                y += line_height
            y += line_height


def turned(page: np.ndarray, code: int) -> np.ndarray:
    return np.asarray(cv2.rotate(page, code), dtype=np.uint8)


def script(tmp_path: Path, name: str, body: str) -> str:
    path = tmp_path / name
    path.write_text("#!/bin/sh\n" + textwrap.dedent(body))
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return str(path)


# --- rotate_upright ---------------------------------------------------------------------------


def test_rotate_upright_turns_clockwise() -> None:
    image = np.arange(6, dtype=np.uint8).reshape(2, 3)  # [[0 1 2] [3 4 5]]
    assert rotate_upright(image, 0) is image
    # Clockwise: the left column, read bottom to top, becomes the top row.
    assert rotate_upright(image, 90).tolist() == [[3, 0], [4, 1], [5, 2]]
    assert rotate_upright(image, 180).tolist() == [[5, 4, 3], [2, 1, 0]]
    assert rotate_upright(image, 270).tolist() == [[2, 5], [1, 4], [0, 3]]
    colour = np.dstack([image, image + 10, image + 20])
    assert rotate_upright(colour, 90).shape == (3, 2, 3)
    assert rotate_upright(colour, 90)[0, 0].tolist() == [3, 13, 23]
    with pytest.raises(ValueError):
        rotate_upright(image, 45)


# --- Tesseract on rendered pages --------------------------------------------------------------


def test_upright_page_needs_no_turn() -> None:
    assert detect_rotation(render_text_page(), 300) == 0


@pytest.mark.parametrize("how", TURNED)
def test_turned_page_is_put_back_upright(how: str) -> None:
    code, correction = TURNED[how]
    page = render_text_page()
    scanned = turned(page, code)

    detected = detect_rotation(scanned, 300)

    assert detected == correction
    # Quarter turns are exact: the corrected scan is the rendered page, pixel for pixel.
    assert np.array_equal(rotate_upright(scanned, detected), page)


def test_blank_and_noise_pages_are_left_alone() -> None:
    width, height = round(A4_INCHES[0] * 300), round(A4_INCHES[1] * 300)
    rng = np.random.default_rng(0)
    blank = np.full((height, width), 250, np.uint8)
    blank[1000:1003, 1000:1003] = 30  # a speck of dust
    grain = np.clip(rng.normal(245, 3, (height, width)), 0, 255).astype(np.uint8)
    noise = rng.integers(0, 256, (height, width), dtype=np.uint8)

    assert detect_rotation(blank, 300) is None
    assert detect_rotation(grain, 300) is None
    assert detect_rotation(noise, 300) is None


# --- Tesseract's failures, with stand-in commands ---------------------------------------------


def test_missing_command_is_logged_once(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    command = str(tmp_path / "no-tesseract-here")
    page = render_text_page()
    with caplog.at_level(logging.WARNING, logger="kiosk.orientation"):
        assert detect_rotation(page, 300, command=command) is None
        assert detect_rotation(page, 300, command=command) is None
    warnings = [r for r in caplog.records if r.name == "kiosk.orientation"]
    assert len(warnings) == 1
    assert warnings[0].levelno == logging.WARNING
    assert command in warnings[0].getMessage()


def test_slow_command_times_out(tmp_path: Path) -> None:
    command = script(tmp_path, "slow-tesseract", "exec sleep 30\n")
    started = time.monotonic()
    assert detect_rotation(render_text_page(), 300, command=command, timeout_s=0.5) is None
    assert time.monotonic() - started < 5


OSD_OUTPUT = (
    "Page number: 0\nOrientation in degrees: {degrees}\nRotate: {rotate}\n"
    "Orientation confidence: {confidence}\nScript: Latin\nScript confidence: 3.10\n"
)


@pytest.mark.parametrize(
    ("output", "exit_code", "expected"),
    [
        (OSD_OUTPUT.format(degrees=270, rotate=90, confidence="16.35"), 0, 90),
        (OSD_OUTPUT.format(degrees=0, rotate=0, confidence="12.00"), 0, 0),
        # Not confident enough: a page of random noise gets up to ~4.
        (OSD_OUTPUT.format(degrees=90, rotate=270, confidence="4.20"), 0, None),
        (OSD_OUTPUT.format(degrees=45, rotate=315, confidence="20.00"), 0, None),
        (OSD_OUTPUT.format(degrees=90, rotate=270, confidence="nan"), 0, None),
        ("Too few characters. Skipping this page\n", 1, None),
        (OSD_OUTPUT.format(degrees=90, rotate=270, confidence="16.35"), 1, None),
        ("", 0, None),
    ],
)
def test_tesseract_output_is_parsed(
    tmp_path: Path, output: str, exit_code: int, expected: int | None
) -> None:
    (tmp_path / "output.txt").write_text(output)
    command = script(
        tmp_path,
        "fake-tesseract",
        f"""\
        here=$(dirname "$0")
        cat > "$here/stdin.png"
        printf '%s\\n' "$@" > "$here/args.txt"
        cat "$here/output.txt"
        exit {exit_code}
        """,
    )
    assert detect_rotation(render_text_page(), 300, command=command) == expected


def test_tesseract_gets_a_gray_png_at_most_200_dpi(tmp_path: Path) -> None:
    command = script(
        tmp_path,
        "fake-tesseract",
        """\
        here=$(dirname "$0")
        cat > "$here/stdin.png"
        printf '%s\\n' "$@" > "$here/args.txt"
        printf 'Rotate: 0\\nOrientation confidence: 20.0\\n'
        """,
    )
    page = render_text_page()
    colour = np.dstack([page, page, page])

    assert detect_rotation(colour, 300, command=command) == 0

    png = (tmp_path / "stdin.png").read_bytes()
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    width, height, bit_depth, colour_type = struct.unpack(">IIBB", png[16:26])
    assert (width, height) == (round(page.shape[1] * 200 / 300), round(page.shape[0] * 200 / 300))
    assert (bit_depth, colour_type) == (8, 0)  # 8-bit gray
    args = (tmp_path / "args.txt").read_text().split()
    assert args[:2] == ["-", "-"]
    assert args[args.index("--psm") + 1] == "0"
    assert args[args.index("--dpi") + 1] == str(OSD_DPI)


def test_blank_page_does_not_start_tesseract(tmp_path: Path) -> None:
    marker = tmp_path / "started"
    command = script(tmp_path, "fake-tesseract", f"touch {marker}\nexit 1\n")
    blank = np.full((3508, 2480, 3), 252, np.uint8)
    assert detect_rotation(blank, 300, command=command) is None
    assert not marker.exists()
    # The same stand-in is started for a page with text.
    assert detect_rotation(render_text_page(), 300, command=command) is None
    assert marker.exists()
