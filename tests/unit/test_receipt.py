"""The usager's receipt: proof of deposit and how to follow it, and nothing personal."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from drivers.printer.escpos_layout import fits_code_page
from drivers.printer.interface import QrCode, ReceiptDocument, TextLine
from kiosk import i18n
from kiosk.catalog import BUNDLED_DIR, load_catalog
from kiosk.receipt import build_receipt, follow_link
from offline_cache import SealedSubmission
from tests.support.inprocess import demo_app

PERMIS = load_catalog(BUNDLED_DIR).get("permis-perte-vol")
NUMBER = "DEM-K7P-QX3"
SEALED_AT = dt.datetime(2026, 11, 22, 14, 5, tzinfo=dt.UTC)
FOLLOW = "https://permisdeconduire.ants.gouv.fr"

# The answers of the journey: none of them may ever reach the receipt.
ANSWER_VALUES = [
    "Zorglubova",
    "Ysolde",
    "ysolde.zorglubova@exemple.fr",
    "06 12 34 56 78",
    "AB12CD34EF56GH78IJ90KL",
    "1234567890123456",
    "1962",
    "14/07/1962",
    "03/11/2026",
    "Je l'ai perdu",
]


def receipt(pieces: dict[str, int] | None = None, follow_url: str = FOLLOW) -> ReceiptDocument:
    return build_receipt(
        demarche=PERMIS,
        dossier_number=NUMBER,
        sealed_at=SEALED_AT,
        site_name="Préfecture de la Gironde",
        kiosk_id="borne-33-01",
        pieces={"piece_identite": 1, "justificatif_domicile": 2} if pieces is None else pieces,
        follow_url=follow_url,
    )


def qr_blocks(document: ReceiptDocument) -> list[QrCode]:
    return [b for b in document.blocks if isinstance(b, QrCode)]


def test_the_receipt_shows_the_number_the_demarche_where_and_when() -> None:
    text = receipt().plain_text()
    assert NUMBER in text
    assert "Permis de conduire perdu ou volé" in text
    assert "Préfecture de la Gironde" in text
    assert "borne-33-01" in text
    local = SEALED_AT.astimezone()
    assert f"Déposé le {local:%d/%m/%Y} à {local:%H:%M}" in text
    [number_line] = [b for b in receipt().blocks if isinstance(b, TextLine) and b.text == NUMBER]
    assert number_line.bold and number_line.large


def test_the_receipt_lists_the_deposited_pieces_with_their_pages() -> None:
    text = receipt().plain_text()
    assert "- Votre pièce d'identité (1 page)" in text
    assert "- Un justificatif de domicile de moins de 6 mois (2 pages)" in text
    assert "déclaration de vol" not in text  # not deposited


def test_a_piece_without_pages_is_not_listed() -> None:
    text = receipt({"piece_identite": 1, "justificatif_domicile": 0}).plain_text()
    assert "pièce d'identité" in text
    assert "justificatif de domicile" not in text


def test_the_pieces_follow_the_demarche_order() -> None:
    text = receipt(
        {"declaration_vol": 3, "justificatif_domicile": 1, "piece_identite": 2}
    ).plain_text()
    order = [text.index(label) for label in ("pièce d'identité", "justificatif", "déclaration")]
    assert order == sorted(order)
    assert "- Votre déclaration de vol (3 pages)" in text


def test_the_receipt_says_what_happens_next() -> None:
    text = receipt().plain_text()
    for line in PERMIS.after:
        assert line in text


def test_the_qr_code_carries_the_follow_url_with_the_dossier_number() -> None:
    [qr] = qr_blocks(receipt())
    assert qr.data == f"{FOLLOW}?dossier={NUMBER}"
    assert qr.caption == "Suivre mon dossier"


def test_the_receipt_carries_no_answer() -> None:
    document = receipt()
    rendered = document.plain_text() + "\n".join(q.data for q in qr_blocks(document))
    for value in ANSWER_VALUES:
        assert value not in rendered


@pytest.mark.parametrize(
    ("base", "expected"),
    [
        ("https://suivi.exemple.fr", "https://suivi.exemple.fr?dossier=DEM-K7P-QX3"),
        (
            "https://suivi.exemple.fr/d?src=borne",
            "https://suivi.exemple.fr/d?src=borne&dossier=DEM-K7P-QX3",
        ),
    ],
)
def test_follow_link(base: str, expected: str) -> None:
    assert follow_link(base, NUMBER) == expected


def test_follow_link_encodes_the_number() -> None:
    assert follow_link("https://x.fr", "A B&C") == "https://x.fr?dossier=A+B%26C"


def test_a_demarche_without_pieces_has_no_empty_pieces_heading() -> None:
    from kiosk.catalog import BUNDLED_DIR, load_catalog

    predemande = load_catalog(BUNDLED_DIR).get("identite-predemande")
    receipt = build_receipt(
        demarche=predemande,
        dossier_number="DEM-FNN-WZW",
        sealed_at=dt.datetime(2026, 11, 22, 10, 0, tzinfo=dt.UTC),
        site_name="Préfecture",
        kiosk_id="borne-1",
        pieces={},
        follow_url="https://exemple.fr/suivi",
    )
    assert "Pièces déposées" not in receipt.plain_text()
    assert "DEM-FNN-WZW" in receipt.plain_text()


def test_a_language_the_printer_can_print_is_kept_and_another_falls_back_to_french(
    tmp_path: Path,
) -> None:
    app = demo_app(tmp_path / "data", synchronous=True)
    sealed = SealedSubmission(
        submission_id="s1",
        dossier_number=NUMBER,
        sequence=1,
        demarche_id="permis-perte-vol",
        demarche_version="1",
        kiosk_id="borne-33-01",
        assisted=False,
        sealed_at=SEALED_AT.isoformat(),
        files=(),
    )
    try:
        for code, expected in (("es", "Número de expediente"), ("ar", "Numéro de dossier")):
            i18n.set_language(code)
            demarche = app.catalog.get("permis-perte-vol")
            text = app._receipt(demarche, sealed, {"piece_identite": 1}).plain_text()
            assert expected in text, code
            assert fits_code_page(text)
        assert "Permis de conduire perdu ou volé" in text  # the démarche in French too
        assert not fits_code_page("إيصال الإيداع")
    finally:
        i18n.set_language("fr")
        app.devices.shutdown()
        app.store.close()
