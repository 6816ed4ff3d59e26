"""Scanning one pièce: the scanner's pages processed one by one as they arrive (Qt-free).

Runs on the scanner's worker thread. Each page is handed to ``on_page`` as soon as it is
processed, so the usager sees it at once and a jam on sheet 4 keeps sheets 1 to 3. A page
that cannot be used is counted, not fatal: the others of the batch are kept and the usager
is asked to scan that one again. In duplex, a blank back is dropped (most sheets have
nothing on their verso); a blank front is kept and shown as blank, for the usager to judge.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from drivers.cancel import CancelToken
from drivers.scanner.interface import ProgressCallback, ScannedPage, Scanner, ScanSettings
from kiosk.jsonlog import log_event
from kiosk.page_processing import Orienter
from kiosk.pieces import PageImage, PageOverLimit, UnreadableImage, encode_page

LOG = logging.getLogger("kiosk.scanning")

PageSink = Callable[[PageImage], None]


@dataclass(frozen=True)
class ScanOutcome:
    pages: tuple[PageImage, ...]  # kept, in the order they came out of the scanner
    blank_backs_dropped: int = 0
    unreadable: tuple[int, ...] = ()  # which pages of the batch (from 1) could not be used


def scan_piece(
    scanner: Scanner,
    settings: ScanSettings,
    cancel: CancelToken,
    *,
    max_bytes: int,
    orient: Orienter | None = None,
    on_page: PageSink | None = None,
    on_progress: ProgressCallback | None = None,
) -> ScanOutcome:
    """Scan and process a batch; device errors propagate after the pages already delivered.

    Raise ``UnreadableImage`` when nothing usable came out but something unusable did.
    """
    kept: list[PageImage] = []
    unreadable: list[int] = []
    dropped = 0

    def arrived(scanned: ScannedPage) -> None:
        nonlocal dropped
        try:
            page = encode_page(scanned, max_bytes, orient)
        except PageOverLimit:
            raise  # scanning again would not help: stop the batch, the médiateur is needed
        except UnreadableImage as exc:
            unreadable.append(scanned.index + 1)
            log_event(LOG, "page.unreadable", logging.WARNING, reason=str(exc))
            return
        except Exception:
            # A bug in processing one page (an OpenCV error on odd data) costs that page,
            # not the usager's session: logged with its traceback, asked for again.
            LOG.exception("page processing failed")
            unreadable.append(scanned.index + 1)
            return
        if page.blank and page.side == "back":
            dropped += 1
            return
        kept.append(page)
        if on_page is not None:
            on_page(page)

    scanner.scan(settings, cancel, arrived, on_progress)
    if unreadable and not kept:
        raise UnreadableImage(f"{len(unreadable)} unusable page(s)")
    return ScanOutcome(tuple(kept), dropped, tuple(unreadable))
