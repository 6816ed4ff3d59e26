"""Loading and validating the whole démarche catalog, as the kiosk does at every start.

The figure is the median of 30 loads of assets/demarches; the reference, measured in the same
run, is reading and parsing the same TOML files alone (what no validation could go below).
"""

from __future__ import annotations

import logging
import statistics
import time
import tomllib

from kiosk.catalog import BUNDLED_DIR, load_catalog

RUNS = 30
TARGET_MS = 50.0


def _median_ms(action: object) -> float:
    samples = []
    for _ in range(RUNS):
        started = time.perf_counter()
        action()  # type: ignore[operator]
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def report() -> str:
    logging.disable(logging.CRITICAL)
    files = sorted(BUNDLED_DIR.glob("*.toml"))
    catalog = load_catalog(BUNDLED_DIR)
    steps = sum(len(d.steps) for d in catalog.demarches)
    full = _median_ms(lambda: load_catalog(BUNDLED_DIR))
    parse_only = _median_ms(lambda: [tomllib.loads(f.read_text(encoding="utf-8")) for f in files])
    verdict = "OK" if full <= TARGET_MS else "OVER TARGET"
    return (
        f"catalog load (median of {RUNS}): {len(catalog.demarches)} démarches, {steps} steps, "
        f"{full:.1f} ms; TOML parsing alone {parse_only:.1f} ms, ratio {full / parse_only:.1f}x; "
        f"target <= {TARGET_MS:.0f} ms {verdict}"
    )


if __name__ == "__main__":
    print(report())
