"""Roll-up by region (行政区划): a region's report ranks the regions one level down.

A province's report ranks its cities, a city's its counties, a county's its departments.
The figures of every level are counted from the same cases: the report of a region counts
the cases whose ``region_code`` lies in it, with each case's ``department`` replaced by the
name of its region one level down (a county's report keeps the departments). The counts of
disjoint sets of cases add up (:class:`rules.counting.Counts`), so a city's numerators are
the sums of its counties' and a province's of its cities'.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from rules.regions import Region, child_codes, within

__all__ = ["regional"]


def regional(cases: pd.DataFrame, region: Region, name_of: Callable[[str], str]) -> pd.DataFrame:
    """The cases of ``region``; below a county, each ``department`` is the name
    (``name_of(code)``) of the case's region one level down (with the code after it when
    two of them have one name)."""
    inside = within(cases["region_code"], region)
    cases = cases[inside].reset_index(drop=True)
    if region.child_level is None:
        return cases
    codes = child_codes(cases["region_code"], region).astype(object)
    names = {code: name_of(code) for code in pd.unique(codes) if isinstance(code, str)}
    taken = pd.Series(list(names.values())).value_counts()
    names = {c: n if taken[n] == 1 else f"{n} ({c})" for c, n in names.items()}
    return cases.assign(department=codes.map(names).astype("category"))
