"""One PDF per pièce, its pages the scanned JPEGs embedded as they are (no re-compression).

A PDF can carry a JPEG byte for byte (the DCTDecode filter), so the pièce costs no quality and
barely more bytes than its pages. Written by hand: a dozen objects, no dependency.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from kiosk.page_processing import jpeg_frame

POINTS_PER_INCH = 72


@dataclass(frozen=True)
class PdfPage:
    jpeg: bytes
    resolution_dpi: int


def _components(jpeg: bytes) -> int:
    """Colour components of a JPEG (1 gray, 3 colour), read from its frame header."""
    found = jpeg_frame(jpeg)
    if found is None:
        raise ValueError("not a JPEG")
    offset = found[2]
    return jpeg[offset + 9]


def jpegs_to_pdf(pages: Sequence[PdfPage]) -> bytes:
    if not pages:
        raise ValueError("a PDF needs at least one page")
    objects: list[bytes] = []  # object n is objects[n - 1]

    def add(body: bytes) -> int:
        objects.append(body)
        return len(objects)

    catalog = add(b"")  # filled once the page tree's number is known
    tree = add(b"")
    kids = []
    for page in pages:
        found = jpeg_frame(page.jpeg)
        if found is None:
            raise ValueError("not a JPEG")
        width_px, height_px, _offset = found
        space = b"/DeviceGray" if _components(page.jpeg) == 1 else b"/DeviceRGB"
        image = add(
            b"<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace %s "
            b"/BitsPerComponent 8 /Filter /DCTDecode /Length %d >>\nstream\n%s\nendstream"
            % (width_px, height_px, space, len(page.jpeg), page.jpeg)
        )
        # The page has the paper's size: pixels at the scan resolution, in points.
        width_pt = width_px * POINTS_PER_INCH / page.resolution_dpi
        height_pt = height_px * POINTS_PER_INCH / page.resolution_dpi
        drawing = b"q %.2f 0 0 %.2f 0 0 cm /Im0 Do Q" % (width_pt, height_pt)
        content = add(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(drawing), drawing))
        kids.append(
            add(
                b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 %.2f %.2f] "
                b"/Resources << /XObject << /Im0 %d 0 R >> >> /Contents %d 0 R >>"
                % (tree, width_pt, height_pt, image, content)
            )
        )
    objects[catalog - 1] = b"<< /Type /Catalog /Pages %d 0 R >>" % tree
    references = b" ".join(b"%d 0 R" % kid for kid in kids)
    objects[tree - 1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (references, len(kids))
    return _serialise(objects, catalog)


def _serialise(objects: list[bytes], root: int) -> bytes:
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")  # binary comment: mark the file binary
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        root,
        xref,
    )
    return bytes(out)
