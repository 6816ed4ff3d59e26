"""The receipt as the ticket printer printed it, drawn from the ESC/POS bytes themselves.

The bytes are decoded the way the printer reads them (``drivers.printer.escpos_parse``: code
page, bold, double size, alignment, QR code), so what the screen shows is what the paper
shows, accents included: a wrong code page would show here too, not only on paper.
"""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPixmap

from drivers.printer.escpos_parse import PrintedLine, PrintedQr, parse_escpos
from ui.qr import qr_pixmap

COLUMNS = 42  # an 80 mm roll at font A (TM-T88V); the model's own count is passed in
FONT_PX = 15
MARGIN_PX = 14
QR_PX = 180
_ALIGN = {
    "left": Qt.AlignmentFlag.AlignLeft,
    "center": Qt.AlignmentFlag.AlignHCenter,
    "right": Qt.AlignmentFlag.AlignRight,
}


def receipt_pixmap(data: bytes, columns: int = COLUMNS) -> QPixmap:
    """A white ticket ``columns`` characters wide (the model's roll) with every printed line
    and QR code of ``data``, in paper order."""
    parsed = parse_escpos(data)
    # Trailing blank lines are the feed before the cut: paper, not content.
    items = [part for item in parsed.items for part in _as_printed(item, columns)]
    while items and isinstance(items[-1], PrintedLine) and not items[-1].text.strip():
        items.pop()
    font = QFont("DejaVu Sans Mono")
    font.setPixelSize(FONT_PX)
    metrics = QFontMetrics(font)
    width = metrics.horizontalAdvance("M" * columns) + 2 * MARGIN_PX
    heights = [_height(item, metrics) for item in items]
    pixmap = QPixmap(width, sum(heights) + 2 * MARGIN_PX)
    pixmap.fill(QColor("white"))
    painter = QPainter(pixmap)
    painter.setPen(QColor("#161616"))
    y = MARGIN_PX
    for item, height in zip(items, heights, strict=True):
        box = QRect(MARGIN_PX, y, width - 2 * MARGIN_PX, height)
        if isinstance(item, PrintedQr):
            image = qr_pixmap(item.data, QR_PX)
            left = box.x() + (box.width() - image.width()) // 2
            painter.drawPixmap(left, y, image)
        else:
            line_font = QFont(font)
            line_font.setBold(item.bold)
            line_font.setPixelSize(FONT_PX * item.height)
            line_font.setStretch(100 * item.width // item.height)
            painter.setFont(line_font)
            painter.drawText(box, _ALIGN[item.align] | Qt.AlignmentFlag.AlignVCenter, item.text)
        y += height
    painter.end()
    return pixmap


def _as_printed(item: PrintedLine | PrintedQr, columns: int) -> list[PrintedLine | PrintedQr]:
    """A line longer than the roll, cut at the last column as the printer itself does."""
    if isinstance(item, PrintedQr):
        return [item]
    width = columns // item.width
    if len(item.text) <= width:
        return [item]
    return [replace(item, text=item.text[i : i + width]) for i in range(0, len(item.text), width)]


def _height(item: PrintedLine | PrintedQr, metrics: QFontMetrics) -> int:
    if isinstance(item, PrintedQr):
        return QR_PX + 8
    return metrics.height() * item.height
