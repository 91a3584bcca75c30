#!/usr/bin/env bash
# Put a newer holidays package (the next year's official holiday schedule) into an installed
# monitor, without the internet, from the folder `bash deploy/bundle.sh --holidays-only` made.
#
#   bash install-holidays.sh                 # the monitor in /opt/banjian
#   bash install-holidays.sh /srv/banjian/venv
#
# Then check the new year's dates against the State Council's notice before trusting them
# (docs/operations.md, "The holiday schedule of a new year").
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
VENV=${1:-/opt/banjian}
if [ ! -x "$VENV/bin/monitor" ]; then
    echo "error: no monitor installed in $VENV (give its virtual environment: bash install-holidays.sh DIR)" >&2
    exit 2
fi
PIP_CONFIG_FILE=/dev/null "$VENV/bin/python" -m pip install --quiet \
    --no-index --find-links "$HERE/wheels" --require-hashes --no-deps --no-warn-conflicts \
    -r "$HERE/requirements.txt"
"$VENV/bin/monitor" --version
