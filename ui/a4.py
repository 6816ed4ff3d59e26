"""A4 documents as PDF, drawn by Qt (its text layout handles French typography and long
answers that wrap): the récapitulatif of a sealed dossier, to print through CUPS."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QMarginsF
from PySide6.QtGui import QPageLayout, QPageSize, QPdfWriter, QTextDocument

from kiosk.i18n import _

RESOLUTION_DPI = 300
MARGIN_MM = 20.0


@dataclass(frozen=True)
class A4Recap:
    demarche_title: str
    dossier_number: str
    sealed_at: str  # as printed: "22/11/2026 à 14:05"
    site_name: str
    rows: tuple[tuple[str, str], ...]  # (question or pièce, answer as read back)


def recap_pdf(recap: A4Recap) -> bytes:
    """The récapitulatif as an A4 PDF (every text escaped: answers are the usager's own)."""
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    writer = QPdfWriter(buffer)
    writer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
    writer.setPageMargins(
        QMarginsF(MARGIN_MM, MARGIN_MM, MARGIN_MM, MARGIN_MM), QPageLayout.Unit.Millimeter
    )
    writer.setResolution(RESOLUTION_DPI)
    writer.setTitle(_("Récapitulatif du dossier {n}").format(n=recap.dossier_number))
    document = QTextDocument()
    # Laid out for the PDF's resolution, not the screen's: 11 pt is then 11 pt on paper.
    document.documentLayout().setPaintDevice(writer)
    document.setPageSize(writer.pageLayout().paintRectPixels(RESOLUTION_DPI).size().toSizeF())
    document.setHtml(_html(recap))
    document.print_(writer)
    buffer.close()
    return bytes(data.data())


def _html(recap: A4Recap) -> str:
    rows = "".join(
        f"<tr><td width='40%'><b>{escape(label)}</b></td><td>{escape(value)}</td></tr>"
        for label, value in recap.rows
    )
    heading = escape(_("Récapitulatif de votre dossier"))
    number = escape(_("Numéro de dossier : {n}").format(n=recap.dossier_number))
    when = escape(_("Déposé le {when}, {site}").format(when=recap.sealed_at, site=recap.site_name))
    return (
        "<html><body style='font-family: DejaVu Sans; font-size: 11pt'>"
        f"<p style='font-size: 9pt'>{escape(_('RÉPUBLIQUE FRANÇAISE'))}</p>"
        f"<h2>{heading}</h2><h3>{escape(recap.demarche_title)}</h3>"
        f"<p><b>{number}</b><br/>{when}</p>"
        f"<table cellpadding='4' cellspacing='0' border='1' width='100%'>{rows}</table>"
        "</body></html>"
    )
