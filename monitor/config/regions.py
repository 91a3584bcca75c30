"""``[regions]``: the administrative division (行政区划) of cases that carry no code of their
own, and names that override the shipped table.

A case's own 行政区划代码 wins; a case without one (or with an invalid one) takes the code of
its department under ``departments``, else ``code`` (a county office sets its own county's
code here). ``names`` overrides the national table of names (for a code the table does not
know, or a name the office writes otherwise). Codes are 6 digits (330102); 33, 3301, 330000
or 330100 name the province or the city, and are kept as 6 digits (330000, 330100).
"""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator

from monitor.config.base import Section
from rules.regions import parse_region

__all__ = ["RegionCode", "RegionSettings"]


def _region_code(value: str) -> str:
    """``value`` as a 6-digit code (330100 for 3301), checked by :mod:`rules.regions`."""
    try:
        return parse_region(value).code
    except ValueError:
        raise ValueError(
            "expected a region code (行政区划代码): 6 digits such as 330102, or 33, 3301, "
            f"330000, 330100 for a province or a city, found {value!r}"
        ) from None


def _name(value: str) -> str:
    if not value.strip():
        raise ValueError("expected a region name, found an empty text")
    return value.strip()


#: A region code in the configuration, kept as its 6 digits; a bad one names its key.
RegionCode = Annotated[str, AfterValidator(_region_code)]


class RegionSettings(Section):
    #: The region of every case with no code of its own and no department under
    #: ``departments`` (a county office: its county, e.g. "330726").
    code: RegionCode | None = None
    #: Department → code, for sources without a 行政区划代码 column.
    departments: dict[str, RegionCode] = {}
    #: Code → name, before the national table (python-stdnum's cn/loc.dat).
    names: dict[RegionCode, Annotated[str, AfterValidator(_name)]] = {}
