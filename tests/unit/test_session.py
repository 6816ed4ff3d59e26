"""One usager's session: answers, pages, moving between steps, and the only way out (wipe)."""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path

import pytest

from kiosk.catalog import load_catalog
from kiosk.engine import FormEngine, Position
from kiosk.pieces import PageImage
from kiosk.session import RECAP, Session, SessionClosed, SessionState

TODAY = dt.date(2026, 11, 22)
# The engine's example of branches, frozen: see the fixture's header.
FIXTURES = Path(__file__).parent / "fixtures" / "demarches"
PERMIS = load_catalog(FIXTURES).get("permis-perte-vol")

# What the usager types on each question of the "perte" path, and what is kept.
PERTE_INPUT = [
    ("motif", "perte", "perte"),
    ("date_faits", "03/11/2026", "2026-11-03"),
    ("nom_naissance", "  Zorglubova ", "Zorglubova"),
    ("prenoms", "Ysolde Marie", "Ysolde Marie"),
    ("date_naissance", "14/07/1962", "1962-07-14"),
    ("email", "Ysolde.Zorglubova@exemple.fr", "ysolde.zorglubova@exemple.fr"),
    ("telephone", "+33 6 12 34 56 78", "06 12 34 56 78"),
    ("code_ephoto", "AB12CD34EF56GH78IJ90KL", "AB12CD34EF56GH78IJ90KL"),
    ("timbre_fiscal", "1234567890123456", "1234567890123456"),
]
PIECES = ["piece_identite", "justificatif_domicile"]


def page(tag: int = 0) -> PageImage:
    return PageImage(bytes([0xFF, 0xD8, tag]), b"thumb", 2480, 3508, 300)


@pytest.fixture
def session() -> Session:
    return Session(PERMIS, FormEngine(PERMIS, today=lambda: TODAY))


def answer_perte_path(session: Session) -> None:
    for step_id, typed, _kept in PERTE_INPUT:
        assert session.current == step_id
        assert session.answer(typed).ok
        session.go_next()
    for piece_id in PIECES:
        assert session.current == piece_id
        session.set_pages(piece_id, [page(1)])
        session.go_next()


def test_a_new_session_is_active_on_the_first_step(session: Session) -> None:
    assert session.state is SessionState.ACTIVE
    assert session.current == "motif"
    step = session.current_step()
    assert step is not None and step.id == "motif"
    assert session.answers == {}
    assert uuid.UUID(session.id).version == 4
    assert session.started_at.tzinfo is not None
    assert session.position() == Position(1, 11)
    assert Session(PERMIS).id != session.id


def test_a_valid_answer_is_kept_checked(session: Session) -> None:
    result = session.answer("perte")
    assert result.ok
    assert session.answers == {"motif": "perte"}
    assert session.answer_of("motif") == "perte"
    assert session.current == "motif"  # answering does not move


def test_an_invalid_answer_is_not_kept(session: Session) -> None:
    result = session.answer("incendie")
    assert not result.ok and result.error
    assert session.answers == {}
    assert session.answer_of("motif") is None


def test_an_invalid_answer_does_not_replace_a_valid_one(session: Session) -> None:
    session.answer("perte")
    session.go_next()
    assert session.answer("03/11/2026").ok
    assert not session.answer("31/02/2026").ok
    assert session.answer_of("date_faits") == "2026-11-03"
    assert session.answer("04/11/2026").ok
    assert session.answer_of("date_faits") == "2026-11-04"


def test_answering_a_piece_step_is_refused(session: Session) -> None:
    session.answer("perte")
    session.go_to("piece_identite")
    with pytest.raises(ValueError):
        session.answer("x")


def test_the_whole_perte_path_to_the_recap_and_back(session: Session) -> None:
    answer_perte_path(session)
    assert session.current == RECAP
    assert session.current_step() is None
    assert session.go_next() == RECAP  # nothing after the récapitulatif
    assert session.missing() == []
    assert session.answers == {step_id: kept for step_id, _typed, kept in PERTE_INPUT}
    assert {p: len(session.pages(p)) for p in PIECES} == {p: 1 for p in PIECES}

    walked_back = []
    while (previous := session.go_back()) is not None:
        walked_back.append(previous)
    expected = [step_id for step_id, _t, _k in PERTE_INPUT] + PIECES
    assert walked_back == list(reversed(expected))
    assert session.current == "motif"
    assert session.go_back() is None
    assert session.current == "motif"


def test_the_recap_reads_answers_back_and_counts_pages(session: Session) -> None:
    answer_perte_path(session)
    session.set_pages("justificatif_domicile", [page(1), page(2)])
    lines = {line.step.id: line.shown for line in session.recap()}
    assert lines["motif"] == "Je l'ai perdu"
    assert lines["date_naissance"] == "14/07/1962"
    assert lines["telephone"] == "06 12 34 56 78"
    assert lines["piece_identite"] == "1"
    assert lines["justificatif_domicile"] == "2"
    assert "declaration_vol" not in lines


def test_changing_the_motif_changes_the_path_and_drops_the_timbre(session: Session) -> None:
    answer_perte_path(session)
    session.go_to("motif")
    assert session.answer("vol").ok
    assert "timbre_fiscal" not in session.answers
    assert session.answer_of("timbre_fiscal") == "1234567890123456"  # kept aside, never sealed
    assert [s.id for s in session.missing()] == ["declaration_vol"]
    session.go_to("code_ephoto")
    assert session.go_next() == "piece_identite"
    assert session.go_back() == "code_ephoto"
    session.go_to(RECAP)
    assert session.go_back() == "declaration_vol"


def test_go_to_a_step_that_does_not_apply_raises(session: Session) -> None:
    session.answer("perte")
    with pytest.raises(ValueError):
        session.go_to("declaration_vol")
    assert session.current == "motif"
    session.go_to("timbre_fiscal")
    assert session.current == "timbre_fiscal"
    with pytest.raises(KeyError):
        session.go_to("pas_une_etape")


def test_position_follows_the_current_step(session: Session) -> None:
    session.answer("perte")
    session.go_next()
    assert session.position() == Position(2, 11)
    session.go_to("justificatif_domicile")
    assert session.position() == Position(11, 11)


def test_set_pages_keeps_at_most_max_pages(session: Session) -> None:
    pages = [page(i) for i in range(5)]
    session.set_pages("piece_identite", pages)  # max_pages = 2
    assert session.pages("piece_identite") == pages[:2]
    session.answer("vol")
    session.set_pages("declaration_vol", pages)  # max_pages = 3
    assert session.pages("declaration_vol") == pages[:3]


def test_set_pages_replaces_and_copies(session: Session) -> None:
    pages = [page(1)]
    session.set_pages("piece_identite", pages)
    pages.append(page(2))  # the caller's list is not the session's
    assert len(session.pages("piece_identite")) == 1
    session.pages("piece_identite").clear()
    assert len(session.pages("piece_identite")) == 1
    session.set_pages("piece_identite", [])
    assert session.pages("piece_identite") == []


def test_set_pages_on_a_question_raises(session: Session) -> None:
    with pytest.raises(ValueError):
        session.set_pages("motif", [page()])
    with pytest.raises(KeyError):
        session.set_pages("absent", [page()])


def test_a_sealed_session_refuses_every_change(session: Session) -> None:
    answer_perte_path(session)
    session.mark_sealed()
    assert session.state is SessionState.SEALED
    assert session.answers["motif"] == "perte"
    for change in (
        lambda: session.answer("vol"),
        lambda: session.set_pages("piece_identite", [page()]),
        session.go_next,
        session.go_back,
        lambda: session.go_to("motif"),
        session.mark_sealed,
    ):
        with pytest.raises(SessionClosed):
            change()
    assert session.answers["motif"] == "perte"


def test_wipe_forgets_everything_and_closes(session: Session) -> None:
    answer_perte_path(session)
    kept_pages = session._pages["piece_identite"]  # the list the session held
    session.wipe()
    assert session.state is SessionState.WIPED
    assert session.answers == {}
    assert session.answer_of("nom_naissance") is None
    assert session.pages("piece_identite") == []
    assert kept_pages == []  # the page list itself was emptied, not just dropped
    with pytest.raises(SessionClosed):
        session.answer("perte")
    with pytest.raises(SessionClosed):
        session.set_pages("piece_identite", [page()])
    with pytest.raises(SessionClosed):
        session.mark_sealed()
    session.wipe()  # idempotent
    assert session.state is SessionState.WIPED


def test_a_sealed_session_can_still_be_wiped(session: Session) -> None:
    answer_perte_path(session)
    session.mark_sealed()
    session.wipe()
    assert session.state is SessionState.WIPED
    assert session.answers == {}
