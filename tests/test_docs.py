"""The documentation agrees with the code (in the manner of sqlite-utils' ``tests/test_docs.py``).

Every command and sub-command has help text with an example, every option and argument says
what it is for, every command has its row in README's command table and every row names a
command that exists, and the layout README and the docs describe is the one on disk.
"""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest

from monitor.cli import cli

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _commands() -> list[tuple[str, click.Command]]:
    """Every command as it is typed ("outbox retry"), sub-commands included."""
    found = []
    for name, command in sorted(cli.commands.items()):
        found.append((name, command))
        if isinstance(command, click.Group):
            found += [(f"{name} {sub}", c) for sub, c in sorted(command.commands.items())]
    return found


COMMANDS = _commands()


def _table_rows() -> list[str]:
    """The first cell of every row of README's command table (``monitor scan [--input …]``)."""
    section = README.split("## What it does today", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"^\| `(monitor [^`]*)` \|", section, flags=re.MULTILINE)


ROWS = _table_rows()


def test_the_command_table_is_found() -> None:
    assert len(ROWS) >= 10


@pytest.mark.parametrize(("name", "command"), COMMANDS, ids=[n for n, _ in COMMANDS])
def test_every_command_has_help_with_an_example(name: str, command: click.Command) -> None:
    assert command.help and command.help.strip(), f"monitor {name} has no help text"
    assert "Example" in command.help, f"monitor {name}: its help shows no example"
    assert f"monitor {name}" in command.help, f"monitor {name}: no example of this command"


@pytest.mark.parametrize(("name", "command"), COMMANDS, ids=[n for n, _ in COMMANDS])
def test_every_option_has_help(name: str, command: click.Command) -> None:
    for param in command.params:
        if isinstance(param, click.Option):
            assert param.help and param.help.strip(), f"monitor {name} {param.opts[0]}: no help"
        else:  # an argument: its meaning is told in the command's help
            assert param.name and param.name.upper() in (command.help or ""), (
                f"monitor {name}: the help does not say what {param.name.upper()} is"
            )


@pytest.mark.parametrize("name", sorted(cli.commands))
def test_every_command_has_its_row_in_the_readme(name: str) -> None:
    rows = [row for row in ROWS if row.split()[1] == name]
    assert rows, f"README's command table has no row for monitor {name}"
    command = cli.commands[name]
    for sub in getattr(command, "commands", {}):
        assert any(sub in row for row in rows), f"README's row of {name} omits {sub}"


def test_every_row_of_the_readme_is_a_command() -> None:
    assert {row.split()[1] for row in ROWS} <= set(cli.commands)


def test_every_package_of_the_layout_section_exists() -> None:
    section = README.split("## Layout", 1)[1].split("\n## ", 1)[0]
    named = set(re.findall(r"`monitor/(\w+)/`", section))
    on_disk = {p.parent.name for p in (ROOT / "monitor").glob("*/__init__.py")}
    assert named == on_disk


def test_docs_name_only_modules_that_exist() -> None:
    """A path such as ``monitor/cases/normalise.py`` in README or docs/ names a real file."""
    texts = [README, *(p.read_text(encoding="utf-8") for p in (ROOT / "docs").glob("*.md"))]
    path = re.compile(r"(?<![\w/])((?:monitor|rules)/[\w/]+\.py)\b")
    named = {m for text in texts for m in path.findall(text)}
    missing = sorted(m for m in named if not (ROOT / m).is_file())
    assert missing == []
