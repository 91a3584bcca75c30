"""What each figure of a period report is (DOMAIN.md §5): the keys, which rates are the
fraction of which counts, and the definition printed beside them in both languages.

The figures themselves are computed by :mod:`rules.figures`, the counts behind the answer
loop's (预警处理反馈) by :mod:`rules.loop`.
"""

from __future__ import annotations

__all__ = [
    "COMPLETION_DENOMINATORS",
    "COUNT_KEYS",
    "DEFINITIONS",
    "FIGURE_KEYS",
    "FRACTIONS",
    "LOOP_KEYS",
    "LOOP_SUPPORT_KEYS",
    "MEAN_KEYS",
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
    "warning_response_rate", "mean_response_workdays",
    "late_explained_rate", "late_explanation_accepted_rate",
)
RATE_KEYS: tuple[str, ...] = (
    "online_rate", "accepted_late_rate", "completed_late_rate", "on_time_rate", "early_rate",
    "warning_response_rate", "late_explained_rate", "late_explanation_accepted_rate",
)
#: The figures that are means of working days (floats, two decimals).
MEAN_KEYS: tuple[str, ...] = ("mean_processing_workdays", "mean_response_workdays")
#: The figures that are counts (ints).
COUNT_KEYS: tuple[str, ...] = tuple(
    k for k in FIGURE_KEYS if k not in RATE_KEYS and k not in MEAN_KEYS
)
#: The answer loop's figures (预警处理反馈, :mod:`rules.loop`): from the warning ledger and the
#: departments' answers, known only when the ledger covers the period.
LOOP_KEYS: tuple[str, ...] = (
    "warning_response_rate", "mean_response_workdays",
    "late_explained_rate", "late_explanation_accepted_rate",
)
#: Their numerators and denominators, counted per department by :func:`rules.loop.loop_counts`.
LOOP_SUPPORT_KEYS: tuple[str, ...] = (
    "notified_warnings",  # warnings first seen in the period and sent out
    "responded_in_time",  # of those, answered within N working days
    "responded_warnings",  # of those, answered at all
    "response_workdays",  # their working days from first seen to the answer, summed
    "late_warnings",  # warnings that reached overdue or escalated in the period
    "late_explained",  # of those, with an answer giving the reason (超期原因)
    "late_explanations_accepted",  # of those, with such an answer accepted by the office
)
#: Numerators and denominators that are not figures themselves (ints), for ``n / d = r``.
SUPPORT_KEYS: tuple[str, ...] = (
    "completion_base",  # completed cases in the completion-rate denominator
    "on_time",  # of those, completed on or before D
    "completed_promised",  # completed 承诺件 (limit ≥ 1)
    "early",  # of those, completed before D
    "processing_workdays",  # their working days from acceptance to completion, summed
    *LOOP_SUPPORT_KEYS,
)
#: Rate (or mean) → (numerator key, denominator key), each in FIGURE_KEYS or SUPPORT_KEYS.
FRACTIONS: dict[str, tuple[str, str]] = {
    "online_rate": ("online", "received"),
    "accepted_late_rate": ("accepted_late", "accepted"),
    "completed_late_rate": ("completed_late", "completion_base"),
    "on_time_rate": ("on_time", "completion_base"),
    "early_rate": ("early", "completed_promised"),
    "mean_processing_workdays": ("processing_workdays", "completed_promised"),
    "warning_response_rate": ("responded_in_time", "notified_warnings"),
    "mean_response_workdays": ("response_workdays", "responded_warnings"),
    "late_explained_rate": ("late_explained", "late_warnings"),
    "late_explanation_accepted_rate": ("late_explanations_accepted", "late_explained"),
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
    "warning_response_rate": ("预警响应率 = 首次发现后 N 个工作日内得到响应的预警数 ÷ "
                              "本期首次发现且已发出通知的预警数。响应指预警首次发现后对该办件"
                              "该环节（或不分环节）的第一次确认：部门在处理反馈页面的反馈、"
                              "中心代为登记的确认均计；首次发现当日不计入 N 个工作日，"
                              "当日响应为及时；N 见报告说明（默认 2）。",
                              "Warning response rate = warnings answered within N working days of "
                              "the day they were first seen ÷ warnings first seen in the period "
                              "and sent out. The answer is the first acknowledgement of the case "
                              "(that obligation, or both) at or after the warning was first seen: "
                              "a department's answer on its case page or one the office records; "
                              "the day first seen is not counted, an answer that day is in time; "
                              "N is stated in the notes (2 by default)."),
    "mean_response_workdays": ("平均响应时长 = 上述已得到响应的预警，从首次发现日到首次响应日"
                               "的工作日数之和 ÷ 已响应的预警数（首次发现日不计，当日响应为 0；"
                               "保留两位小数）。",
                               "Mean response time = working days from the day first seen to the "
                               "day of the first answer, summed over those warnings answered at "
                               "all ÷ their number (the day first seen not counted: an answer that "
                               "day is 0; 2 decimals)."),
    "late_explained_rate": ("超期件说明率 = 已在处理反馈中填报超期原因的超期件数 ÷ "
                            "本期转为超期或督办的预警数（每件只计一次）。",
                            "Overdue explanation rate = those with an answer giving the reason "
                            "they are late (超期原因) ÷ warnings that became overdue or escalated "
                            "in the period (each counted once)."),
    "late_explanation_accepted_rate": ("超期说明通过率 = 超期原因说明经中心审核通过的超期件数 ÷ "
                                       "已填报超期原因的超期件数。",
                                       "Overdue explanations accepted = those whose explanation "
                                       "the office accepted (审核通过) ÷ those with an "
                                       "explanation."),
}
# fmt: on
