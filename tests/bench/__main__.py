"""Run every benchmark and print its figure with the reference measured in the same run.

python -m tests.bench            (the README's bench command sets up and runs this)
"""

from __future__ import annotations

import logging

from tests.bench import cold_start, memory, transitions


def main() -> None:
    logging.disable(logging.CRITICAL)  # the kiosk's JSON log would drown the figures
    for bench in (cold_start, transitions, memory):
        print(bench.report(), flush=True)


if __name__ == "__main__":
    main()
