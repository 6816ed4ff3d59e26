"""Loading and validating the whole démarche catalog, as the kiosk does at every start.

The figure is the median of 30 loads of assets/demarches with the parsed-file cache warm (every
start but the first after a catalog change), and without it (the first start); the reference,
measured in the same run, is parsing the same TOML files alone.
"""

from __future__ import annotations

import logging
import statistics
import tempfile
import time
import tomllib
from pathlib import Path

from kiosk.catalog import BUNDLED_DIR, load_catalog
from offline_cache.parsed_cache import ParsedFileCache

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
    with tempfile.TemporaryDirectory() as tmp:
        cache_file = Path(tmp) / "catalog-cache.json"
        load_catalog(BUNDLED_DIR, ParsedFileCache(cache_file))  # warm it, as the first start does
        warm = _median_ms(lambda: load_catalog(BUNDLED_DIR, ParsedFileCache(cache_file)))
    cold = _median_ms(lambda: load_catalog(BUNDLED_DIR))
    parse_only = _median_ms(lambda: [tomllib.loads(f.read_text(encoding="utf-8")) for f in files])
    verdict = "OK" if warm <= TARGET_MS else "OVER TARGET"
    return (
        f"catalog load (median of {RUNS}): {len(catalog.demarches)} démarches, {steps} steps, "
        f"{warm:.1f} ms with the cache, {cold:.1f} ms without; TOML parsing alone "
        f"{parse_only:.1f} ms, ratio {warm / parse_only:.2f}x; target <= {TARGET_MS:.0f} ms "
        f"{verdict}"
    )


if __name__ == "__main__":
    print(report())
