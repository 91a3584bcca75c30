"""What every section of the configuration shares: strict sections, the email address
type, the longest span in working days."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict

from monitor.config.addresses import address_problem

__all__ = ["FINITE", "MAX_WORKDAYS", "Email", "Section"]

#: No limit or threshold counted in working days is longer than a year: the longest time
#: limits in law are counted in tens of working days (行政许可法 Art. 42: 20, extended by 10).
MAX_WORKDAYS = 366
#: Numbers in the file must be finite: TOML has inf and nan, and neither means anything here.
FINITE = {"allow_inf_nan": False}


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, populate_by_name=True)


def _check_email(value: str) -> str:
    problem = address_problem(value)
    if problem:
        raise ValueError(
            f"expected an email address like name@example.gov.cn, found {value!r} ({problem})"
        )
    return value


#: One email address; checked per item so that a problem names its position in a list.
Email = Annotated[str, AfterValidator(_check_email)]
