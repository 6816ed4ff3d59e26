"""Drawing a QR code as a pixmap, so an usager can photograph the receipt on screen."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPixmap

QUIET_ZONE = 4  # modules of white border the standard asks for


def qr_pixmap(data: str, size_px: int) -> QPixmap:
    import qrcode  # ~25 ms of imports, paid at the first receipt rather than at start-up

    code = qrcode.QRCode(border=0, error_correction=qrcode.constants.ERROR_CORRECT_M)
    code.add_data(data)
    code.make(fit=True)
    matrix: list[list[bool]] = code.get_matrix()
    modules = len(matrix) + 2 * QUIET_ZONE
    scale = max(1, size_px // modules)
    image = QImage(modules * scale, modules * scale, QImage.Format.Format_RGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor("black"))
    for y, row in enumerate(matrix):
        for x, dark in enumerate(row):
            if dark:
                painter.drawRect((x + QUIET_ZONE) * scale, (y + QUIET_ZONE) * scale, scale, scale)
    painter.end()
    return QPixmap.fromImage(image)
