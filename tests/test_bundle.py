"""The offline release bundle (issue 15): ``bash deploy/bundle.sh`` builds it, ``install.sh``
installs it into a fresh virtual environment with the package index switched off, and the
monitor it installed runs ``--version`` and ``demo`` there — with no network at all where
this machine can take it away (``unshare -n``: a network namespace of loopback only).

Building downloads every dependency from the package index, so the test runs when
``MONITOR_TEST_BUNDLE=1`` (``.ci/run`` sets it) and skips with that reason otherwise. It builds
for this interpreter and machine only (the release builds CPython 3.11 and 3.12, x86_64 and
aarch64: docs/operations.md gives which are served).
"""

from __future__ import annotations

import hashlib
import os
import platform
import re
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from monitor import __version__

ROOT = Path(__file__).resolve().parents[1]
NAME = f"banjian-monitor-{__version__}"

pytestmark = [
    pytest.mark.bundle,
    pytest.mark.skipif(
        os.environ.get("MONITOR_TEST_BUNDLE") != "1",
        reason="set MONITOR_TEST_BUNDLE=1 (.ci/run does) to build the offline bundle: it "
        "downloads every dependency from the package index",
    ),
]


def offline_env() -> dict[str, str]:
    """The environment of a server with no package index: no pip configuration, no index,
    no find-links but the bundle's."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_")}
    env.update(PIP_NO_INDEX="1", PIP_CONFIG_FILE=os.devnull, PIP_DISABLE_PIP_VERSION_CHECK="1")
    env.pop("VIRTUAL_ENV", None)
    return env


def no_network(*command: str | Path) -> list[str]:
    """``command`` in a network namespace of its own (loopback only) when this machine can
    make one, else as it is (the package index is still off)."""
    args = [str(c) for c in command]
    if shutil.which("unshare") and subprocess.run(["unshare", "-n", "true"]).returncode == 0:
        return ["unshare", "-n", *args]
    return args


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundle for this interpreter and machine, built and unpacked."""
    out = tmp_path_factory.mktemp("dist")
    python = f"{sys.version_info[0]}.{sys.version_info[1]}"
    proc = subprocess.run(
        [
            "bash",
            str(ROOT / "deploy" / "bundle.sh"),
            "--python",
            python,
            "--arch",
            platform.machine(),
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHON": sys.executable},
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    archive = out / f"{NAME}-bundle.tar.gz"
    unpacked = tmp_path_factory.mktemp("server")
    with tarfile.open(archive) as tar:
        tar.extractall(unpacked, filter="data")
    return unpacked / NAME


def test_the_bundle_holds_what_an_installer_needs(bundle: Path) -> None:
    names = {p.name for p in bundle.iterdir()}
    assert {
        "install.sh",
        "install-holidays.sh",
        "INSTALL.md",
        "requirements.txt",
        "TARGETS.txt",
        "banjian-monitor.service",
        "banjian-monitor-web.service",
        "crontab.example",
        "nginx-monitor.conf",
        "config.example.toml",
        "wheels",
    } <= names
    target = f"CPython {sys.version_info[0]}.{sys.version_info[1]} on {platform.machine()}"
    lines = (bundle / "TARGETS.txt").read_text().splitlines()
    assert any(re.fullmatch(rf"  {target}: glibc 2\.\d+ or newer \(\S+\)", x) for x in lines)


def test_every_wheel_is_pinned_with_its_hash(bundle: Path) -> None:
    """requirements.txt: one exact version per package, and the SHA-256 of every wheel."""
    text = (bundle / "requirements.txt").read_text()
    pins = re.findall(r"^([a-z0-9-]+)==(\S+) \\$", text, re.M)
    hashes = set(re.findall(r"--hash=sha256:([0-9a-f]{64})", text))
    wheels = sorted((bundle / "wheels").glob("*.whl"))
    assert {hashlib.sha256(w.read_bytes()).hexdigest() for w in wheels} == hashes
    names = [n for n, _ in pins]
    assert len(names) == len(set(names)) == len(wheels)  # one target: one wheel each
    assert ("banjian-monitor", __version__) in pins
    for needed in ("pandas", "holidays", "sqlalchemy", "httpx", "psycopg2-binary", "pymysql"):
        assert needed in names


@pytest.fixture(scope="module")
def installed(bundle: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The virtual environment ``install.sh`` made from the bundle, offline."""
    venv = tmp_path_factory.mktemp("opt") / "banjian"
    proc = subprocess.run(
        no_network("bash", bundle / "install.sh", venv),
        capture_output=True,
        text=True,
        env={**offline_env(), "PYTHON": sys.executable},
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return venv


def test_it_installs_offline_and_runs_the_demo(installed: Path, tmp_path: Path) -> None:
    env = offline_env()
    monitor = installed / "bin" / "monitor"
    version = subprocess.run(
        no_network(monitor, "--version"), capture_output=True, text=True, env=env
    )
    assert version.returncode == 0, version.stderr
    lines = version.stdout.splitlines()
    assert lines[0] == f"monitor {__version__}"
    assert re.fullmatch(r"holidays 0\.\d+ \(official schedules through 20\d\d\)", lines[1])
    assert lines[2] == f"Python {platform.python_version()}"
    work = tmp_path / "work"
    work.mkdir()
    demo = subprocess.run(
        no_network(monitor, "demo"), capture_output=True, text=True, cwd=work, env=env
    )
    assert demo.returncode == 0, demo.stdout[-2000:] + demo.stderr[-2000:]
    assert list((work / "var" / "demo" / "mail").glob("*.eml"))
    assert list((work / "var" / "demo" / "reports").glob("*.html"))


def test_the_yearly_holidays_update_goes_in_offline(installed: Path, tmp_path: Path) -> None:
    """``bundle.sh --holidays-only`` on the connected machine, ``install-holidays.sh`` on the
    server: the newest holidays wheel, hash-checked, nothing else touched."""
    proc = subprocess.run(
        ["bash", str(ROOT / "deploy" / "bundle.sh"), "--holidays-only", "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHON": sys.executable},
    )
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    update = tmp_path / "holidays-update"
    (wheel,) = (update / "wheels").glob("holidays-*.whl")
    newest = wheel.name.split("-")[1]
    before = sorted(p.name for p in (installed / "lib").glob("python*/site-packages/*.dist-info"))
    proc = subprocess.run(
        no_network("bash", update / "install-holidays.sh", installed),
        capture_output=True,
        text=True,
        env=offline_env(),
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.splitlines()[1].startswith(f"holidays {newest} (official schedules")
    after = sorted(p.name for p in (installed / "lib").glob("python*/site-packages/*.dist-info"))
    changed = set(before) ^ set(after)
    assert all(name.startswith("holidays-") for name in changed)  # nothing else touched


def test_a_wheel_that_is_not_the_one_pinned_is_refused(bundle: Path, tmp_path: Path) -> None:
    """The hashes are checked: a wheel altered on the way (one byte added) stops the install
    before anything is installed from it."""
    copy = tmp_path / "bundle"
    shutil.copytree(bundle, copy)
    wheel = next((copy / "wheels").glob("six-*.whl"), None) or next((copy / "wheels").glob("*.whl"))
    with wheel.open("ab") as f:
        f.write(b"\0")
    proc = subprocess.run(
        no_network("bash", copy / "install.sh", tmp_path / "banjian"),
        capture_output=True,
        text=True,
        env={**offline_env(), "PYTHON": sys.executable},
    )
    assert proc.returncode != 0
    assert "DO NOT MATCH THE HASHES" in proc.stderr
    assert not (tmp_path / "banjian" / "bin" / "monitor").exists()
