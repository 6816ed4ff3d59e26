"""A4 documents through a real CUPS queue: cups-pdf "prints" into a PDF file, which is then
read back with poppler. The set-up script starts cupsd and adds the ``KioskPDF`` queue."""

from __future__ import annotations

import re
import subprocess
import uuid
from pathlib import Path

import pytest

from drivers.errors import DeviceNotFound, DeviceTimeout
from drivers.printer.cups_queue import CupsQueue, JobState
from ui.a4 import A4Recap, recap_pdf

QUEUE = "KioskPDF"


@pytest.fixture(scope="module")
def queue() -> CupsQueue:
    cups = CupsQueue(QUEUE)
    assert cups.accepting(), "no CUPS queue KioskPDF: run `bash packaging/dev/setup.sh test`"
    return cups


def cups_pdf_output() -> Path:
    """Where cups-pdf writes: ``Out`` in its configuration, ${HOME} being the printing user's."""
    config = Path("/etc/cups/cups-pdf.conf").read_text(encoding="utf-8")
    found = re.search(r"^Out\s+(\S+)", config, re.MULTILINE)
    out = found.group(1) if found else "${HOME}/PDF"
    return Path(out.replace("${HOME}", str(Path.home())).replace("${USER}", Path.home().name))


def pages(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    return int(re.search(r"^Pages:\s+(\d+)", info.stdout, re.MULTILINE).group(1))  # type: ignore[union-attr]


def recap(rows: int) -> bytes:
    return recap_pdf(
        A4Recap(
            "Permis de conduire perdu ou volé",
            "DEM-K7P-QX3",
            "22/11/2026 à 14:05",
            "Préfecture de la Gironde",
            tuple(
                (f"Question {n}", "Une réponse assez longue pour passer à la ligne " * 3)
                for n in range(rows)
            ),
        )
    )


def test_the_recap_prints_on_a4_duplex_and_the_job_is_followed_to_the_end(
    queue: CupsQueue, qapp: object, tmp_path: Path
) -> None:
    document = recap(40)
    source = tmp_path / "recap.pdf"
    source.write_bytes(document)
    expected_pages = pages(source)
    assert expected_pages >= 2  # a recto-verso sheet at least
    title = f"kiosk-{uuid.uuid4().hex[:8]}"
    job = queue.submit(document, title, duplex=True)
    assert queue.wait(job, timeout_s=30) is JobState.COMPLETED
    # CUPS keeps a finished job's document a day by default: the kiosk removes it at once.
    spooled = Path("/var/spool/cups") / f"d{int(job.rsplit('-', 1)[1]):05d}-001"
    assert spooled.exists()
    queue.purge(job)
    assert not spooled.exists()
    printed = list(cups_pdf_output().glob(f"{title}*.pdf"))
    assert len(printed) == 1, printed
    assert pages(printed[0]) == expected_pages
    size = subprocess.run(["pdfinfo", str(printed[0])], capture_output=True, text=True).stdout
    assert "595" in size and "842" in size  # A4 points
    printed[0].unlink()


def test_an_unknown_queue_is_not_found(qapp: object) -> None:
    with pytest.raises(DeviceNotFound):
        CupsQueue("NoSuchQueue").submit(recap(1), "kiosk-none")
    assert not CupsQueue("NoSuchQueue").accepting()


def test_a_stopped_printer_keeps_the_job_waiting_until_it_is_withdrawn(
    queue: CupsQueue, qapp: object
) -> None:
    subprocess.run(["cupsdisable", QUEUE], check=True)  # as when the printer is out of paper
    try:
        job = queue.submit(recap(1), f"kiosk-{uuid.uuid4().hex[:8]}")
        with pytest.raises(DeviceTimeout):
            queue.wait(job, timeout_s=1.0)
        assert queue.state(job) is JobState.WAITING
        queue.cancel(job)
        assert queue.state(job) is JobState.GONE
    finally:
        subprocess.run(["cupsenable", QUEUE], check=True)
