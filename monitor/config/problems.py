"""Validation errors of the configuration as one line per problem.

Each line names the key path (``rules.acceptance.limit``, ``alerts.routes[0].recipients``),
what was expected and what was found; an unknown key gets the nearest known one as a
suggestion, or the list of known keys.
"""

from __future__ import annotations

import difflib
import re
from typing import Any, get_args, get_origin

from pydantic import BaseModel, ValidationError

__all__ = ["describe"]


def describe(exc: ValidationError, root: type[BaseModel]) -> list[str]:
    problems = []
    for err in exc.errors():
        loc = [str(p) for p in err["loc"] if not isinstance(p, int)]
        where = _key_path(err["loc"])
        if err["type"] == "extra_forbidden":
            known = _known_keys(root, loc[:-1])
            hint = difflib.get_close_matches(loc[-1], known, n=1)
            what = "unknown section" if isinstance(err["input"], dict) else "unknown key"
            kind = "sections" if len(loc) == 1 else "keys"
            tip = (
                f"; did you mean {hint[0]!r}?"
                if hint
                else f"; known {kind}: {', '.join(known)}"
                if known
                else ""
            )
            problems.append(f"{where}: {what}{tip}")
            continue
        msg = err["msg"].removeprefix("Value error, ").removeprefix("Assertion failed, ")
        if err["type"] in ("model_type", "model_attributes_type", "dict_type"):
            msg = "expected a table"
        msg = re.sub(r"^Input should be (greater|less) than", r"expected a number \1 than", msg)
        msg = msg.replace("Input should be ", "expected ").replace("Input ", "value ")
        if "found" not in msg and not isinstance(err["input"], dict):
            msg += f", found {_show(err['input'])}"
        if err["type"] == "missing":
            msg = "required key is missing"
        problems.append(f"{where}: {msg}")
    return problems


def _key_path(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if part == "[key]":  # a table's key that failed its check: the path ends at the key
            continue
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            name = "from" if part == "from_" else "continue" if part == "continue_" else part
            out += f".{name}" if out else str(name)
    return out or "(top level)"


def _known_keys(root: type[BaseModel], section: list[str]) -> list[str]:
    """The keys allowed in the table at ``section`` (list indexes already left out)."""
    model: Any = root
    table_key = False  # the next part names a table of a table of tables ([calendar.years.2027])
    for part in section:
        if table_key:
            table_key = False
            continue
        field = model.model_fields.get(part) or model.model_fields.get(part + "_")
        if field is None:
            return []
        ann = field.annotation
        table_key = get_origin(ann) is dict
        model = next((a for a in (ann, *get_args(ann)) if _is_model(a)), None)
        if model is None:
            return []
    return [f.alias or n for n, f in model.model_fields.items() if n not in ("base_dir", "origin")]


def _is_model(ann: Any) -> bool:
    return isinstance(ann, type) and issubclass(ann, BaseModel)


def _show(value: Any) -> str:
    text = ("true" if value else "false") if isinstance(value, bool) else repr(value)
    kind = type(value).__name__
    kind = {
        "str": "text",
        "int": "an integer",
        "float": "a number",
        "bool": "a boolean",
        "list": "a list",
        "dict": "a table",
    }.get(kind, kind)
    return f"{text[:60]}{'…' if len(text) > 60 else ''} ({kind})"
