#!/usr/bin/env bash
# Install the monitor from this bundle, without the internet: every package comes from
# wheels/, pinned to the exact version and checked against its SHA-256 (requirements.txt).
#
#   bash install.sh                        # into the virtual environment /opt/banjian
#   bash install.sh /srv/banjian/venv      # elsewhere
#
# An upgrade is the same command with the newer bundle (the database is migrated when the
# monitor next starts, or by `monitor db upgrade`); see INSTALL.md.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
VENV=${1:-/opt/banjian}
PY=${PYTHON:-python3}

if ! "$PY" -c 'import sys; sys.exit(sys.version_info[:2] not in ((3, 11), (3, 12)))'; then
    echo "error: $PY is Python $("$PY" -c 'import platform; print(platform.python_version())');" \
        "this bundle serves CPython 3.11 and 3.12 (see TARGETS.txt); set PYTHON=/path/to/python3.11" >&2
    exit 2
fi
[ -x "$VENV/bin/python" ] || "$PY" -m venv "$VENV"
PIP_CONFIG_FILE=/dev/null "$VENV/bin/python" -m pip install --quiet \
    --no-index --find-links "$HERE/wheels" --require-hashes --only-binary=:all: \
    -r "$HERE/requirements.txt"
"$VENV/bin/monitor" --version
echo "installed: $VENV/bin/monitor (next: INSTALL.md, step 3)"
