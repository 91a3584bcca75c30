"""What each figure of a period report is (DOMAIN.md §5): the keys, which rates are the
fraction of which counts, and the definition printed beside them in both languages.

The figures themselves are computed by :mod:`rules.figures`.
"""

from __future__ import annotations

__all__ = [
    "COMPLETION_DENOMINATORS",
    "COUNT_KEYS",
    "DEFINITIONS",
    "FIGURE_KEYS",
    "FRACTIONS",
    "RATE_KEYS",
    "SUPPORT_KEYS",
]

# fmt: off
FIGURE_KEYS: tuple[str, ...] = (
    "received", "online", "online_rate", "cross_region",
    "accepted", "accepted_late", "accepted_late_rate", "pending_late",
    "completed", "completed_late", "completed_late_rate", "open_late",
    "on_time_rate", "early_rate", "mean_processing_workdays",
    "warnings", "overdue", "escalated",
)
RATE_KEYS: tuple[str, ...] = (
    "online_rate", "accepted_late_rate", "completed_late_rate", "on_time_rate", "early_rate",
)
#: The figures that are counts (ints).
COUNT_KEYS: tuple[str, ...] = tuple(
    k for k in FIGURE_KEYS if k not in RATE_KEYS and k != "mean_processing_workdays"
)
#: Numerators and denominators that are not figures themselves (ints), for ``n / d = r``.
SUPPORT_KEYS: tuple[str, ...] = (
    "completion_base",  # completed cases in the completion-rate denominator
    "on_time",  # of those, completed on or before D
    "completed_promised",  # completed 承诺件 (limit ≥ 1)
    "early",  # of those, completed before D
    "processing_workdays",  # their working days from acceptance to completion, summed
)
#: Rate (or mean) → (numerator key, denominator key), each in FIGURE_KEYS or SUPPORT_KEYS.
FRACTIONS: dict[str, tuple[str, str]] = {
    "online_rate": ("online", "received"),
    "accepted_late_rate": ("accepted_late", "accepted"),
    "completed_late_rate": ("completed_late", "completion_base"),
    "on_time_rate": ("on_time", "completion_base"),
    "early_rate": ("early", "completed_promised"),
    "mean_processing_workdays": ("processing_workdays", "completed_promised"),
}
#: ``completion_denominator`` → (Chinese, English) wording for the report.
COMPLETION_DENOMINATORS: dict[str, tuple[str, str]] = {
    "all": ("全部办结件", "all completed cases"),
    "exclude_immediate": ("不含即办件的办结件", "completed cases except immediate ones (即办件)"),
}
#: Figure → (Chinese definition, English definition), numerator and denominator, for the
#: report's footnotes. "The period" is [first day, last day]; "D" is the deadline day.
DEFINITIONS: dict[str, tuple[str, str]] = {
    "received": ("办件量:申请时间在本期内的办件数(含撤件)。",
                 "Received: cases submitted in the period (withdrawn cases included)."),
    "online": ("一网通办办件量:本期办件中申请渠道属于网上渠道的办件数。",
               "Online: received cases whose channel is an online channel."),
    "online_rate": ("一网通办办件率 = 一网通办办件量 ÷ 办件量。",
                    "Online rate = online cases ÷ received cases."),
    "cross_region": ("异地通办办件量:本期办件中标记为异地通办的办件数。",
                     "Cross-region: received cases marked cross-region (异地通办)."),
    "accepted": ("受理量:本期内作出受理决定(含不予受理)的办件数,不含撤件。",
                 "Accepted: cases with an acceptance decision in the period (refusals 不予受理 "
                 "included, withdrawn cases excluded)."),
    "accepted_late": ("超期受理量:本期受理的办件中,受理日期晚于受理期限的办件数。",
                      "Accepted late: cases accepted in the period on a date after their "
                      "acceptance deadline."),
    "accepted_late_rate": ("超期受理率 = 超期受理量 ÷ 受理量。",
                           "Late-acceptance rate = accepted late ÷ accepted."),
    "pending_late": ("超期未受理:期末仍未受理、且受理期限早于期末最后一日的办件数(不含撤件)。",
                     "Late, not yet accepted: cases not accepted at the end of the period whose "
                     "acceptance deadline is before its last day (withdrawn cases excluded)."),
    "completed": ("办结量:本期内办结的办件数,不含撤件。",
                  "Completed: cases completed in the period (withdrawn cases excluded)."),
    "completed_late": ("超期办结量:计入办结率分母的办结件中,办结日期晚于办结期限的办件数。",
                       "Completed late: completed cases counted in the completion-rate "
                       "denominator that were completed on a date after their deadline."),
    "completed_late_rate": ("超期办结率 = 超期办结量 ÷ "
                            "办结量(分母为全部办结件,或按配置不含即办件)。",
                            "Late-completion rate = completed late ÷ completed (all completed "
                            "cases, or, as configured, excluding immediate cases 即办件)."),
    "open_late": ("超期未办结:期末已受理未办结、且办结期限早于期末最后一日的办件数(不含撤件)。",
                  "Late, not yet completed: cases accepted but not completed at the end of the "
                  "period whose deadline is before its last day (withdrawn cases excluded)."),
    "on_time_rate": ("按时办结率 = 在期限当日或之前办结的办件数 ÷ 办结量(与超期办结率同一分母)。",
                     "On-time rate = cases completed on or before their deadline ÷ completed "
                     "(the same denominator as the late-completion rate)."),
    "early_rate": ("提前办结率 = 早于期限日办结的承诺件数 ÷ 本期办结的承诺件数(承诺时限 ≥ 1 日)。",
                   "Early rate = 承诺件 (limit ≥ 1 day) completed on a date before their "
                   "deadline ÷ 承诺件 completed in the period."),
    "mean_processing_workdays": ("平均办理时长 = 本期办结承诺件从受理日到办结日的工作日数之和 ÷ "
                                 "本期办结的承诺件数(保留两位小数)。",
                                 "Mean processing time = working days from the acceptance date "
                                 "to the completion date, summed over 承诺件 completed in the "
                                 "period ÷ their number (2 decimals)."),
    "warnings": ("预警数:本期内发出的预警(剩余工作日首次不超过预警天数)。",
                 "Warnings: warnings raised in the period (remaining working days first at or "
                 "below the warning threshold)."),
    "overdue": ("超期数:本期内转为超期的事项(期限日后的第一个工作日)。",
                "Overdue: obligations that became late in the period (on the first working day "
                "after the deadline)."),
    "escalated": ("督办数:本期内转为督办的事项(超期达到督办工作日数之日)。",
                  "Escalated: obligations escalated in the period (on the day they had been late "
                  "for the escalation number of working days)."),
}
# fmt: on
