#!/usr/bin/env bash
# Set up a development or demo machine (Debian 12, as root) and run one thing.
#
#   bash packaging/dev/setup.sh demo          install, then start the kiosk on its demo default
#   bash packaging/dev/setup.sh test          install, then lint, type-check and run every test
#   bash packaging/dev/setup.sh bench         install, then run the benchmarks (tests/bench)
#   bash packaging/dev/setup.sh screenshots   install, then save a screenshot of each screen
#
# Idempotent: system packages are installed only when missing, the virtual environment
# (.venv) is reused. Set PYTHON to choose the interpreter (3.11 or newer).
set -euo pipefail

cd "$(dirname "$0")/../.."
mode="${1:-demo}"

# Qt's xcb platform needs the xcb/xkb libraries; without libxcb-icccm4 and libxcb-keysyms1 its
# error message wrongly blames libxcb-cursor0. DejaVu gives the UI its glyphs (é, è, €, «»).
APT_PACKAGES=(
  python3 python3-venv python3-dev
  xvfb xauth
  libgl1 libegl1 libfontconfig1 libglib2.0-0 libdbus-1-3 libxkbcommon0 libxkbcommon-x11-0
  libxcb-icccm4 libxcb-keysyms1 libxcb-cursor0 libxcb-shape0 libxcb-render-util0
  libxcb-image0 libxcb-xinerama0 libxcb-randr0
  fonts-dejavu-core
  # Liberation Sans has Arial's metrics, the DSFR's fallback for Marianne (not redistributable);
  # Noto Sans Arabic draws the Arabic interface.
  fonts-liberation2 fonts-noto-core
  # msgfmt: the tests check every translation file with gettext's own checker.
  gettext
  # SANE: the library python-sane builds against, and the tools (scanimage -L) IT staff use.
  gcc libsane-dev sane-utils
  # pdfinfo/pdfimages: the tests check the PDFs of the pièces with a real reader.
  poppler-utils
  # Tesseract's orientation detection turns pages put upside down or sideways.
  tesseract-ocr tesseract-ocr-osd
  # The kiosk's voice (ui/voice.py); its tests check real speech written to WAV files.
  espeak-ng
  # USB receipt printers (python-escpos through pyusb).
  libusb-1.0-0
  # A4 documents: CUPS, its client commands (lp, lpstat), and cups-pdf as the test printer.
  cups cups-client cups-bsd printer-driver-cups-pdf
  # age: the tests open sealed dossiers with the standard tool, as the backend does.
  age
  # systemd-creds: `kiosk enroll` encrypts the kiosk's secrets with it (tested for real).
  systemd
  # Xwayland: cage 0.1.4 does not start without it (the session wrapper's test runs real cage).
  xwayland
  # Badge readers: pcscd, the library and swig pyscard builds against, pcsc_scan for IT staff,
  # and vpcd, the virtual reader the tests insert badges into (tests/support/virtual_badge.py).
  pcscd libpcsclite-dev swig pcsc-tools vsmartcard-vpcd
  # The Debian package (packaging/build-deb.sh): lintian checks it, and systemd-analyze verify
  # needs the unit's compositor, cage, present (tests/integration/test_packaging.py).
  lintian cage
)

install_system_packages() {
  local missing=()
  for package in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" \
      || missing+=("$package")
  done
  if ((${#missing[@]})); then
    echo "==> apt: installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}"
  fi
}

pick_python() {
  local candidate
  for candidate in ${PYTHON:-} python3.11 python3; do
    if command -v "$candidate" >/dev/null \
      && "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
      echo "$candidate"
      return
    fi
  done
  echo "No Python 3.11 or newer found (set PYTHON=...)." >&2
  exit 1
}

install_python_packages() {
  if [ ! -x .venv/bin/python ]; then
    echo "==> venv: creating .venv"
    "$(pick_python)" -m venv .venv
  fi
  echo "==> pip: installing the kiosk and its development tools (log: .venv/pip.log)"
  # "compat" editable mode: a plain path entry instead of an import hook that costs ~15 ms at
  # every start of the kiosk.
  if ! { .venv/bin/python -m pip install --upgrade pip \
      && .venv/bin/python -m pip install -e ".[dev]" --config-settings editable_mode=compat; \
    } >.venv/pip.log 2>&1; then
    tail -n 40 .venv/pip.log >&2
    echo "pip failed: see .venv/pip.log" >&2
    exit 1
  fi
}

run_demo() {
  if [ -n "${DISPLAY:-}" ] || [ -n "${WAYLAND_DISPLAY:-}" ]; then
    exec .venv/bin/kiosk --demo
  fi
  echo "==> no screen attached: starting the kiosk on a virtual screen (Xvfb :77, 1280x800)"
  Xvfb :77 -screen 0 1280x800x24 -nolisten tcp >/dev/null 2>&1 &
  xvfb_pid=$!
  trap 'kill $xvfb_pid 2>/dev/null || true' EXIT
  for _ in $(seq 50); do [ -e /tmp/.X11-unix/X77 ] && break; sleep 0.1; done
  DISPLAY=:77 .venv/bin/kiosk --demo
}

# The A4 test queue: cups-pdf "prints" into PDF files (in $HOME/PDF of the user who printed,
# cups-pdf's default). CUPS runs as a service on a desktop; in a container nobody started it.
A4_TEST_QUEUE=KioskPDF
cups_running() { LC_ALL=C lpstat -r 2>/dev/null | grep -q "is running"; }
start_cups() {
  if ! cups_running; then
    echo "==> cups: starting the scheduler"
    if [ -d /run/systemd/system ]; then
      systemctl start cups  # a normal Debian machine: the service, not a second cupsd
    else
      /usr/sbin/cupsd  # a container without systemd
    fi
    for _ in $(seq 50); do cups_running && break; sleep 0.1; done
    cups_running || { echo "CUPS did not start: see /var/log/cups/error_log" >&2; exit 1; }
  fi
  if ! lpstat -a "$A4_TEST_QUEUE" >/dev/null 2>&1; then
    echo "==> cups: adding the $A4_TEST_QUEUE queue (cups-pdf)"
    # lpadmin warns that PPD drivers are deprecated (cups-pdf still ships as one): only that
    # warning is hidden, a real error still shows and stops the script.
    lpadmin -p "$A4_TEST_QUEUE" -E -v cups-pdf:/ -m lsb/usr/cups-pdf/CUPS-PDF_opt.ppd \
      2> >(grep -v "deprecated" >&2)
  fi
}

# pcscd with vpcd's two virtual readers, "Virtual PCD 00 00" and "Virtual PCD 00 01": a test
# badge is a TCP client of vpcd on 127.0.0.1:35963 / 35964. vpcd listens on every interface (its
# server mode has no bind address; its other mode reverses the connection): never install
# vsmartcard-vpcd on a kiosk, and keep those ports firewalled on a shared development machine.
virtual_readers_listed() { [[ "$(timeout 5 pcsc_scan -r 2>/dev/null)" == *"Virtual PCD"* ]]; }
pcscd_pid() { tr -d '\0' 2>/dev/null </run/pcscd/pcscd.pid; }
pcscd_running() {
  local pid
  pid=$(pcscd_pid) && [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && [ -S /run/pcscd/pcscd.comm ]
}
pcscd_auto_exits() {
  grep -qxE -- "--auto-exit|-x" < <(tr '\0' '\n' <"/proc/$(pcscd_pid)/cmdline")
}
stop_pcscd() {
  local pid
  pid=$(pcscd_pid) || return 0
  kill "$pid" 2>/dev/null || return 0
  # A killed daemon lingers as a zombie for a while here: wait for its socket, not its PID.
  for _ in $(seq 50); do [ -e /run/pcscd/pcscd.comm ] || break; sleep 0.1; done
}
start_pcscd() {
  if [ -d /run/systemd/system ]; then
    # Socket-activated: the service starts on the first client (and again after it exits).
    systemctl start pcscd.socket
    if ! virtual_readers_listed; then
      systemctl restart pcscd.service  # it ran before vpcd was installed
    fi
  else
    # A container without systemd: nothing would start pcscd again, so a pcscd with
    # --auto-exit (as the socket unit runs it) quits after a minute and the tests fail; one
    # started before vpcd was installed has no virtual readers. Either is replaced.
    if pcscd_running && { pcscd_auto_exits || ! virtual_readers_listed; }; then
      echo "==> pcscd: restarting it without --auto-exit, with the virtual readers"
      stop_pcscd
    fi
    if ! pcscd_running; then
      echo "==> pcscd: starting the smart-card daemon"
      /usr/sbin/pcscd
    fi
  fi
  for _ in $(seq 50); do virtual_readers_listed && break; sleep 0.1; done
  virtual_readers_listed || {
    echo "pcscd lists no virtual reader (vsmartcard-vpcd): run pcscd --foreground --debug" >&2
    exit 1
  }
}

run_tests() {
  start_cups
  start_pcscd
  export QT_QPA_PLATFORM=offscreen
  echo "==> ruff"
  .venv/bin/ruff check .
  .venv/bin/ruff format --check .
  echo "==> mypy"
  .venv/bin/mypy
  echo "==> pytest"
  # The whole suite must stay under 20 minutes; past 19 it is stopped and fails rather than
  # holding the machine (pytest-timeout already stops a single test stuck for 2 minutes).
  timeout --kill-after=30 1140 .venv/bin/python -m pytest --ignore=tests/bench "${@}"
}

install_system_packages
install_python_packages
case "$mode" in
  demo) run_demo ;;
  test) shift; run_tests "$@" ;;
  bench) start_pcscd; .venv/bin/python -m tests.bench ;;
  screenshots)
    xvfb-run -a -s "-screen 0 1280x800x24" .venv/bin/python -m tests.screenshots screenshots \
      --languages
    echo "==> screenshots saved in ./screenshots" ;;
  *) echo "usage: $0 demo|test|bench|screenshots" >&2; exit 2 ;;
esac
