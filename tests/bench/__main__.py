"""Run every benchmark, each in a fresh process, and print its figure with the reference
measured in the same run.

    python -m tests.bench            (the README's bench command sets up and runs this)
"""

from __future__ import annotations

import os
import subprocess
import sys

BENCHES = (
    "cold_start",
    "transitions",
    "memory",
    "catalog",
    "scan",
    "orientation",
    "portrait",
    "photo_preview",
    "receipt",
    "sync",
    "badge",
    "restart",
    "taps",
)


def main() -> int:
    # The offscreen platform warns about window hints it cannot honour: noise here.
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "QT_LOGGING_RULES": "qt.qpa.*=false"}
    failed = 0
    for bench in BENCHES:
        # One process each: a benchmark must not inherit another's heap or Qt state.
        result = subprocess.run(
            [sys.executable, "-m", f"tests.bench.{bench}"], env=env, capture_output=True, text=True
        )
        lines = [line for line in result.stdout.splitlines() if not line.startswith("{")]
        print("\n".join(lines) or f"{bench}: no figure", flush=True)
        if result.returncode != 0:
            failed += 1
            print(result.stderr[-2000:], file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
