"""Administrative divisions (行政区划): the 6-digit code of a case's region, and the regions
above it.

A code (行政区划代码, GB/T 2260) is three pairs of digits: province (省), city (市) and county
(县). 330102 is 上城区 (county), in 杭州市 (city 3301, written 330100), in 浙江省 (province
33, written 330000). A province watches its cities and a city its counties, so a region here
is a *prefix*: 2 digits for a province, 4 for a city, 6 for a county; a case lies within a
region when its code starts with the region's prefix.

Everything works column-wise on pandas Series of codes (object, string or category dtype; a
category column is worked on through its few distinct categories). :class:`Region` and
:func:`parse_region` need no pandas (the configuration uses them): the column functions
import it when called.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the configuration reads regions: ``monitor --help`` loads no pandas
    import numpy as np
    import pandas as pd

__all__ = ["LEVELS", "Region", "child_codes", "parse_region", "valid_codes", "within"]

#: The levels of a region, from the widest.
LEVELS: tuple[str, ...] = ("province", "city", "county")
_LEVEL_OF_LENGTH = {2: "province", 4: "city", 6: "county"}
#: A whole code: six ASCII digits (``\d`` would take other scripts' digits too).
_CODE = r"[0-9]{6}"
_DIGITS = re.compile(r"[0-9]+")


@dataclass(frozen=True)
class Region:
    """A province, city or county by the digits that name it (``"33"``, ``"3301"``,
    ``"330102"``); :func:`parse_region` reads the usual ways of writing one."""

    prefix: str
    level: str = field(init=False)

    def __post_init__(self) -> None:
        p = self.prefix
        if (
            not isinstance(p, str)
            or not _DIGITS.fullmatch(p)
            or len(p) not in _LEVEL_OF_LENGTH
            or "00" in (p[0:2], p[2:4], p[4:6])
        ):
            raise ValueError(
                f"{p!r} is not a region prefix: expected 2, 4 or 6 digits (33, 3301, 330102) "
                "with no pair 00"
            )
        object.__setattr__(self, "level", _LEVEL_OF_LENGTH[len(p)])

    @property
    def code(self) -> str:
        """The region's 6-digit code: the prefix padded with zeros (33 → 330000)."""
        return self.prefix.ljust(6, "0")

    @property
    def child_level(self) -> str | None:
        """The level of the regions one below: city for a province, county for a city,
        None for a county."""
        at = LEVELS.index(self.level)
        return LEVELS[at + 1] if at + 1 < len(LEVELS) else None

    @property
    def parent(self) -> Region | None:
        """The region one level above (the city of a county, the province of a city), or
        None for a province."""
        return Region(self.prefix[:-2]) if len(self.prefix) > 2 else None


def parse_region(text: str) -> Region:
    """The region ``text`` names: ``"33"`` or ``"330000"`` (province), ``"3301"`` or
    ``"330100"`` (city), ``"330102"`` (county); white space around it is ignored. ValueError
    otherwise."""
    digits = str(text).strip()
    if (
        _DIGITS.fullmatch(digits)
        and len(digits) in _LEVEL_OF_LENGTH
        and digits[:2] != "00"
        and not (len(digits) == 4 and digits.endswith("00"))  # 3300 is no city
        and not (len(digits) == 6 and digits[2:4] == "00" and digits[4:] != "00")  # 330001
    ):
        prefix = digits
        while len(prefix) > 2 and prefix.endswith("00"):  # 330100 → 3301, 330000 → 33
            prefix = prefix[:-2]
        return Region(prefix)
    raise ValueError(
        f"{text!r} is not a region code: expected 2, 4 or 6 digits such as 33 or 330000 "
        "(a province), 3301 or 330100 (a city), 330102 (a county)"
    )


def valid_codes(codes: pd.Series) -> np.ndarray:
    """Per row: whether the value is a region code, exactly six ASCII digits whose province
    pair is not 00 (missing values are not)."""
    return _per_value(codes, lambda s: s.str.fullmatch(_CODE) & ~s.str.startswith("00"))


def within(codes: pd.Series, region: Region) -> np.ndarray:
    """Per row: whether the value is a valid code inside ``region`` (it starts with the
    region's prefix; a county holds only its own code). Missing values are not."""
    return _per_value(
        codes,
        lambda s: s.str.fullmatch(_CODE) & s.str.startswith(region.prefix),
    )


def child_codes(codes: pd.Series, region: Region) -> pd.Series:
    """Per row: the 6-digit code of the region one level below ``region`` that the case lies
    in — its city (``code[:4] + "00"``) within a province, its own code within a city.
    Missing where the code is missing, invalid or outside ``region``. The result keeps the
    index, and is categorical when ``codes`` is. ValueError for a county, which has no
    regions below it (it ranks its departments)."""
    import numpy as np
    import pandas as pd

    if region.child_level is None:
        raise ValueError(
            f"region {region.code} is a county: it has no regions below it "
            "(rank its departments instead)"
        )
    cut = 4 if region.child_level == "city" else 6

    def child(values: pd.Series) -> pd.Series:
        inside = (values.str.fullmatch(_CODE) & values.str.startswith(region.prefix)).fillna(False)
        out = values.str[:cut].str.pad(6, side="right", fillchar="0")
        return out.where(inside.to_numpy(bool))

    if isinstance(codes.dtype, pd.CategoricalDtype):
        mapped = child(_category_text(codes))
        positions, uniques = pd.factorize(mapped.to_numpy(dtype=object))
        new = np.append(positions, -1)[codes.cat.codes.to_numpy()]  # missing stays missing
        return pd.Series(pd.Categorical.from_codes(new, categories=uniques), index=codes.index)
    return child(_text(codes))


def _per_value(codes: pd.Series, test: Callable[[pd.Series], pd.Series]) -> np.ndarray:
    """``test`` (text Series → boolean Series, missing where the value is) per row, worked
    out once per category for a categorical column."""
    import numpy as np
    import pandas as pd

    if isinstance(codes.dtype, pd.CategoricalDtype):
        per_category = test(_category_text(codes)).fillna(False).to_numpy(bool)
        # A missing value has code -1: it picks the False appended last.
        return np.append(per_category, False)[codes.cat.codes.to_numpy()]
    return test(_text(codes)).fillna(False).to_numpy(bool)


def _category_text(codes: pd.Series) -> pd.Series:
    """The categories of a categorical column, as text."""
    import pandas as pd

    return _text(pd.Series(codes.cat.categories))


def _text(values: pd.Series) -> pd.Series:
    """``values`` as a text Series with missing values kept missing (a number that is not
    text is not a code: its text is taken, so 330102 the integer is read as "330102")."""
    import pandas as pd

    if pd.api.types.is_string_dtype(values.dtype) and values.dtype != object:
        return values
    return values.astype("string")
