"""The shape of the code (issue 9): one package per concern, imports that point one way.

The import graph is read from the source with ``ast`` (every ``import`` and ``from … import``,
at module level or inside a function), one node per module. Then: no cycle anywhere; ``rules``
imports nothing of ``monitor``; each package of ``monitor`` imports only the packages below it
(:data:`ALLOWED`, the "May import" of each package's docstring); nothing but the console
entry points imports ``monitor.cli``; modules stay readable in one sitting.
"""

from __future__ import annotations

import ast
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
#: The top-level helper modules every package may use.
BASE = {
    "monitor",
    "monitor.clock",
    "monitor.errors",
    "monitor.text",
    "monitor.mask",
    "monitor.spreadsheet",
}
#: Package → the packages of ``monitor`` its modules may import (besides its own and BASE).
ALLOWED: dict[str, set[str]] = {
    "monitor.clock": set(),
    "monitor.errors": set(),
    "monitor.text": set(),
    "monitor.mask": set(),
    "monitor.spreadsheet": set(),
    "monitor.templating": set(),
    "monitor.versions": set(),
    "monitor.config": set(),
    "monitor.db": {"monitor.config"},
    "monitor.cases": {"monitor.config"},
    "monitor.store": {"monitor.cases", "monitor.db", "monitor.config"},
    "monitor.engine": {"monitor.store", "monitor.cases", "monitor.config"},
    "monitor.notify": {"monitor.db", "monitor.config", "monitor.templating"},
    "monitor.alerts": {
        "monitor.engine",
        "monitor.cases",
        "monitor.store",
        "monitor.notify",
        "monitor.db",
        "monitor.config",
    },
    "monitor.reports": {
        "monitor.engine",
        "monitor.cases",
        "monitor.store",
        "monitor.alerts",
        "monitor.notify",
        "monitor.db",
        "monitor.config",
        "monitor.templating",
    },
    "monitor.daemon": {
        "monitor.engine",
        "monitor.store",
        "monitor.alerts",
        "monitor.reports",
        "monitor.notify",
        "monitor.cases",
        "monitor.db",
        "monitor.config",
    },
    "monitor.demo": {"monitor.cases", "monitor.alerts", "monitor.reports", "monitor.config"},
    "monitor.web": {
        "monitor.alerts",
        "monitor.engine",
        "monitor.cases",
        "monitor.db",
        "monitor.config",
        "monitor.templating",
    },
}
#: Functions allowed to be longer than 60 lines: a migration states a whole schema, and the
#: synthetic generator is one long recipe.
LONG_FUNCTIONS = {
    ("monitor/db/migrations/versions/0001_initial.py", "upgrade"),
    ("monitor/demo/synth.py", "generate_cases"),
}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _sources() -> dict[str, Path]:
    files = [*ROOT.joinpath("monitor").rglob("*.py"), *ROOT.joinpath("rules").rglob("*.py")]
    return {_module_name(p): p for p in files}


SOURCES = _sources()


def _target(name: str) -> str | None:
    """The module of ours that ``name`` (a module or a name in one) is, if any."""
    while name:
        if name in SOURCES:
            return name
        name = name.rpartition(".")[0]
    return None


def _imports(module: str) -> set[str]:
    """The modules of ours that ``module`` imports, anywhere in its source."""
    path = SOURCES[module]
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            names = [f"{base}.{alias.name}" for alias in node.names]
        else:
            continue
        found |= {t for t in map(_target, names) if t is not None and t != module}
    return found


GRAPH = {module: _imports(module) for module in SOURCES}


def _cycle() -> list[str] | None:
    """One import cycle, as the modules along it, or None."""
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done
    path: list[str] = []

    def visit(module: str) -> list[str] | None:
        state[module] = 1
        path.append(module)
        for nxt in sorted(GRAPH[module]):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        path.pop()
        state[module] = 2
        return None

    for module in sorted(GRAPH):
        if module not in state and (found := visit(module)):
            return found
    return None


def _package(module: str) -> str:
    """The concern a module belongs to: ``monitor.alerts.ledger`` → ``monitor.alerts``."""
    parts = module.split(".")
    return ".".join(parts[:2]) if parts[0] == "monitor" else parts[0]


def test_the_graph_sees_known_imports() -> None:
    # The walk itself: a module-level import, a function-level one, a package's re-export.
    assert "monitor.cases.load" in GRAPH["monitor.alerts.run"]
    assert "monitor.reports.run" in GRAPH["monitor.daemon.jobs"]  # imported inside a function
    assert "monitor.config.settings" in GRAPH["monitor.config"]


def test_no_import_cycle() -> None:
    cycle = _cycle()
    assert cycle is None, "import cycle: " + " → ".join(cycle or [])


def test_rules_imports_nothing_of_monitor() -> None:
    wrong = {
        (module, target)
        for module, targets in GRAPH.items()
        if module.startswith("rules")
        for target in targets
        if target.startswith("monitor")
    }
    assert wrong == set()


def test_packages_import_only_what_their_docstring_allows() -> None:
    wrong = set()
    for module, targets in GRAPH.items():
        own = _package(module)
        if own in ("rules", "monitor.cli", "monitor.__main__") or module == "monitor":
            continue
        allowed = ALLOWED[own] | BASE | {own}
        wrong |= {
            (module, t) for t in targets if t.startswith("monitor") and _package(t) not in allowed
        }
    assert wrong == set()


def test_every_package_says_what_it_may_import() -> None:
    for name, path in SOURCES.items():
        if path.name != "__init__.py" or name.count(".") != 1 or name == "monitor.cli":
            continue
        doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
        assert "May import" in doc, f"{path}: the docstring says nothing of what it may import"
    cli = ast.get_docstring(ast.parse(SOURCES["monitor.cli"].read_text(encoding="utf-8")))
    assert cli and "May import" in cli


def test_only_the_entry_points_import_the_cli() -> None:
    importers = {
        module
        for module, targets in GRAPH.items()
        if any(t.startswith("monitor.cli") for t in targets)
        and not module.startswith("monitor.cli")
    }
    assert importers == {"monitor.__main__"}


def test_cli_app_imports_no_command_module() -> None:
    assert {t for t in GRAPH["monitor.cli.app"] if t.startswith("monitor.cli")} == set()


@pytest.mark.parametrize("module", sorted(SOURCES))
def test_modules_and_functions_fit_in_one_sitting(module: str) -> None:
    path = SOURCES[module]
    text = path.read_text(encoding="utf-8")
    assert len(text.splitlines()) <= 400, f"{path} has {len(text.splitlines())} lines"
    rel = path.relative_to(ROOT).as_posix()
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            length = node.end_lineno - node.lineno + 1  # type: ignore[operator]
            if (rel, node.name) not in LONG_FUNCTIONS:
                assert length <= 60, f"{rel}:{node.lineno} {node.name} has {length} lines"


def test_help_loads_no_pandas() -> None:
    """``monitor --help`` and every command's ``--help`` answer without importing pandas
    (the commands import what they call inside the command)."""
    script = (
        "import sys\n"
        "from monitor.cli import cli, main\n"
        "names = [[]] + [[n] for n in cli.commands]\n"
        "names += [[g, s] for g, c in cli.commands.items() for s in getattr(c, 'commands', {})]\n"
        "for args in names:\n"
        "    try:\n"
        "        main([*args, '--help'])\n"
        "    except SystemExit as exc:\n"
        "        assert exc.code == 0, (args, exc.code)\n"
        "print(len(names), 'pandas' in sys.modules, 'numpy' in sys.modules)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, check=True
    )
    count, pandas, numpy = proc.stdout.strip().splitlines()[-1].split()
    assert int(count) >= 17  # the group, 13 commands, outbox list/retry, db upgrade
    assert (pandas, numpy) == ("False", "False")


def test_package_data_follows_the_files() -> None:
    """Every data file inside ``monitor/`` (templates, the migration template) is shipped by a
    ``package-data`` pattern of pyproject.toml, and every pattern matches a file."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = config["tool"]["setuptools"]["package-data"]["monitor"]
    package = ROOT / "monitor"
    for pattern in patterns:
        assert list(package.glob(pattern)), f"package-data {pattern!r} matches no file"
    shipped = {p for pattern in patterns for p in package.glob(pattern)}
    data = {
        p
        for p in package.rglob("*")
        if p.is_file() and p.suffix not in (".py", ".pyc") and "__pycache__" not in p.parts
    }
    assert sorted(map(str, data - shipped)) == []
