#!/usr/bin/env bash
# Make the release bundle for servers without internet access (政务外网): run on a connected
# machine, from anywhere in the repository.
#
#   bash deploy/bundle.sh                      # CPython 3.11 and 3.12; x86_64 and aarch64
#   bash deploy/bundle.sh --python 3.11 --arch x86_64
#   bash deploy/bundle.sh --holidays-only      # the yearly update of the holiday schedule
#
# Writes dist/banjian-monitor-VERSION/ and dist/banjian-monitor-VERSION-bundle.tar.gz: the
# monitor's wheel and every dependency as wheels for each target (manylinux, glibc 2.17 to
# 2.28), requirements.txt pinning every one to an exact version with the SHA-256 of each
# file, install.sh (one command, --no-index, hashes verified), INSTALL.md, the systemd
# units, the crontab and nginx examples, config.example.toml and TARGETS.txt (which targets
# the bundle serves and, for a target it cannot serve, the package without a wheel for it).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

PYTHONS="3.11 3.12"
ARCHES="x86_64 aarch64"
OUT_ROOT="dist"
HOLIDAYS_ONLY=0
PY=${PYTHON:-python3}

usage() {
    sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'
    echo
    echo "options: --python \"3.11 3.12\"  --arch \"x86_64 aarch64\"  --out DIR  --holidays-only"
}

while [ $# -gt 0 ]; do
    case "$1" in
        --python) PYTHONS=${2:?--python needs versions, e.g. \"3.11 3.12\"}; shift 2 ;;
        --arch) ARCHES=${2:?--arch needs architectures, e.g. \"x86_64 aarch64\"}; shift 2 ;;
        --out) OUT_ROOT=${2:?--out needs a directory}; shift 2 ;;
        --holidays-only) HOLIDAYS_ONLY=1; shift ;;
        -h|--help) usage; exit 0 ;;
        *) echo "error: unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
done

log() { printf '==> %s\n' "$*"; }

# The platform tags a target accepts, newest first: manylinux_2_28 down to 2_17 (manylinux2014).
platform_args() {
    local arch=$1 minor
    for minor in 28 27 26 25 24 23 22 21 20 19 18 17; do
        printf -- '--platform manylinux_2_%s_%s ' "$minor" "$arch"
    done
    printf -- '--platform manylinux2014_%s' "$arch"
}

# pip download of the given requirements for one target into $2; $1 = "3.11 x86_64".
download_for() {
    local target=$1 dest=$2
    shift 2
    local py=${target% *} arch=${target#* }
    # shellcheck disable=SC2046
    "$PY" -m pip download --quiet --only-binary=:all: --dest "$dest" \
        --implementation cp --python-version "$py" --abi "cp${py/./}" --abi abi3 --abi none \
        $(platform_args "$arch") "$@"
}

# requirements.txt: every wheel in $1, pinned, with the SHA-256 of each of its files.
write_requirements() {
    "$PY" - "$1" <<'PYTHON'
import hashlib, re, sys
from collections import defaultdict
from pathlib import Path

wheels = Path(sys.argv[1])
pins = defaultdict(list)
for path in sorted(wheels.glob("*.whl")):
    name, version = path.name.split("-")[:2]
    name = re.sub(r"[-_.]+", "-", name).lower()
    pins[(name, version)].append(hashlib.sha256(path.read_bytes()).hexdigest())
versions = defaultdict(set)
for name, version in pins:
    versions[name].add(version)
clash = {n: v for n, v in versions.items() if len(v) > 1}
if clash:
    sys.exit(f"error: more than one version of {clash} among the wheels")
lines = ["# Every package of the bundle, pinned, with the SHA-256 of each of its wheels."]
for (name, version), hashes in sorted(pins.items()):
    lines.append(f"{name}=={version} \\")
    lines += [f"    --hash=sha256:{h} \\" for h in sorted(hashes)[:-1]]
    lines.append(f"    --hash=sha256:{sorted(hashes)[-1]}")
print("\n".join(lines))
PYTHON
}

# The glibc a target needs: the newest that any of its wheels asks (a wheel runs on the
# oldest glibc among its manylinux tags); $1 wheels, $2 "3.11", $3 "x86_64".
glibc_needed() {
    "$PY" - "$@" <<'PYTHON'
import re, sys
from pathlib import Path

wheels, py, arch = Path(sys.argv[1]), sys.argv[2].replace(".", ""), sys.argv[3]
need, who = (2, 17), "every wheel"
for path in wheels.glob("*.whl"):
    _, _, pytag, abi, plat = path.stem.split("-")[-5:] if path.stem.count("-") >= 4 else [""] * 5
    if plat == "any" or arch not in plat or (pytag.startswith("cp") and pytag != f"cp{py}" and abi != "abi3"):
        continue
    tags = [(int(a), int(b)) for a, b in re.findall(r"manylinux_(\d+)_(\d+)_", plat)]
    tags += [(2, 17)] * ("manylinux2014" in plat)
    oldest = min(tags, default=(2, 17))
    if oldest > need:
        need, who = oldest, path.name.split("-")[0]
print(f"glibc {need[0]}.{need[1]} or newer ({who})")
PYTHON
}

if [ "$HOLIDAYS_ONLY" = 1 ]; then
    out="$OUT_ROOT/holidays-update"
    rm -rf "$out" && mkdir -p "$out/wheels"
    log "the newest holidays wheel (pure Python: one wheel for every target)"
    "$PY" -m pip download --quiet --no-deps --only-binary=:all: --dest "$out/wheels" holidays
    write_requirements "$out/wheels" > "$out/requirements.txt"
    cp deploy/install-holidays.sh "$out/install-holidays.sh"
    log "$out: $(ls "$out/wheels")"
    echo "On the server: bash install-holidays.sh /opt/banjian   (see docs/operations.md)"
    exit 0
fi

version=$("$PY" -c 'import tomllib; print(tomllib.load(open("pyproject.toml", "rb"))["project"]["version"])')
name="banjian-monitor-$version"
out="$OUT_ROOT/$name"
rm -rf "$out" "$OUT_ROOT/$name-bundle.tar.gz"
mkdir -p "$out/wheels"

log "the monitor's wheel ($version)"
"$PY" -m pip wheel --quiet --no-deps --wheel-dir "$out/wheels" .
monitor_wheel=$(ls "$out/wheels"/banjian_monitor-*.whl)

# The first target decides the versions; every other target gets the same ones.
read -r -a pythons <<< "$PYTHONS"
read -r -a arches <<< "$ARCHES"
targets=()
for py in "${pythons[@]}"; do
    for arch in "${arches[@]}"; do
        targets+=("$py $arch")
    done
done
first=${targets[0]}
log "dependencies for CPython ${first% *} on ${first#* } (this decides every version)"
# The database drivers too (PostgreSQL, MySQL / MariaDB): a server cannot fetch them later.
if ! download_for "$first" "$out/wheels" "$monitor_wheel[postgres,mysql]"; then
    echo "error: could not get every dependency as a wheel for CPython ${first% *} on ${first#* }" >&2
    exit 1
fi
pins="$out/.pins.txt"
write_requirements "$out/wheels" | grep -E '^[a-z0-9-]+==' | sed 's/ \\$//' \
    | grep -v '^banjian-monitor==' > "$pins"

served=("$first")
echo "Targets this bundle serves (CPython on Linux), and the C library each needs:" > "$out/TARGETS.txt"
for target in "${targets[@]:1}"; do
    log "the same versions for CPython ${target% *} on ${target#* }"
    scratch=$(mktemp -d)
    if download_for "$target" "$scratch" --no-deps -r "$pins" 2> "$scratch/error.txt"; then
        mv "$scratch"/*.whl "$out/wheels/" 2>/dev/null || true
        served+=("$target")
    else
        missing=$(grep -oE 'for [A-Za-z0-9_.-]+==[^ ]+' "$scratch/error.txt" | head -1 || true)
        [ -n "$missing" ] || missing="(pip: $(tail -1 "$scratch/error.txt"))"
        echo "  not served: CPython ${target% *} on ${target#* }: no wheel $missing" \
            | tee -a "$out/TARGETS.NOT.txt" >&2
    fi
    rm -rf "$scratch"
done
for target in "${served[@]}"; do
    echo "  CPython ${target% *} on ${target#* }: $(glibc_needed "$out/wheels" "${target% *}" "${target#* }")" \
        >> "$out/TARGETS.txt"
done
if [ -f "$out/TARGETS.NOT.txt" ]; then
    { echo; echo "Not served (a dependency has no wheel for it):"; cat "$out/TARGETS.NOT.txt"; } >> "$out/TARGETS.txt"
    rm "$out/TARGETS.NOT.txt"
fi
rm "$pins"

log "requirements.txt (exact versions and hashes), install script, docs, examples"
write_requirements "$out/wheels" > "$out/requirements.txt"
cp deploy/install.sh deploy/install-holidays.sh deploy/INSTALL.md "$out/"
cp deploy/banjian-monitor.service deploy/banjian-monitor-web.service \
    deploy/crontab.example deploy/nginx-monitor.conf "$out/"
cp config.toml "$out/config.example.toml"
cp docs/operations.md "$out/operations.md"
tar -czf "$OUT_ROOT/$name-bundle.tar.gz" -C "$OUT_ROOT" "$name"
log "$OUT_ROOT/$name-bundle.tar.gz ($(du -h "$OUT_ROOT/$name-bundle.tar.gz" | cut -f1)): $(ls "$out/wheels" | wc -l) wheels"
cat "$out/TARGETS.txt"
