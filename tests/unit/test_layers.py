"""The layer rule of DESIGN.md, checked on the source: arrows only point down.

``kiosk/``, ``drivers/`` and ``offline_cache/`` never import PySide6 (or shiboken6);
``drivers/`` and ``offline_cache/`` never import ``kiosk`` or ``ui``; ``offline_cache`` never
imports ``drivers``; ``kiosk`` never imports ``ui``. Every import counts: at module level, in a
function, under ``if TYPE_CHECKING``, relative, or through ``importlib.import_module("...")``.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
QT = frozenset({"PySide6", "shiboken6"})
FORBIDDEN: dict[str, frozenset[str]] = {
    "kiosk": QT | {"ui"},
    "drivers": QT | {"kiosk", "ui"},
    "offline_cache": QT | {"kiosk", "ui", "drivers"},
}
DYNAMIC_IMPORTERS = frozenset({"import_module", "__import__"})


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _resolve_relative(module: str | None, level: int, importer: str, is_package: bool) -> str:
    package = importer.split(".") if is_package else importer.split(".")[:-1]
    base = package[: len(package) - (level - 1)] if level > 1 else package
    return ".".join([*base, module] if module else base)


def imported_modules(
    source: str, importer: str, is_package: bool = False
) -> Iterator[tuple[int, str]]:
    """(line, absolute module name) of every import in ``source``, wherever it is."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = _resolve_relative(node.module, node.level, importer, is_package)
            else:
                base = node.module or ""
            yield node.lineno, base
            for alias in node.names:  # "from . import ui" imports the module "<base>.ui"
                yield node.lineno, f"{base}.{alias.name}" if base else alias.name
        elif isinstance(node, ast.Call) and node.args:
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            first = node.args[0]
            if name in DYNAMIC_IMPORTERS and isinstance(first, ast.Constant):
                yield node.lineno, str(first.value)


def violations(
    source: str, filename: str, layer: str, importer: str, is_package: bool = False
) -> list[str]:
    """One line per forbidden import: ``file:line: the <layer>/ layer imports <module>``."""
    forbidden = FORBIDDEN[layer]
    found: dict[tuple[int, str], str] = {}
    for line, module in imported_modules(source, importer, is_package):
        top = module.split(".")[0]
        if top in forbidden:
            found.setdefault((line, top), module)  # "from X import y": report X, once
    return [
        f"{filename}:{line}: the {layer}/ layer imports {module}"
        for (line, _top), module in sorted(found.items())
    ]


def layer_files(layer: str) -> list[Path]:
    return sorted((ROOT / layer).rglob("*.py"))


# --- the rule, on the real tree ------------------------------------------------------------


# Known exceptions, each a (file, imported module) pair with its reason. Keep this short: a new
# entry is a design decision, not a way to make the test pass.
ALLOWED_EXCEPTIONS: dict[tuple[str, str], str] = {}


def tree_violations(layer: str) -> list[str]:
    files = layer_files(layer)
    assert len(files) >= 4, f"no sources found under {ROOT / layer}"
    problems: list[str] = []
    for path in files:
        problems += violations(
            path.read_text(encoding="utf-8"),
            str(path.relative_to(ROOT)),
            layer,
            module_name(path),
            path.name == "__init__.py",
        )
    return problems


def is_excepted(problem: str) -> bool:
    filename, _line, rest = problem.split(":", 2)
    return (filename, rest.rsplit(" ", 1)[-1]) in ALLOWED_EXCEPTIONS


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_the_layer_imports_only_what_it_may(layer: str) -> None:
    problems = [p for p in tree_violations(layer) if not is_excepted(p)]
    assert not problems, "layer rule broken:\n" + "\n".join(problems)


def test_every_exception_is_still_needed_and_never_at_module_level() -> None:
    problems = [p for layer in FORBIDDEN for p in tree_violations(layer) if is_excepted(p)]
    used = {(p.split(":", 1)[0], p.rsplit(" ", 1)[-1]) for p in problems}
    assert used == set(ALLOWED_EXCEPTIONS), "remove the exceptions that are no longer needed"
    for filename, module in ALLOWED_EXCEPTIONS:
        tree = ast.parse((ROOT / filename).read_text(encoding="utf-8"))
        for node in tree.body:  # a module-level import would load the toolkit with the core
            if isinstance(node, ast.ImportFrom | ast.Import):
                names = [node.module] if isinstance(node, ast.ImportFrom) else []
                names += [a.name for a in node.names]
                assert module not in names, f"{filename}:{node.lineno} imports {module} eagerly"


# --- the checker catches what it must ------------------------------------------------------


@pytest.mark.parametrize(
    "source",
    [
        "import PySide6.QtCore\n",
        "import PySide6\n",
        "from PySide6 import QtCore\n",
        "from PySide6.QtCore import Signal\n",
        "import shiboken6\n",
        "import os, PySide6.QtWidgets as widgets\n",
        "def later():\n    from PySide6 import QtCore\n    return QtCore\n",
        "class A:\n    def m(self):\n        import PySide6.QtGui\n",
        "if TYPE_CHECKING:\n    from PySide6.QtCore import QObject\n",
        "try:\n    import PySide6\nexcept ImportError:\n    pass\n",
        "import importlib\nimportlib.import_module('PySide6.QtCore')\n",
    ],
)
@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_any_import_of_qt_is_caught(layer: str, source: str) -> None:
    found = violations(source, f"{layer}/x.py", layer, f"{layer}.x")
    assert found, source
    assert all(v.startswith(f"{layer}/x.py:") for v in found)


def test_the_report_names_the_file_and_the_line() -> None:
    source = "import os\n\n\ndef f():\n    from PySide6 import QtCore\n"
    assert violations(source, "kiosk/session.py", "kiosk", "kiosk.session") == [
        "kiosk/session.py:5: the kiosk/ layer imports PySide6"
    ]


@pytest.mark.parametrize(
    ("layer", "source"),
    [
        ("drivers", "from kiosk.config import Config\n"),
        ("drivers", "import kiosk\n"),
        ("drivers", "def f():\n    import ui.window\n"),
        ("offline_cache", "from kiosk import session\n"),
        ("offline_cache", "from ui.window import KioskWindow\n"),
        ("offline_cache", "from drivers.errors import DeviceError\n"),
        ("offline_cache", "import drivers.printer.simulated\n"),
        ("kiosk", "from ui import window\n"),
        ("kiosk", "import ui.theme\n"),
    ],
)
def test_an_upward_import_is_caught(layer: str, source: str) -> None:
    assert violations(source, f"{layer}/x.py", layer, f"{layer}.x")


def test_relative_imports_are_resolved() -> None:
    # kiosk/sub/mod.py: "from ... import ui" would be the top-level ui package.
    assert violations("from ... import ui\n", "kiosk/sub/mod.py", "kiosk", "kiosk.sub.mod")
    # drivers/printer/__init__.py: "from .. import errors" is drivers.errors, allowed.
    assert not violations(
        "from .. import errors\n", "drivers/printer/__init__.py", "drivers", "drivers.printer", True
    )
    assert not violations(
        "from .interface import Align\n", "drivers/printer/sim.py", "drivers", "drivers.printer.sim"
    )


@pytest.mark.parametrize(
    ("layer", "source"),
    [
        ("kiosk", "from drivers.errors import DeviceError\nfrom offline_cache import Store\n"),
        ("kiosk", "import kiosk.config\nfrom kiosk import i18n\n"),
        ("drivers", "import threading\nfrom drivers.faults import FaultKnobs\n"),
        ("offline_cache", "import sqlite3\nfrom offline_cache import spool\n"),
        ("kiosk", "import uiautomation\nimport kiosk_extra\nPySide6 = None\n"),
        ("kiosk", "text = 'import PySide6'\n"),
    ],
)
def test_allowed_imports_pass(layer: str, source: str) -> None:
    assert violations(source, f"{layer}/x.py", layer, f"{layer}.x") == []
