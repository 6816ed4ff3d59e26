#!/usr/bin/env bash
# Build the kiosk's Debian package: dist/point-numerique_<version>_<arch>.deb
#
#   bash packaging/build-deb.sh                          the package to install on kiosks
#   KIOSK_DEB_NO_DEPS=1 bash packaging/build-deb.sh      fast: the app's wheel only (tests)
#   KIOSK_DEB_OUTPUT_DIR=DIR bash packaging/build-deb.sh  the .deb in DIR instead of dist/
#
# The package ships the app's wheel and the wheels of all its dependencies, built here
# (python-sane and pyscard compile against libsane-dev, libpcsclite-dev and swig, which
# packaging/dev/setup.sh installs), in /opt/point-numerique/wheels with a requirements.txt
# pinning each of them; its postinst makes /opt/point-numerique/venv from them with pip
# --no-index, so a kiosk needs neither the network nor a compiler. The wheels are for this
# machine's CPU architecture and Python minor version (cp311: the package depends on
# python3 (>= 3.11), python3 (<< 3.12)); build on Debian 12 like the kiosks.
#
# KIOSK_DEB_NO_DEPS=1 skips the dependency wheels (PySide6 alone is ~100 MB to fetch): the
# package is complete and lintian-clean but its postinst cannot make the venv; its version
# gets a "~nodeps" suffix so that it is never taken for the real one.
#
# Needs dpkg-deb (dpkg), and for the full build the network (PyPI) or a pip cache.
# DEB_MAINTAINER sets the Maintainer ("Name <address>"); PYTHON the interpreter the wheels are
# built with (default python3, a 3.11).
set -euo pipefail

cd "$(dirname "$0")/.."
root_dir=$PWD
python=${PYTHON:-python3}
no_deps=${KIOSK_DEB_NO_DEPS:-}
# Who answers for the package (Maintainer, changelog): set it to the team that deploys it.
maintainer=${DEB_MAINTAINER:-Borne point numérique <point-numerique@example.org>}

"$python" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' || {
  echo "build-deb: the wheels must be built with Python 3.11 (set PYTHON=...)" >&2
  exit 1
}
version=$("$python" -c 'import tomllib; print(tomllib.load(open("pyproject.toml", "rb"))["project"]["version"])')
deb_version=$version
[ -n "$no_deps" ] && deb_version="${version}~nodeps"
arch=$(dpkg --print-architecture)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
stage=$work/root
app=$stage/opt/point-numerique
wheels=$app/wheels
doc=$stage/usr/share/doc/point-numerique

echo "==> wheels (${no_deps:+app only, }$python)"
"$python" -m venv "$work/build-venv"
pip=("$work/build-venv/bin/python" -m pip --disable-pip-version-check --quiet)
"${pip[@]}" install --upgrade pip
mkdir -p "$wheels"
if [ -n "$no_deps" ]; then
  "${pip[@]}" wheel --no-deps --wheel-dir "$wheels" "$root_dir"
else
  "${pip[@]}" wheel --wheel-dir "$wheels" "$root_dir"
fi
# One pinned line per bundled wheel: postinst installs exactly these.
"$work/build-venv/bin/python" - "$wheels" <<'PY'
import sys
from pathlib import Path

wheels = Path(sys.argv[1])
pins = sorted(
    "{}=={}".format(*path.name.split("-")[:2]).replace("_", "-")
    for path in wheels.glob("*.whl")
)
(wheels / "requirements.txt").write_text("\n".join(pins) + "\n", encoding="utf-8")
PY
ls "$wheels"/borne_point_numerique-"$version"-*.whl >/dev/null

# The démarches, style sheet, pictures, translations and fonts are package data of the
# app's wheel (site-packages/assets, see kiosk/assets.py): a wheel without them would make a
# kiosk with nothing to show.
"$work/build-venv/bin/python" - "$wheels" "$version" assets <<'PY'
import sys
import zipfile
from pathlib import Path

wheels, version, assets = Path(sys.argv[1]), sys.argv[2], Path(sys.argv[3])
(wheel,) = wheels.glob(f"borne_point_numerique-{version}-*.whl")
shipped = set(zipfile.ZipFile(wheel).namelist())
missing = [
    path.as_posix()
    for path in sorted(assets.rglob("*"))
    if path.is_file() and "__pycache__" not in path.parts and path.as_posix() not in shipped
]
if missing:
    sys.exit(f"build-deb: {wheel.name} lacks " + ", ".join(missing))
PY

echo "==> tree"
install -D -m 0644 packaging/kiosk.toml.example "$stage/etc/point-numerique/kiosk.toml"
install -D -m 0644 packaging/systemd/point-numerique.service \
  "$stage/lib/systemd/system/point-numerique.service"
install -D -m 0644 packaging/udev/70-point-numerique.rules \
  "$stage/lib/udev/rules.d/70-point-numerique.rules"
install -D -m 0755 /dev/stdin "$stage/usr/bin/kiosk" <<'SH'
#!/bin/sh
# The kiosk's command line, from its virtual environment (made by the package's postinst).
exec /opt/point-numerique/venv/bin/kiosk "$@"
SH
install -D -m 0644 packaging/debian/copyright "$doc/copyright"
install -m 0644 README.md "$doc/README.md"
gzip -9n "$doc/README.md"
date=$(date -R -d "@${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}")
printf '%s\n' \
  "point-numerique ($deb_version) unstable; urgency=medium" "" \
  "  * Built from borne-point-numerique $version by packaging/build-deb.sh." "" \
  " -- $maintainer  $date" |
  gzip -9n >"$doc/changelog.gz"
install -D -m 0644 packaging/debian/lintian-overrides \
  "$stage/usr/share/lintian/overrides/point-numerique"

install -d "$stage/DEBIAN"
install -m 0644 packaging/debian/conffiles "$stage/DEBIAN/conffiles"
install -m 0755 packaging/debian/postinst packaging/debian/prerm packaging/debian/postrm \
  "$stage/DEBIAN/"
size=$(du -sk --exclude=DEBIAN "$stage" | cut -f1)
sed -e "s/@VERSION@/$deb_version/" -e "s/@ARCH@/$arch/" -e "s/@SIZE@/$size/" \
  -e "s|@MAINTAINER@|$maintainer|" packaging/debian/control.in >"$stage/DEBIAN/control"
(cd "$stage" && find . -type f ! -path './DEBIAN/*' -printf '%P\0' | sort -z |
  xargs -0 md5sum >DEBIAN/md5sums)
chmod -R u=rwX,go=rX "$stage"
chmod 0755 "$stage/DEBIAN/postinst" "$stage/DEBIAN/prerm" "$stage/DEBIAN/postrm" \
  "$stage/usr/bin/kiosk"

output_dir=${KIOSK_DEB_OUTPUT_DIR:-dist}
mkdir -p "$output_dir"
output=$output_dir/point-numerique_${deb_version}_${arch}.deb
dpkg-deb --root-owner-group -Zxz --build "$stage" "$output" >/dev/null
echo "==> $output"
