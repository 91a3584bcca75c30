"""Reading the configuration file: text, TOML, and a bound on how deep it may nest.

Every failure is a :class:`~monitor.errors.ConfigError` naming the file: missing, unreadable,
not UTF-8, not TOML, or nested deeper than any configuration needs (TOML allows arrays and
inline tables nested thousands deep, which ``tomllib`` and validation would otherwise answer
with a ``RecursionError``).
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from monitor.errors import ConfigError

__all__ = ["MAX_DEPTH", "read_toml"]

#: Tables and arrays nest at most this deep. The deepest key of the configuration is four
#: levels down (``rules.departments."县公安局".warn_ratio``); the rest is room to spare.
MAX_DEPTH = 16
_TOO_DEEP = f"tables or arrays nested more than {MAX_DEPTH} levels deep"


def read_toml(file: Path) -> dict[str, Any]:
    """The TOML table in ``file``; :class:`ConfigError` saying why there is none."""
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(str(file), ["no such configuration file"]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(str(file), [f"cannot be read: {exc}"]) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(str(file), [f"not valid TOML: {exc}"]) from None
    except RecursionError:  # tomllib reads nested arrays and inline tables recursively
        raise ConfigError(str(file), [_TOO_DEEP]) from None
    if depth(data) > MAX_DEPTH:
        raise ConfigError(str(file), [_TOO_DEEP])
    return data


def depth(data: object) -> int:
    """How deep tables (dicts) and arrays (lists) nest in ``data``, up to ``MAX_DEPTH + 1``;
    counted without recursion, so that no input can exhaust the stack."""
    deepest = 0
    stack: list[tuple[object, int]] = [(data, 0)]
    while stack and deepest <= MAX_DEPTH:
        value, level = stack.pop()
        deepest = max(deepest, level)
        if isinstance(value, dict):
            stack.extend((v, level + 1) for v in value.values())
        elif isinstance(value, list):
            stack.extend((v, level + 1) for v in value)
    return deepest
