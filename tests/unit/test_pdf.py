"""One PDF per pièce: the pages' JPEGs inside, unchanged, read back by a real PDF reader."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import cv2
import numpy as np
import pytest

from kiosk.pdf import PdfPage, jpegs_to_pdf


def jpeg(width: int, height: int, gray: bool = False) -> bytes:
    image = np.full((height, width, 3), 235, np.uint8)
    cv2.putText(image, "Page", (20, height // 2), cv2.FONT_HERSHEY_SIMPLEX, 2, (0, 0, 0), 3)
    if gray:
        image = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    ok, data = cv2.imencode(".jpg", image)
    assert ok
    return bytes(data.tobytes())


def test_the_pages_are_embedded_byte_for_byte_at_their_paper_size() -> None:
    colour, gray = jpeg(1240, 1754), jpeg(620, 877, gray=True)
    pdf = jpegs_to_pdf([PdfPage(colour, 150), PdfPage(gray, 75)])
    assert pdf.startswith(b"%PDF-1.4") and pdf.rstrip().endswith(b"%%EOF")
    assert colour in pdf and gray in pdf  # no re-compression
    assert len(re.findall(rb"/Type /Page\b", pdf)) == 2
    assert b"/Count 2" in pdf
    assert pdf.count(b"/MediaBox [0 0 595.20 841.92]") == 2  # both A4, whatever the dpi
    assert b"/ColorSpace /DeviceRGB" in pdf and b"/ColorSpace /DeviceGray" in pdf


def test_every_cross_reference_points_at_its_object() -> None:
    pdf = jpegs_to_pdf([PdfPage(jpeg(200, 300), 100)])
    start = int(pdf.rsplit(b"startxref\n", 1)[1].split(b"\n", 1)[0])
    table = pdf[start:].split(b"trailer", 1)[0].splitlines()
    count = int(table[1].split()[1])
    offsets = [int(line.split()[0]) for line in table[3 : 2 + count]]
    for number, offset in enumerate(offsets, start=1):
        assert pdf[offset:].startswith(b"%d 0 obj" % number)


def test_what_is_not_a_jpeg_is_refused() -> None:
    with pytest.raises(ValueError):
        jpegs_to_pdf([])
    with pytest.raises(ValueError):
        jpegs_to_pdf([PdfPage(b"\x89PNG\r\n\x1a\nnot a jpeg", 300)])


def test_a_real_reader_opens_it(tmp_path: Path) -> None:
    pdfinfo, pdfimages = shutil.which("pdfinfo"), shutil.which("pdfimages")
    assert pdfinfo and pdfimages, "poppler-utils is missing: run the README's set-up command"
    path = tmp_path / "piece.pdf"
    path.write_bytes(jpegs_to_pdf([PdfPage(jpeg(1240, 1754), 150), PdfPage(jpeg(1240, 1754), 150)]))
    info = subprocess.run([pdfinfo, str(path)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"Pages:\s+2", info) and "(A4)" in info
    images = subprocess.run(
        [pdfimages, "-list", str(path)], capture_output=True, text=True, check=True
    ).stdout.splitlines()[2:]
    assert len(images) == 2
    for line in images:
        fields = line.split()
        assert fields[3:6] == ["1240", "1754", "rgb"] and fields[8] == "jpeg"
        assert fields[12:14] == ["150", "150"]  # x-ppi, y-ppi: the scan resolution
