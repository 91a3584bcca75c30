"""The office's lists as workbooks: Chinese headers, personal data masked as in mail, text
typed as text (never a formula, :func:`monitor.spreadsheet.write_workbook`)."""

from __future__ import annotations

import pandas as pd

from monitor.mask import mask_series
from monitor.web.render import words

__all__ = ["ANSWER_WORDS", "DISPOSAL_WORDS", "answers_workbook", "warnings_workbook"]

#: The answer states the pages and workbooks show.
ANSWER_WORDS = {"none": "未反馈", "submitted": "待审核", "accepted": "已通过", "returned": "已退回"}
#: Where a late case's 超期件处置 stands.
DISPOSAL_WORDS = {"closed": "已完结", "review": "待审核", "returned": "已退回", "missing": "待说明"}


def _text(values: pd.Series) -> pd.Series:
    return mask_series(values.astype(object).where(values.notna(), None))


def _day(values: pd.Series) -> pd.Series:
    return pd.to_datetime(values).dt.strftime("%Y-%m-%d").astype(object).where(values.notna(), None)


def _moment(values: pd.Series) -> pd.Series:
    shown = pd.to_datetime(values).dt.strftime("%Y-%m-%d %H:%M").astype(object)
    return shown.where(values.notna(), None)


def warnings_workbook(rows: pd.DataFrame) -> pd.DataFrame:
    """The sheet of the office's warning list (rows of :func:`~monitor.web.office_data.
    warning_rows`)."""
    w = words()
    state = rows["answer_status"].astype(object).where(rows["answer_status"].notna(), "none")
    return pd.DataFrame(
        {
            "编号": "W" + rows["id"].astype(str),
            "办件编号": _text(rows["case_id"]),
            "部门": _text(rows["department"]),
            "事项": _text(rows["item_name"]),
            "环节": rows["obligation"].map(w),
            "截止日": _day(rows["deadline"]),
            "等级": rows["level"].map(w),
            "超期工作日": rows["late_workdays"].astype("int64"),
            "首次预警": _moment(rows["first_seen_at"]),
            "已解除": _moment(rows["resolved_at"]),
            "反馈状态": state.map(ANSWER_WORDS),
            "处理情况": _text(rows["answer_action"]),
            "填报人": _text(rows["answered_by"]),
            "反馈时间": _moment(rows["answered_at"]),
            "超期原因": _text(rows["late_reason"]),
            "超期件处置": rows["disposal"].map(DISPOSAL_WORDS),
        }
    )


def answers_workbook(rows: pd.DataFrame) -> pd.DataFrame:
    """The sheet of the office's answer list (rows of :func:`~monitor.web.office_data.
    pending_answers`)."""
    w = words()
    return pd.DataFrame(
        {
            "反馈号": rows["id"].astype("int64"),
            "预警编号": "W" + rows["warning_id"].astype(str),
            "办件编号": _text(rows["case_id"]),
            "部门": _text(rows["department"]),
            "环节": rows["obligation"].map(w),
            "反馈时等级": rows["level"].map(w),
            "处理情况": _text(rows["action"]),
            "预计完成日": _day(rows["expected_on"]),
            "处理说明": _text(rows["note"]),
            "超期原因": _text(rows["late_reason"]),
            "整改措施": _text(rows["measures"]),
            "填报人": _text(rows["by"]),
            "反馈时间": _moment(rows["at"]),
            "来源地址": _text(rows["address"]),
            "审核": rows["status"].map(ANSWER_WORDS),
            "审核人": _text(rows["reviewed_by"]),
            "审核意见": _text(rows["review_note"]),
        }
    )
