"""The Debian package (packaging/build-deb.sh): built in its fast mode (the app's wheel only,
KIOSK_DEB_NO_DEPS=1: the dependency wheels are ~150 MB to fetch and build), then read with
dpkg-deb, extracted into a throw-away directory, checked by lintian and systemd-analyze.
Nothing is installed on this machine."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
UNIT = "lib/systemd/system/point-numerique.service"
UDEV = "lib/udev/rules.d/70-point-numerique.rules"
VENV_KIOSK = "/opt/point-numerique/venv/bin/kiosk"


def _run(*command: str | Path, **kwargs: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(part) for part in command], capture_output=True, text=True, check=False, **kwargs
    )


@pytest.fixture(scope="module")
def deb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    output = tmp_path_factory.mktemp("dist")
    env = {
        **os.environ,
        "KIOSK_DEB_NO_DEPS": "1",
        "KIOSK_DEB_OUTPUT_DIR": str(output),
        "PYTHON": sys.executable,
    }
    built = _run("bash", ROOT / "packaging" / "build-deb.sh", cwd=ROOT, env=env, timeout=240)
    assert built.returncode == 0, built.stdout + built.stderr
    (package,) = output.glob("point-numerique_*.deb")
    return package


@pytest.fixture(scope="module")
def tree(deb: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("root")
    extracted = _run("dpkg-deb", "--extract", deb, root)
    assert extracted.returncode == 0, extracted.stderr
    control = _run("dpkg-deb", "--control", deb, root / "DEBIAN")
    assert control.returncode == 0, control.stderr
    return root


def _unit_settings(path: Path) -> list[tuple[str, str]]:
    settings = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if "=" in line and not line.startswith(("#", "[")):
            key, value = line.split("=", 1)
            settings.append((key, value))
    return settings


def test_control_fields_and_conffile(deb: Path) -> None:
    info = _run("dpkg-deb", "--info", deb)
    assert info.returncode == 0, info.stderr
    assert "Package: point-numerique" in info.stdout
    assert "Version: 0.1.0~nodeps" in info.stdout  # the fast mode is never taken for the real one
    depends = next(line for line in info.stdout.splitlines() if "Depends:" in line)
    for dependency in ("cage", "pcscd", "python3-venv", "python3 (>= 3.11)", "tesseract-ocr"):
        assert dependency in depends
    conffiles = _run("dpkg-deb", "--info", deb, "conffiles")
    assert conffiles.stdout.split() == ["/etc/point-numerique/kiosk.toml"]


def test_contents(deb: Path) -> None:
    listing = _run("dpkg-deb", "--contents", deb)
    assert listing.returncode == 0, listing.stderr
    paths = {line.split()[5].removeprefix(".") for line in listing.stdout.splitlines()}
    for expected in (
        "/" + UNIT,
        "/" + UDEV,
        "/etc/point-numerique/kiosk.toml",
        "/usr/bin/kiosk",
        "/opt/point-numerique/wheels/requirements.txt",
        "/usr/share/doc/point-numerique/copyright",
    ):
        assert expected in paths
    # The assets travel in the app's wheel, not beside it.
    assert not any(p.startswith("/opt/point-numerique/assets") for p in paths)
    assert any(p.startswith("/opt/point-numerique/wheels/borne_point_numerique-") for p in paths)
    owners = {line.split()[1] for line in listing.stdout.splitlines()}
    assert owners == {"root/root"}


def test_extracted_tree(tree: Path) -> None:
    example = (ROOT / "packaging" / "kiosk.toml.example").read_bytes()
    assert (tree / "etc/point-numerique/kiosk.toml").read_bytes() == example
    (wheel,) = (tree / "opt/point-numerique/wheels").glob("borne_point_numerique-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        assert "ui/launcher.py" in names
        assert "kiosk/assets.py" in names
        # Every file of assets/ (démarches, styles, faces, translations, fonts...) is in it.
        sources = {
            path.relative_to(ROOT).as_posix()
            for path in (ROOT / "assets").rglob("*")
            if path.is_file() and "__pycache__" not in path.parts
        }
        assert {"assets/styles/kiosk.qss", "assets/faces/astronaut.png"} <= sources
        assert sources <= set(names), sorted(sources - set(names))
        (entry_points,) = (name for name in names if name.endswith("entry_points.txt"))
        assert "kiosk = ui.launcher:main" in archive.read(entry_points).decode()
    pins = (tree / "opt/point-numerique/wheels/requirements.txt").read_text().split()
    assert pins == ["borne-point-numerique==0.1.0"]
    wrapper = tree / "usr/bin/kiosk"
    assert os.access(wrapper, os.X_OK)
    assert "exec /opt/point-numerique/venv/bin/kiosk" in wrapper.read_text()


def test_maintainer_scripts(tree: Path) -> None:
    for script in ("postinst", "prerm", "postrm"):
        path = tree / "DEBIAN" / script
        assert os.access(path, os.X_OK)
        checked = _run("sh", "-n", path)
        assert checked.returncode == 0, checked.stderr
    postinst = (tree / "DEBIAN/postinst").read_text()
    assert "adduser --system --group" in postinst
    assert '--home "$DATA"' in postinst and "DATA=/var/lib/point-numerique" in postinst
    assert 'install -d -m 0700 -o "$KIOSK_USER"' in postinst
    assert "--no-index" in postinst and '--find-links "$APP/wheels"' in postinst
    assert "assets" not in postinst  # package data of the wheel: nothing to link
    postrm = (tree / "DEBIAN/postrm").read_text()
    # The queue (data directory) goes only on purge.
    remove_branch = postrm.split("remove)")[1].split(";;")[0]
    assert "/var/lib/point-numerique" not in remove_branch
    assert "rm -rf /var/lib/point-numerique" in postrm.split("purge)")[1]


def test_unit(tree: Path) -> None:
    settings = _unit_settings(tree / UNIT)
    for setting in (
        ("Type", "notify"),
        ("NotifyAccess", "all"),  # the kiosk is cage's child, not the main process
        ("WatchdogSec", "30s"),
        ("UnsetEnvironment", "WATCHDOG_PID"),
        ("Restart", "always"),
        ("RestartPreventExitStatus", "64"),  # ui/it_exit.py, through kiosk/cage_session.py
        ("SuccessExitStatus", "64"),  # a deliberate stop: inactive, not failed
        ("RuntimeDirectory", "point-numerique"),  # where the IT exit marker is left
        ("RuntimeDirectoryMode", "0700"),
        ("User", "point-numerique"),
        ("PAMName", "login"),
        ("TTYPath", "/dev/tty1"),
        ("StandardInput", "tty-fail"),
        ("StandardError", "journal"),
        ("ProtectSystem", "strict"),
        ("NoNewPrivileges", "yes"),
        ("Conflicts", "getty@tty1.service"),
        (
            "LoadCredentialEncrypted",
            "backend-token:/etc/point-numerique/credentials/backend-token.cred",
        ),
        ("LoadCredentialEncrypted", "badge-key:/etc/point-numerique/credentials/badge-key.cred"),
    ):
        assert setting in settings
    exec_start = dict(settings)["ExecStart"].split()
    # The main process is the session wrapper, which runs cage, which runs the kiosk.
    assert exec_start[:3] == [VENV_KIOSK, "session", "/usr/bin/cage"]
    inner = exec_start[exec_start.index("--") + 1 :]
    assert inner == [VENV_KIOSK, "--config", "/etc/point-numerique/kiosk.toml"]
    read_write = dict(settings)["ReadWritePaths"].split()
    assert "/var/lib/point-numerique" in read_write


def test_systemd_analyze_verify(tree: Path, tmp_path: Path) -> None:
    # systemd-analyze checks that ExecStart's program exists on this machine, and the venv is
    # only made on a kiosk (postinst): the copy checked starts an interpreter that is here.
    unit = (tree / UNIT).read_text(encoding="utf-8")
    assert f"ExecStart={VENV_KIOSK} " in unit
    checked = tmp_path / "point-numerique.service"
    checked.write_text(
        unit.replace(f"ExecStart={VENV_KIOSK} ", f"ExecStart={sys.executable} "), encoding="utf-8"
    )
    verified = _run("systemd-analyze", "verify", checked)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "point-numerique.service" not in verified.stderr, verified.stderr


def test_the_installed_wheel_finds_its_assets(tree: Path, tmp_path: Path) -> None:
    """The app's wheel installed on its own (as postinst does, without the source tree): the
    command starts, and the démarches and the style sheet are read from the installed files."""
    (wheel,) = (tree / "opt/point-numerique/wheels").glob("borne_point_numerique-*.whl")
    target = tmp_path / "site"
    installed = _run(
        sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-index",
        "--disable-pip-version-check", "--target", target, wheel,
    )  # fmt: skip
    assert installed.returncode == 0, installed.stderr
    # The dependencies come from this interpreter's environment; the app only from target.
    env = {**os.environ, "PYTHONPATH": str(target)}
    code = (
        "import kiosk.catalog, ui.theme; from kiosk.assets import ASSETS_DIR; "
        "print(ASSETS_DIR); print(kiosk.catalog.BUNDLED_DIR); print(ui.theme.STYLE_PATH)"
    )
    found = _run(sys.executable, "-c", code, cwd=tmp_path, env=env)
    assert found.returncode == 0, found.stderr
    assets, demarches, style = (Path(line) for line in found.stdout.split())
    assert assets == target / "assets"
    assert demarches == assets / "demarches" and style == assets / "styles" / "kiosk.qss"
    assert style.is_file() and (assets / "faces" / "astronaut.png").is_file()
    kiosk: list[str | Path] = [sys.executable, target / "bin" / "kiosk"]
    checked = _run(*kiosk, "catalog", "check", cwd=tmp_path, env=env)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    shipped = len(list((ROOT / "assets" / "demarches").glob("*.toml")))
    assert f"{shipped} démarche(s) valide(s), 0 refusée(s)." in checked.stdout
    version = _run(*kiosk, "--version", cwd=tmp_path, env=env)
    assert version.returncode == 0, version.stderr
    assert version.stdout.strip() == "kiosk 0.1.0"


def test_watchdog_reaches_the_kiosk_under_cage() -> None:
    """As the unit leaves it: WATCHDOG_USEC without WATCHDOG_PID, so the kiosk (not the main
    process) feeds the watchdog every 15 s; with cage's pid left in it, it would not."""
    code = "from kiosk import sdnotify; print(sdnotify.watchdog_interval_s())"
    env = {k: v for k, v in os.environ.items() if not k.startswith("WATCHDOG_")}
    fed = _run(sys.executable, "-c", code, cwd=ROOT, env={**env, "WATCHDOG_USEC": "30000000"})
    assert fed.stdout.strip() == "15.0", fed.stderr
    cage_pid = {**env, "WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "1"}
    ignored = _run(sys.executable, "-c", code, cwd=ROOT, env=cage_pid)
    assert ignored.stdout.strip() == "None", ignored.stderr


def test_udev_rules(tree: Path) -> None:
    rules = (tree / UDEV).read_text()
    assert 'ENV{libsane_matched}=="yes", GOTO="point_numerique_end"' in rules
    assert 'ATTR{idVendor}=="04b8", GROUP="lp", MODE="0660"' in rules
    assert 'LABEL="point_numerique_end"' in rules


def test_lintian(deb: Path) -> None:
    checked = _run("lintian", "--fail-on", "error,warning", "--info", deb, timeout=120)
    assert checked.returncode == 0, checked.stdout + checked.stderr
