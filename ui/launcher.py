"""The ``kiosk`` command: the composition root, above every layer.

Argument parsing, configuration and the IT commands live in the Qt-free ``kiosk.cli``; this
module only hands it the way to start the screen, and imports the toolkit when (and only
when) the kiosk is really started, so ``kiosk check-config`` works without Qt.
"""

from __future__ import annotations

from kiosk.cli import LaunchOptions, main_with
from kiosk.config import Config


def _start_ui(config: Config, options: LaunchOptions) -> int:
    from ui.main import run_ui

    return run_ui(
        config,
        control_socket=options.control_socket,
        exit_after_paint=options.exit_after_paint,
        exit_when_ready=options.exit_when_ready,
    )


def main(argv: list[str] | None = None) -> int:
    return main_with(_start_ui, argv)


if __name__ == "__main__":
    raise SystemExit(main())
