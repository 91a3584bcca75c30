"""A region's report (行政区划): the evaluation restricted to the region's cases, each
obligation's ``department`` that of its case after :func:`rules.rollup.regional` (the name
of its city or county below a province or city), and the region as the report names it."""

from __future__ import annotations

from monitor.cases.evaluate import Evaluated
from monitor.cases.load import LoadedCases
from monitor.cases.regions import region_names
from monitor.config import Settings
from rules.regions import Region, within
from rules.rollup import regional

__all__ = ["region_info", "regional_evaluated"]


def regional_evaluated(settings: Settings, evaluated: Evaluated, region: Region) -> Evaluated:
    """``evaluated`` of the cases of ``region`` only, ranked one level down."""
    cases = evaluated.loaded.cases
    inside = within(cases["region_code"], region)
    relabelled = regional(cases, region, region_names(settings).name)
    evaluation = evaluated.evaluation.of_cases(inside)
    evaluation.table["department"] = relabelled["department"].to_numpy()[evaluation.case_rows]
    loaded = evaluated.loaded
    restricted = LoadedCases(
        relabelled, loaded.quality, loaded.source, loaded.rows_read, loaded.encoding
    )
    return Evaluated(restricted, evaluation, evaluated.now, evaluated.calendar)


def region_info(settings: Settings, region: Region) -> dict[str, str]:
    """What a report says of its region: code, prefix, name, level and what it ranks."""
    return {
        "code": region.code,
        "prefix": region.prefix,
        "name": region_names(settings).name(region.code),
        "level": region.level,
        "ranks": region.child_level or "department",
    }
