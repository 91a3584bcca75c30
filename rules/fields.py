"""The canonical case record (办件记录) of DOMAIN.md §6.

One row per case. Sources name their columns in many ways; these are the canonical names and
the Chinese (and English) headers recognised without any configuration.
"""

from __future__ import annotations

__all__ = [
    "CANONICAL_FIELDS",
    "DEFAULT_HEADERS",
    "LIMIT_FIELDS",
    "REQUIRED_FIELDS",
    "TEXT_FIELDS",
    "TIMESTAMP_FIELDS",
]

#: Canonical fields in the order the canonical DataFrame keeps them.
CANONICAL_FIELDS: tuple[str, ...] = (
    "case_id",
    "department",
    "region_code",
    "item_code",
    "item_name",
    "channel",
    "cross_region",
    "submitted_at",
    "supplemented_at",
    "accepted_at",
    "completed_at",
    "promised_limit",
    "legal_limit",
    "suspended_days",
    "status",
)

#: Fields of plain text (codes and names, never parsed): kept as written, the ones after
#: ``case_id`` with few distinct values.
TEXT_FIELDS: tuple[str, ...] = (
    "case_id",
    "department",
    "region_code",  # a code such as 330102 stays text (a bad one shown as written)
    "item_code",
    "item_name",
    "channel",
    "status",
)

#: A case without these is a bad record (DOMAIN.md §6).
REQUIRED_FIELDS: tuple[str, ...] = ("case_id", "department", "submitted_at")

#: Local times (Asia/Shanghai), kept as naive datetimes.
TIMESTAMP_FIELDS: tuple[str, ...] = (
    "submitted_at",
    "supplemented_at",
    "accepted_at",
    "completed_at",
)

#: Time limits given as text ("20个工作日", "15自然日", "即办"); each becomes a number column
#: of that name plus ``<name>_unit`` ("workday" or "natural").
LIMIT_FIELDS: tuple[str, ...] = ("promised_limit", "legal_limit")

#: Headers recognised by default, canonical field → headers. Matching ignores surrounding
#: white space and letter case.
DEFAULT_HEADERS: dict[str, tuple[str, ...]] = {
    "case_id": ("办件编号", "申办流水号", "业务流水号", "办件流水号", "流水号"),
    "department": ("实施部门", "受理部门", "办理部门", "部门", "实施机构"),
    # 行政区划代码: the 6-digit administrative-division code (rules/regions.py).
    "region_code": ("行政区划代码", "区划代码", "行政区划", "区域代码"),
    "item_code": ("事项编码", "实施编码", "事项代码"),
    "item_name": ("事项名称", "实施事项"),
    "channel": ("申请渠道", "办件来源", "申报渠道"),
    "cross_region": ("异地通办", "是否异地通办"),
    "submitted_at": ("申请时间", "申报时间", "提交时间"),
    "supplemented_at": ("补正时间", "补齐材料时间", "补正完成时间"),
    "accepted_at": ("受理时间",),
    "completed_at": ("办结时间",),
    "promised_limit": ("承诺时限", "承诺办结时限"),
    "legal_limit": ("法定时限", "法定办结时限"),
    "suspended_days": ("特别程序时长", "暂停天数", "特别程序天数"),
    "status": ("办件状态", "状态"),
}
