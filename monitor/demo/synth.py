"""Synthetic county case data (办件) for tests, demos and benchmarks.

:func:`generate_cases` builds one county's cases as a case system exports them: the Chinese
headers of DOMAIN.md §6 and every value a string (the county's 行政区划代码 is 330726).
Departments and items come from a fixed catalogue (40 departments, 3–6 items each, volumes
skewed towards a few departments); submission, 补正, acceptance and completion follow the
working-day rules of DOMAIN.md §3 so that only a chosen small share of cases is late.
Everything is vectorised with numpy and the strings are rendered byte-wise into Arrow arrays,
so 2 million rows take seconds.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa

if TYPE_CHECKING:
    from rules.calendar import WorkingCalendar

__all__ = ["COLUMNS", "generate_cases"]

I64 = npt.NDArray[np.int64]
Mask = npt.NDArray[np.bool_]

COLUMNS: tuple[str, ...] = (
    "办件编号", "实施部门", "行政区划代码", "事项编码", "事项名称", "申请渠道", "异地通办",
    "申请时间", "补正时间", "受理时间", "办结时间", "承诺时限", "法定时限", "特别程序时长",
    "办件状态",
)  # fmt: skip

_COUNTY = "330726"
#: Department:items, busiest first (the first items of a department are its commonest);
#: a line without ":" continues the department above.
_CATALOGUE = """
县市场监督管理局:个体工商户设立登记,企业设立登记,食品经营许可,个体工商户变更登记,企业注销登记
食品小作坊登记
县人力资源和社会保障局:社会保障卡申领,失业保险金申领,灵活就业人员参保登记,养老保险关系转移
就业创业证申领,工伤认定
县医疗保障局:异地就医备案,医保关系转移接续,城乡居民医保参保登记,门诊慢特病待遇认定,生育津贴申领
医疗费用零星报销
县公安局:居民身份证申领,户口迁移,出生登记,机动车驾驶证换证,出入境证件申领,无犯罪记录证明
县税务局:发票领用,税务登记信息确认,完税证明开具,个人所得税汇算清缴,增值税专用发票代开
县自然资源和规划局:不动产登记,不动产抵押登记,建设用地规划许可证核发,建设工程规划许可证核发
乡村建设规划许可
县住房公积金管理中心:住房公积金提取,住房公积金贷款,住房公积金缴存登记,缴存证明开具
县住房和城乡建设局:建筑工程施工许可证核发,商品房预售许可,建设工程竣工验收备案,燃气经营许可
房屋交易合同备案
县卫生健康局:医师执业注册,护士执业注册,医疗机构执业登记,公共场所卫生许可,出生医学证明办理
县民政局:婚姻登记,最低生活保障审批,高龄津贴发放,社会团体成立登记,特困人员认定
县交通运输局:道路运输经营许可,道路运输从业人员资格证,出租汽车驾驶员证,公路超限运输许可,涉路施工许可
县农业农村局:农村宅基地审批,农药经营许可,兽药经营许可,动物防疫条件合格证核发,种子生产经营许可
县供电公司:低压居民用电报装,低压非居民用电报装,高压用电报装,用电更名过户,电表迁移
县水务集团:用水报装,用水更名过户,水表迁移,城镇污水排入排水管网许可
县教育局:教师资格认定,义务教育入学登记,学生资助申请,民办学校设立审批,校外培训机构审批
县残疾人联合会:残疾人证办理,残疾人证换领,残疾人两项补贴申领,残疾人辅助器具适配
县退役军人事务局:退役军人优待证申领,优抚对象抚恤补助,退役士兵安置,光荣牌悬挂
县综合行政执法局:建筑垃圾处置核准,户外广告设施设置许可,城市道路挖掘许可,临时占用城市道路许可
城市树木砍伐审批
县生态环境分局:建设项目环评审批,排污许可,辐射安全许可,危险废物经营许可
县文化和广电旅游体育局:娱乐场所经营许可,互联网上网服务营业场所许可,营业性演出许可,旅行社设立许可
高危险性体育项目许可
县应急管理局:危险化学品经营许可,烟花爆竹经营许可,安全生产许可,生产安全事故应急预案备案
县发展和改革局:企业投资项目备案,企业投资项目核准,固定资产投资项目节能审查,价格认定
县商务局:对外贸易经营者备案,成品油零售经营许可,单用途预付卡备案,报废机动车回收资质认定
县司法局:法律援助申请,基层法律服务工作者执业核准,人民调解申请,公证员执业证书核发
县公证处:委托书公证,学历公证,继承公证,亲属关系公证,出生公证
县水利局:取水许可,河道管理范围内建设项目审批,水土保持方案审批,水利工程质量监督
县消防救援大队:公众聚集场所营业前消防检查,大型群众性活动消防检查,消防安全检查,消防产品现场检查
县烟草专卖局:烟草专卖零售许可证新办,烟草专卖零售许可证延续,烟草专卖零售许可证变更
烟草专卖零售许可证停业
县气象局:防雷装置设计审核,防雷装置竣工验收,升放无人驾驶自由气球审批,气象资料提供
县财政局:代理记账许可,会计人员信息采集,非税收入票据领购,政府采购供应商投诉处理
县科学技术局:科技型中小企业评价,高新技术企业认定推荐,科技成果登记,技术合同登记
县经济和信息化局:工业企业技术改造项目备案,民用爆炸物品销售许可,新型墙体材料认定,新能源汽车推广补助
县人民防空办公室:人防工程建设审批,人防工程竣工验收备案,人防工程平时使用备案,人防工程拆除审批
县统计局:统计调查项目审批,统计登记,统计数据证明
县档案馆:档案查阅利用,档案证明出具,婚姻档案查询,档案寄存
县民族宗教事务局:宗教活动场所设立审批,宗教临时活动地点审批,宗教教职人员备案
县红十字会:遗体捐献登记,造血干细胞捐献登记,无偿献血证明,红十字会员登记
县邮政管理局:快递业务经营许可,快递末端网点备案,快递企业分支机构备案
县总工会:困难职工帮扶申请,工会法人资格登记,职工医疗互助保障
县信访局:信访事项受理,信访事项复查,信访事项复核
"""

_ONLINE = ("一网通办", "浙里办", "移动端", "自助终端")
_CHANNELS = (*_ONLINE, "窗口")
_STATUSES = ("待受理", "已受理", "办理中", "已办结", "不予受理", "撤件")
#: Faults planted in bad rows, in turn: (column, text written over the value).
_FAULTS: dict[str, tuple[str, str | None]] = {
    "unparseable_submitted_at": ("申请时间", "2024-13-45"),
    "unparseable_accepted_at": ("受理时间", "昨天"),
    "accepted_before_submitted": ("", None),
    "completed_before_accepted": ("", None),
    "missing_department": ("实施部门", None),
    "negative_limit": ("承诺时限", "-5个工作日"),
}
_NEVER = np.iinfo(np.int64).max // 4  # "has not happened (yet)": later than any as_of
_NEVER_DAY = _NEVER // 86400
_NAT = np.iinfo(np.int64).min
_PAIRS = np.array([[48 + i // 10, 48 + i % 10] for i in range(100)], dtype=np.uint8)


def _catalogue() -> dict[str, Any]:
    """The county's departments and items with their limits, the same for every seed."""
    depts: dict[str, list[str]] = {}
    for line in _CATALOGUE.strip().splitlines():
        dept, _, names = line.rpartition(":")
        depts.setdefault(dept or list(depts)[-1], []).extend(names.split(","))
    rng = np.random.default_rng(int(_COUNTY))
    rows = []
    for d, names in enumerate(depts.values()):
        style = rng.integers(0, 3)  # how the department writes its limits
        unit = ("个工作日", "工作日", "")[style]
        item_w = 1.0 / np.arange(1, len(names) + 1)
        for rank, name in enumerate(names):
            r = rng.random()
            natural = rank > 0 and r > 0.92
            now = r < (0.7 if rank == 0 else 0.4)  # 即办件
            k = 0 if now else int(rng.choice([7, 10, 15, 30] if natural else [1, 2, 3, 5, 7, 10]))
            legal = int(rng.choice([x for x in (5, 10, 15, 20, 30, 45, 60) if x >= max(k, 5)]))
            text = f"{k}自然日" if natural else f"{k}{unit}" if k else ("即办", "即办", "0")[style]
            rows.append((
                d, name, f"{_COUNTY}-{d + 1:04d}{rank + 1:02d}-{1 + (rng.random() < 0.2):04d}",
                k, natural, text,
                f"{legal}自然日" if natural and rng.random() < 0.5 else f"{legal}{unit}",
                not natural and k >= 5 and rng.random() < 0.3,  # 特别程序 (inspection etc.)
                item_w[rank] / item_w.sum() / (d + 1) ** 1.25,
            ))  # fmt: skip
    keys = ("dept", "name", "code", "k", "natural", "promised", "legal", "suspends", "w")
    out: dict[str, Any] = dict(zip(keys, map(list, zip(*rows, strict=True)), strict=True))
    out.update({key: np.array(out[key]) for key in ("dept", "k", "natural", "suspends", "w")})
    out["w"] = out["w"] / out["w"].sum()
    out["departments"] = list(depts)
    return out


def _render(template: str, parts: Sequence[tuple[int, I64]], missing: Mask | None) -> pa.Array:
    """Fixed-width ASCII strings: ``template`` with two digits of each part written at its
    column; ``missing`` rows become nulls."""
    n = len(parts[0][1])
    buf = np.empty((n, len(template)), dtype=np.uint8)
    buf[:] = np.frombuffer(template.encode(), dtype=np.uint8)
    for col, values in parts:
        buf[:, col : col + 2] = _PAIRS[values % 100]
    valid = None if missing is None else pa.py_buffer(np.packbits(~missing, bitorder="little"))
    data = [valid, pa.py_buffer(buf)]
    return pa.FixedSizeBinaryArray.from_buffers(pa.binary(len(template)), n, data).cast(pa.string())


def _timestamps(ts: I64) -> pa.Array:
    """``"YYYY-MM-DD HH:MM:SS"`` strings of epoch seconds; ``_NEVER`` becomes null."""
    missing = ts >= _NEVER
    t = np.where(missing, 0, ts)
    day = (t // 86400).astype("datetime64[D]")
    month = day.astype("datetime64[M]")
    year = month.astype("datetime64[Y]").astype(np.int64) + 1970
    tod = t % 86400
    parts = [(0, year // 100), (2, year), (5, month.astype(np.int64) % 12 + 1),
             (8, (day - month).astype(np.int64) + 1), (11, tod // 3600), (14, tod // 60 % 60),
             (17, tod % 60)]  # fmt: skip
    return _render("0000-00-00 00:00:00", parts, missing)


def _take(values: Sequence[str], index: I64, missing: Mask | None = None) -> pa.Array:
    return pa.array(values, type=pa.string()).take(pa.array(index, mask=missing))


def _add_wd(cal: WorkingCalendar, day: I64, k: I64 | int, horizon: int) -> I64:
    """Day number of the k-th working day after ``day`` (k = 0: ``day`` rolled forward), or
    ``_NEVER_DAY`` if that is after ``horizon`` (the calendar is never asked beyond it)."""
    ok = day <= horizon
    d = np.where(ok, day, _NAT).view("datetime64[D]")
    kk = np.broadcast_to(np.asarray(k, dtype=np.int64), day.shape)
    avail = cal.working_days_between(d, np.datetime64(horizon, "D"))
    ok &= avail >= np.where(kk > 0, kk, ~cal.is_working_day(d))
    out = cal.add_working_days(np.where(ok, d, np.datetime64("NaT")), np.where(ok, kk, 0))
    return np.where(ok, out.view(np.int64), _NEVER_DAY)


def _later(cal: WorkingCalendar, day: I64, k: I64, natural: Mask, horizon: int) -> I64:
    """The day ``k`` working days (or ``k`` natural days, rolled forward) after ``day``."""
    return _add_wd(cal, np.where(natural, day + k, day), np.where(natural, 0, k), horizon)


def _office(rng: np.random.Generator, n: int) -> I64:
    """Seconds of day inside office hours 08:30–12:00 and 14:00–17:30."""
    u = rng.integers(0, 25200, n)
    return 30600 + u + (u >= 12600) * 7200


def _stamp(day: I64, after: I64, rng: np.random.Generator, most: int) -> I64:
    """A time on ``day``: a minute up to ``most`` seconds after ``after`` when that is on the
    same day (clipped to the day's end), else within office hours."""
    same = day == after // 86400
    soon = np.minimum(after + rng.integers(60, most, len(day)), after // 86400 * 86400 + 86399)
    out = np.where(same, soon, day * 86400 + _office(rng, len(day)))
    return np.where(day >= _NEVER_DAY, _NEVER, out)


def generate_cases(
    n_cases: int,
    start: dt.date,
    end: dt.date,
    *,
    seed: int = 0,
    calendar: WorkingCalendar,
    bad_rows: int = 0,
    late_share: float = 0.0005,
    as_of: dt.datetime | None = None,
    stalled_share: float = 0.0,
) -> pd.DataFrame:
    """``n_cases`` cases submitted in ``start``..``end`` plus ``bad_rows`` bad rows, as strings.

    Columns are :data:`COLUMNS`; absent values are NA. About ``late_share`` of the cases that
    end 已办结 are late (60 % accepted after the 5-working-day acceptance deadline, 40 %
    completed after the promised deadline), and ``stalled_share`` of them are completed 1–15
    working days after it; every other case is on time. Nothing after
    ``as_of`` (default: the end of ``end``) is recorded, so recent cases are still open. The
    last ``bad_rows`` rows are broken copies of completed cases, faults listed by kind in
    ``df.attrs["bad_rows"]``; the first ``min(3, bad_rows // 4)`` of them re-export an earlier
    case whose own row shows an earlier status (ids in ``df.attrs["duplicate_ids"]``).
    """
    shares_ok = 0.0 <= late_share <= 1.0 and 0.0 <= stalled_share <= 1.0
    if n_cases < 1 or bad_rows < 0 or not shares_ok or end < start:
        raise ValueError("need n_cases ≥ 1, bad_rows ≥ 0, shares in [0, 1], start ≤ end")
    as_of = as_of or dt.datetime.combine(end, dt.time(23, 59, 59))
    if start.year < calendar.first_year or as_of.year > calendar.last_year:
        raise ValueError(f"{start}..{as_of} is outside the calendar's years")
    as_s = int((as_of - dt.datetime(1970, 1, 1)).total_seconds())
    horizon = as_s // 86400
    first = (start - dt.date(1970, 1, 1)).days
    if horizon < first:
        raise ValueError(f"as_of {as_of} is before start {start}")
    rng = np.random.default_rng(seed)
    cat = _catalogue()
    n = n_cases

    # Submissions: working days mostly in office hours; online also evenings and weekends.
    days = np.arange(first, min((end - dt.date(1970, 1, 1)).days, horizon) + 1)
    work = calendar.is_working_day(days.view("datetime64[D]"))
    weight = np.where(work, 1.0, 0.06) * (1 + 0.15 * np.sin(days * 2 * np.pi / 365.25))
    pick = rng.choice(len(days), n, p=weight / weight.sum())
    in_office = work[pick] & (rng.random(n) < 0.85)
    sub = days[pick] * 86400 + np.where(in_office, _office(rng, n), rng.integers(25200, 84600, n))
    after = sub > as_s  # on the as_of day itself: squeeze the time of day before as_of
    sub[after] = sub[after] // 86400 * 86400 + (sub[after] % 86400) * (as_s % 86400) // 86400
    sub.sort()
    sub_day = sub // 86400
    tod = sub % 86400
    office = work[sub_day - first] & (((tod >= 30600) & (tod < 43200)) | (
        (tod >= 50400) & (tod < 63000)))  # fmt: skip

    item = rng.choice(len(cat["w"]), n, p=cat["w"])
    channel = rng.choice(len(_ONLINE), n, p=[0.55, 0.35, 0.07, 0.03])
    channel[office & (rng.random(n) < 0.006 * n / max(int(office.sum()), 1))] = len(_ONLINE)
    cross = (rng.random(n) < 0.01).astype(np.int64)

    # Outcome: 0 completed, 1 不予受理, 2 撤件; late cases only among the completed.
    kind = rng.choice(3, n, p=[0.99, 0.004, 0.006])
    late = (kind == 0) & (rng.random(n) < late_share)
    late_acc = late & (rng.random(n) < 0.6)
    # Stalled: completed 1–15 working days after the deadline, so around as_of some are
    # still open and late (超期, 督办).
    stalled = (kind == 0) & ~late & (rng.random(n) < stalled_share)

    # 补正 1–4 working days after submission; acceptance 0–2 working days after S.
    has_supp = rng.random(n) < 0.03
    supp_day = _add_wd(calendar, sub_day, np.where(has_supp, rng.integers(1, 5, n), 0), horizon)
    supp = np.where(has_supp, _stamp(supp_day, sub, rng, 3600), _NEVER)
    s_ts = np.where(has_supp, supp, sub)
    r = rng.random(n)
    k_acc = np.where(late_acc, rng.integers(6, 10, n), (r > 0.55).astype(np.int64) + (r > 0.88))
    acc_day = _add_wd(calendar, np.minimum(s_ts // 86400, _NEVER_DAY), k_acc, horizon)
    acc = _stamp(acc_day, s_ts, rng, 4 * 3600)

    # Completion well within the promised limit (+ 特别程序 days), a few after the deadline.
    k = cat["k"][item]
    natural = cat["natural"][item]
    suspended = cat["suspends"][item] & (rng.random(n) < 0.25)
    budget = k + np.where(suspended, rng.integers(1, 11, n), 0)
    j = np.minimum(np.floor((budget + 1) * rng.beta(1.2, 3.0, n)).astype(np.int64), budget)
    comp_day = _later(calendar, acc_day, j, natural, horizon)
    idx = np.flatnonzero((late & ~late_acc) | stalled)
    deadline = _later(calendar, acc_day[idx], budget[idx], natural[idx], horizon)
    delay = np.where(stalled[idx], rng.integers(1, 16, len(idx)), rng.integers(1, 6, len(idx)))
    comp_day[idx] = _add_wd(calendar, deadline, delay, horizon)
    comp = np.where(kind == 1, _NEVER, _stamp(comp_day, acc, rng, 3 * 3600))

    # 撤件: withdrawn between S and acceptance, or between acceptance and completion.
    wd_after = rng.random(n) < 0.5
    base = np.where(wd_after, acc, s_ts)
    target = np.where(wd_after, comp, acc)
    step = (rng.random(n) * (np.minimum(target, base + 10**9) - base)).astype(np.int64)
    comp = np.where(kind == 2, np.where(target >= _NEVER, _NEVER, base + step), comp)
    acc = np.where((kind == 2) & ~wd_after, _NEVER, acc)

    supp, acc, comp = (np.where(x > as_s, _NEVER, x) for x in (supp, acc, comp))
    has_acc, has_comp = acc < _NEVER, comp < _NEVER
    status = np.select(
        [has_comp & (kind == 2), has_comp, has_acc & (kind == 1), has_acc & (acc_day < horizon),
         has_acc], [5, 3, 4, 2, 1], 0)  # fmt: skip
    susp_days = np.where(suspended & has_acc, budget - k, -1)

    # Bad rows: broken copies of completed cases; duplicates re-export an earlier case whose
    # own (earlier) row is made to show it still 办理中.
    n_dup = min(3, bad_rows // 4)
    kinds = ["duplicate_id"] * n_dup + [list(_FAULTS)[i % 6] for i in range(bad_rows - n_dup)]
    pool = np.flatnonzero((kind == 0) & has_comp)
    pool = pool if len(pool) >= bad_rows else np.arange(n)
    src = rng.choice(pool, bad_rows, replace=len(pool) < bad_rows)
    rows = np.concatenate([np.arange(n), src])
    seq = rng.integers(10**6, 10**7) + np.cumsum(rng.integers(1, 40, n + bad_rows))
    seq[n : n + n_dup] = seq[src[:n_dup]]
    sub, supp, acc, comp, status = sub[rows], supp[rows], acc[rows], comp[rows], status[rows]
    tail = np.array(kinds, dtype=object)
    bad = n + np.flatnonzero(tail == "accepted_before_submitted")
    acc[bad] = sub[bad] - rng.integers(3600, 3 * 86400, len(bad))
    bad = n + np.flatnonzero(tail == "completed_before_accepted")
    comp[bad] = acc[bad] - rng.integers(600, 2 * 86400, len(bad))
    comp[src[:n_dup]], status[src[:n_dup]] = _NEVER, 2

    rows_item = item[rows]
    susp_days = susp_days[rows]
    columns = {
        "办件编号": _render("SX" + _COUNTY + "0" * 10,
                            [(8 + 2 * i, seq // 10 ** (8 - 2 * i)) for i in range(5)], None),
        "实施部门": _take(cat["departments"], cat["dept"][rows_item]),
        "行政区划代码": _take((_COUNTY,), np.zeros(len(rows), np.int64)),
        "事项编码": _take(cat["code"], rows_item),
        "事项名称": _take(cat["name"], rows_item),
        "申请渠道": _take(_CHANNELS, channel[rows]),
        "异地通办": _take(("否", "是"), cross[rows]),
        "申请时间": _timestamps(sub),
        "补正时间": _timestamps(supp),
        "受理时间": _timestamps(acc),
        "办结时间": _timestamps(comp),
        "承诺时限": _take(cat["promised"], rows_item, (rng.random(n) < 0.003)[rows]),
        "法定时限": _take(cat["legal"], rows_item),
        "特别程序时长": _take([str(i) for i in range(11)], np.maximum(susp_days, 0),
                              susp_days < 0),
        "办件状态": _take(_STATUSES, status),
    }  # fmt: skip
    for col in dict.fromkeys(c for c, _ in _FAULTS.values() if c):
        values = columns[col].slice(n).to_pylist()
        for i, what in enumerate(kinds):
            if _FAULTS.get(what, ("",))[0] == col:
                text = _FAULTS[what][1]
                values[i] = "" if what == "missing_department" and (i - n_dup) // 6 % 2 else text
        columns[col] = pa.concat_arrays([columns[col].slice(0, n), pa.array(values, pa.string())])
    df = pa.table(columns).to_pandas()
    df.attrs["bad_rows"] = {what: kinds.count(what) for what in dict.fromkeys(kinds)}
    df.attrs["duplicate_ids"] = df["办件编号"].iloc[n : n + n_dup].tolist()
    return df
