#!/usr/bin/env python3
"""Convert the real public figures in ../shared/data/real/*.csv into gongkai import files.

Run from the repository root:

    python3 data/real/convert.py            # write the import files, then check them
    python3 data/real/convert.py --check    # build in memory, check, and verify the files on disk
                                            # are exactly what the script produces (no writing)

Standard library only, deterministic (rows keep the order of the shared files).
The shared folder is `../shared/data/real` relative to the repository root; set GONGKAI_SHARED to
override it (either the folder holding the CSV files, or a `shared` folder containing `data/real`).

Every output file has, as its first row, the exact Chinese `header` of each column of the import
format it uses (schema/src/descriptor.rs), then the provenance columns 来源, 来源标题, 来源网址,
来源发布机构及日期, 来源等级, then any extra column that keeps a source value which has no place
in the format, under its ORIGINAL English column name. See data/real/README.md for every mapping
decision and every row left out.
"""

from __future__ import annotations

import csv
import datetime
import io
import os
import re
import sys
from collections import OrderedDict, defaultdict
from decimal import Decimal, InvalidOperation
from pathlib import Path

HERE = Path(__file__).resolve().parent          # <repo>/data/real
REPO = HERE.parent.parent                        # <repo>
REFERENCE = REPO / "data" / "reference"


def shared_dir() -> Path:
    env = os.environ.get("GONGKAI_SHARED")
    if env:
        p = Path(env)
        if (p / "data" / "real").is_dir():
            return p / "data" / "real"
        return p
    return (REPO / ".." / "shared" / "data" / "real").resolve()


# ---------------------------------------------------------------------------------------------
# Copied from schema/src/descriptor.rs (enumerations and the columns of the tables used here).
# ---------------------------------------------------------------------------------------------

BUDGET_STAGES = ["预算", "调整预算", "决算"]
CLASSIFICATIONS = ["功能分类", "经济分类"]
FUND_LEVELS = ["中央", "省", "市", "县"]
PERIOD_TYPES = [
    "year_end", "year_total", "year", "half_year_total", "quarter_end", "quarter_total",
    "month_end", "month_total", "ytd_total", "period_total", "cumulative", "snapshot",
]
PROGRAMMES = [
    "城乡低保", "城市低保", "农村低保", "特困人员救助供养", "城市特困人员救助供养",
    "农村特困人员救助供养", "临时救助", "医疗救助", "流浪乞讨人员救助", "孤儿基本生活保障",
    "事实无人抚养儿童基本生活保障", "困难残疾人生活补贴", "重度残疾人护理补贴", "社会救助（合计）",
]
INDICATORS = ["户数", "人数", "人次", "平均标准", "平均补助水平", "资金支出", "计划支出", "机构数"]
DISPOSALS = ["取缔", "劝散", "引导登记", "涉嫌"]
REPORT_TABLES = ["表二", "表三", "表四", "其他"]
SOURCE_GRADES = ["A", "B", "C", "S"]

# (key, header, aliases, kind, required); kind is a string or ("enum", list)
SOURCE_COLUMNS = [
    ("source", "来源", ["出处"], "text", False),
    ("source_title", "来源标题", ["来源文件", "来源名称"], "text", False),
    ("source_url", "来源网址", ["来源链接"], "text", False),
    ("source_publisher_date", "来源发布机构及日期", ["来源发布机构"], "text", False),
    ("source_document_number", "来源文号", [], "text", False),
    ("source_grade", "来源等级", [], ("enum", SOURCE_GRADES), False),
]

TABLES = {
    "budgets.lines": [
        ("department", "单位名称", ["部门", "部门名称", "预算单位"], "text", True),
        ("region_code", "地区代码", ["行政区划代码"], "region", True),
        ("region_name", "地区名称", ["地区"], "text", False),
        ("fiscal_year", "年度", ["预算年度", "财政年度"], "year", True),
        ("stage", "阶段", ["预决算阶段"], ("enum", BUDGET_STAGES), True),
        ("document_type", "文件类型", ["公开文件"], "text", False),
        ("table_name", "表名", ["表格", "表或说明部分"], "text", True),
        ("classification", "分类", ["科目分类"], ("enum", CLASSIFICATIONS), False),
        ("subject_code", "科目编码", ["科目代码"], "text", False),
        ("subject_name", "科目名称", ["项目", "科目"], "text", True),
        ("amount", "金额", ["数额", "金额（万元）"], "money", True),
        ("unit", "单位", ["金额单位", "计量单位"], "unit", False),
        ("note", "备注", ["说明"], "text", False),
    ],
    "funds.lines": [
        ("fund_name", "资金名称", ["专项资金名称"], "text", True),
        ("level", "资金级次", ["级次"], ("enum", FUND_LEVELS), True),
        ("allocating_body", "分配机关", ["下达机关", "分配部门"], "text", True),
        ("fiscal_year", "预算年度", ["年度"], "period", True),
        ("document_number", "文号", ["下达文号"], "text", False),
        ("fund_total", "资金总额", [], "money", False),
        ("principle", "分配原则", ["分配办法"], "text", False),
        ("recipient_region_code", "接收地区代码", [], "region", False),
        ("recipient_region_name", "接收地区", ["接收地区名称"], "text", False),
        ("recipient_unit", "接收单位", [], "text", False),
        ("item", "项目", ["项目名称", "资金用途"], "text", True),
        ("parent_item", "上级项目", ["所属项目"], "text", False),
        ("amount", "金额", ["分配金额"], "money", True),
        ("unit", "单位", ["金额单位"], "unit", False),
        ("batch", "批次", [], "text", False),
        ("allocated_date", "下达日期", ["日期"], "date", False),
        ("qualifier", "限定词", [], "text", False),
        ("note", "备注", ["说明"], "text", False),
    ],
    "relief.stats": [
        ("region_code", "地区代码", ["行政区划代码"], "region", True),
        ("region_name", "地区名称", ["地区"], "text", False),
        ("period", "统计期", ["时期", "期别"], "period", True),
        ("period_type", "期别类型", [], ("enum", PERIOD_TYPES), True),
        ("programme", "救助项目", ["项目"], ("enum", PROGRAMMES), True),
        ("indicator", "指标", [], ("enum", INDICATORS), True),
        ("breakdown", "分组", ["细分"], "text", False),
        ("value", "数值", ["数量", "值"], "quantity", True),
        ("unit", "单位", ["计量单位"], "unit", False),
        ("qualifier", "限定词", [], "text", False),
        ("indicator_published", "原指标名称", ["原文指标"], "text", False),
        ("stated_change", "增减说明", [], "text", False),
        ("note", "备注", ["说明"], "text", False),
    ],
    "registry.illegal_organizations": [
        ("name", "名称", ["组织名称", "非法社会组织名称"], "text", True),
        ("batch", "批次", ["名单批次"], "text", True),
        ("published_on", "公布日期", [], "date", True),
        ("publisher", "公布机关", [], "text", True),
        ("disposal", "处置方式", ["处置"], ("enum", DISPOSALS), True),
        ("region_code", "地区代码", [], "region", False),
        ("note", "备注", [], "text", False),
    ],
    "registry.statistics": [
        ("region_code", "地区代码", [], "region", True),
        ("region_name", "地区名称", ["地区"], "text", False),
        ("period", "统计期", ["时期"], "period", True),
        ("period_type", "期别类型", [], ("enum", PERIOD_TYPES), True),
        ("org_type", "组织类别", ["类别"], "text", True),
        ("indicator", "指标", [], "text", True),
        ("value", "数值", ["数量"], "quantity", True),
        ("unit", "单位", [], "unit", False),
        ("qualifier", "限定词", [], "text", False),
        ("note", "备注", [], "text", False),
    ],
    "annual_reports.cells": [
        ("agency", "机关", ["单位名称", "部门"], "text", True),
        ("region_code", "地区代码", [], "region", True),
        ("region_name", "地区名称", ["地区"], "text", False),
        ("year", "报告年度", ["年度"], "year", True),
        ("report_table", "表", ["表格"], ("enum", REPORT_TABLES), True),
        ("row_label", "行", ["项目", "指标"], "text", True),
        ("column_label", "列", ["栏目"], "text", False),
        ("value", "数值", ["数量"], "quantity", True),
        ("unit", "单位", [], "unit", False),
        ("qualifier", "限定词", [], "text", False),
        ("note", "备注", [], "text", False),
    ],
}

# Which unit column a money/quantity column takes its unit from, per table.
UNIT_OF = {"amount": "unit", "value": "unit", "fund_total": "unit"}

# The provenance columns written to every file (来源文号: no source row carries one).
SOURCE_OUT = ["source", "source_title", "source_url", "source_publisher_date", "source_grade"]

# ---------------------------------------------------------------------------------------------
# Units (as recognised by schema/src/normalize.rs): unit text → (measure, factor to base unit).
# Base units: money 分 (fen); persons 人; households 户; person-times 人次; counts the counted
# thing; rates 分/人·月, 分/人·年, 分/人次, 分/人; percent 0.01%.
# ---------------------------------------------------------------------------------------------

UNITS = {
    "分": ("money", 1), "元": ("money", 100), "千元": ("money", 100_000),
    "万元": ("money", 10**6), "亿元": ("money", 10**10),
    "人": ("persons", 1), "万人": ("persons", 10**4),
    "户": ("households", 1), "万户": ("households", 10**4),
    "人次": ("person_times", 1), "万人次": ("person_times", 10**4),
    "%": ("percent", 100),
    "元/人·月": ("per_person_month", 100), "元/人/月": ("per_person_month", 100),
    "元/人·年": ("per_person_year", 100), "元/人/年": ("per_person_year", 100),
    "元/人次": ("per_person_time", 100), "元/人·次": ("per_person_time", 100),
    "元/人": ("per_person", 100),
    "persons": ("persons", 1), "people": ("persons", 1),
    "million persons": ("persons", 10**6), "million people": ("persons", 10**6),
    "households": ("households", 1), "million households": ("households", 10**6),
    "person-times": ("person_times", 1), "million person-times": ("person_times", 10**6),
}
for _c in ["个", "家", "起", "件", "条", "场", "单", "批次", "项", "所", "张", "次"]:
    UNITS[_c] = ("count:" + _c, 1)
    UNITS["万" + _c] = ("count:" + _c, 10**4)

# What measure each relief indicator must carry.
INDICATOR_MEASURES = {
    "户数": {"households"},
    "人数": {"persons"},
    "人次": {"person_times"},
    "平均标准": {"per_person_month", "per_person_year", "per_person_time", "per_person"},
    "平均补助水平": {"per_person_month", "per_person_year", "per_person_time", "per_person"},
    "资金支出": {"money"},
    "计划支出": {"money"},
    "机构数": {m for m, _ in UNITS.values() if m.startswith("count:")},
}

NATION = "000000"
CONVERT = "〔转换〕"  # marks what this script added to 备注, after the note as published


def note(orig: str, *added: str) -> str:
    parts = [orig.strip()] if orig.strip() else []
    parts += [CONVERT + a for a in added if a]
    return "；".join(parts)


# ---------------------------------------------------------------------------------------------
# Reading
# ---------------------------------------------------------------------------------------------

def read_csv(path: Path) -> list[dict]:
    raw = path.read_bytes()
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8"), newline="")))
    for i, r in enumerate(rows):
        r["_line"] = i + 2  # line in the shared file (header = line 1)
        r["_file"] = path.name
    return rows


def src(r: dict) -> dict:
    return {k: r[k] for k in SOURCE_OUT}


class Output:
    """The rows of one import file, plus the rows of the shared files left out of it."""

    def __init__(self, table: str, path: str, columns: list[str], extras: list[str]):
        self.table = table
        self.path = path
        self.columns = columns      # keys of the descriptor columns used, in order
        self.extras = extras        # original English column names kept verbatim
        self.rows: list[dict] = []
        self.left_out: list[tuple[str, int, str, str]] = []  # (file, line, what, reason)

    def add(self, row: dict, r: dict):
        row = dict(row)
        row.update(src(r))
        row["_origin"] = f"{r['_file']}:{r['_line']}"
        self.rows.append(row)

    def leave_out(self, r: dict, what: str, reason: str):
        self.left_out.append((r["_file"], r["_line"], what, reason))

    def header(self) -> list[str]:
        cols = {c[0]: c for c in TABLES[self.table]}
        src_cols = {c[0]: c for c in SOURCE_COLUMNS}
        return ([cols[k][1] for k in self.columns] + [src_cols[k][1] for k in SOURCE_OUT]
                + list(self.extras))

    def keys(self) -> list[str]:
        return self.columns + SOURCE_OUT + self.extras

    def render(self) -> str:
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
        w.writerow(self.header())
        for row in self.rows:
            w.writerow([row.get(k, "") for k in self.keys()])
        return buf.getvalue()


# ---------------------------------------------------------------------------------------------
# 1. budgets.lines  ← department_budgets_final_accounts.csv
# ---------------------------------------------------------------------------------------------

STAGE_OF_DOCUMENT = {"部门预算": "预算", "单位决算": "决算", "部门决算": "决算"}
MONEY_UNITS = {"元", "万元", "亿元"}


def budgets(shared: Path) -> Output:
    out = Output("budgets.lines", "budgets/lines.csv",
                 ["department", "region_code", "region_name", "fiscal_year", "stage",
                  "document_type", "table_name", "classification", "subject_code",
                  "subject_name", "amount", "unit", "note"], [])
    for r in read_csv(shared / "department_budgets_final_accounts.csv"):
        if r["unit"] not in MONEY_UNITS:
            out.leave_out(r, f"{r['department']} {r['item']} {r['amount']}{r['unit']}",
                          f"单位“{r['unit']}”不是金额单位，不能作为预决算金额")
            continue
        dept, added = r["department"], []
        m = re.fullmatch(r"(.+?)（(非民政部门[^）]*)）", dept)
        if m:  # an annotation by the compiler of the shared file, not part of the unit's name
            dept = m.group(1)
            added.append(f"单位名称栏原文“{r['department']}”")
        out.add({
            "department": dept,
            "region_code": r["region_code"],
            "region_name": r["region_name"],
            "fiscal_year": r["fiscal_year"],
            "stage": STAGE_OF_DOCUMENT[r["document_type"]],
            "document_type": r["document_type"],
            "table_name": r["table_or_section"],
            "classification": "功能分类" if "功能分类" in r["table_or_section"] else "",
            "subject_code": "",
            "subject_name": r["item"],
            "amount": r["amount"],
            "unit": r["unit"],
            "note": note(r["note"], *added),
        }, r)
    return out


# ---------------------------------------------------------------------------------------------
# 2. funds.lines  ← lottery_welfare_fund_allocations.csv
# ---------------------------------------------------------------------------------------------

LEVELS = {"中央": "中央", "省": "省", "市": "市", "县": "县", "县区": "县"}


def fund_year(text: str) -> str:
    if re.fullmatch(r"\d{4}", text):
        return text
    m = re.match(r"(\d{4})-(\d{4})", text)
    if m:
        return f"{m.group(1)}/{m.group(2)}"
    raise ValueError(f"预算年度无法转换：{text}")


def funds(shared: Path) -> Output:
    out = Output("funds.lines", "funds/lines.csv",
                 ["fund_name", "level", "allocating_body", "fiscal_year", "recipient_region_code",
                  "recipient_region_name", "item", "parent_item", "amount", "unit", "qualifier",
                  "note"], [])
    rows = read_csv(shared / "lottery_welfare_fund_allocations.csv")
    # Fujian 2018 lists, after a province-level line of an item, the same item again for cities
    # and counties, with the same parent. Those lines break the province-level line down by
    # recipient; their parent is the item itself. A line is such a breakdown when an earlier line
    # of the same fund has the same item and parent and is at the fund's own region (the province).
    seen = {}
    for r in rows:
        level = LEVELS[r["level"]]
        year = fund_year(r["fiscal_year"])
        fund = (r["fund_name"], level, year)
        added = []
        if level != r["level"]:
            added.append(f"资金级次原文“{r['level']}”")
        if year != r["fiscal_year"]:
            added.append(f"预算年度原文“{r['fiscal_year']}”")
        parent = r["parent_item"]
        key = (fund, r["item"], r["parent_item"])
        if key in seen and seen[key] != r["recipient_region"]:
            parent = r["item"]
            added.append(f"上级项目原文“{r['parent_item']}”；本行是{seen[key]}“{r['item']}”按接收地区的分配明细，"
                         f"上级项目改为该项目本身，以免重复计算")
        else:
            seen.setdefault(key, r["recipient_region"])
        out.add({
            "fund_name": r["fund_name"],
            "level": level,
            "allocating_body": r["allocating_body"],
            "fiscal_year": year,
            "recipient_region_code": r["recipient_region_code"] or (NATION if r["recipient_region"] == "全国" else ""),
            "recipient_region_name": r["recipient_region"],
            "item": r["item"],
            "parent_item": parent,
            "amount": r["amount"],
            "unit": r["unit"],
            "qualifier": r["qualifier"],
            "note": note(r["note"], *added),
        }, r)
    return out


# ---------------------------------------------------------------------------------------------
# 3. relief.stats  ← social_assistance_national.csv, social_assistance_local.csv,
#                    seed_changde_2017.csv (topic 农村低保专项治理)
# ---------------------------------------------------------------------------------------------

PERIOD_TYPE_MAP = {
    "year_end": "year_end", "year_total": "year_total", "year": "year",
    "month_end": "month_end", "quarter_end": "quarter_end", "ytd_total": "ytd_total",
    "period_total": "period_total", "cumulative": "cumulative", "snapshot": "snapshot",
    "as_of": "snapshot", "period_end": "snapshot", "event": "snapshot",
}

OUT = "OUT"  # marker: leave the row out (the reason follows)
NOT_RELIEF_SPENDING = "民政事业费（含救助以外的全部民政支出），不是某一救助项目的支出"

# (file, indicator as published, unit or None) → (programme, indicator, breakdown[, added note])
# or (OUT, reason). Every indicator of the source files must be listed here.
RELIEF_MAP = {
    # --- national ---
    ("social_assistance_national.csv", "城市低保对象户数", None): ("城市低保", "户数", ""),
    ("social_assistance_national.csv", "城市低保对象人数", None): ("城市低保", "人数", ""),
    ("social_assistance_national.csv", "城市低保资金支出（各级财政）", None): ("城市低保", "资金支出", ""),
    ("social_assistance_national.csv", "城市低保平均标准", None): ("城市低保", "平均标准", ""),
    ("social_assistance_national.csv", "城市低保月人均补助水平", None): ("城市低保", "平均补助水平", ""),
    ("social_assistance_national.csv", "救济城市“三无”人员", None): (
        "城市特困人员救助供养", "人数", "城市“三无”人员",
        "城市“三无”人员救济自2014年《社会救助暂行办法》起并入特困人员救助供养；按此归入城市特困人员救助供养，分组注明"),
    ("social_assistance_national.csv", "农村低保对象户数", None): ("农村低保", "户数", ""),
    ("social_assistance_national.csv", "农村低保对象人数", None): ("农村低保", "人数", ""),
    ("social_assistance_national.csv", "农村低保资金支出（各级财政）", None): ("农村低保", "资金支出", ""),
    ("social_assistance_national.csv", "农村低保平均标准", None): ("农村低保", "平均标准", ""),
    ("social_assistance_national.csv", "农村低保年人均补助水平", None): ("农村低保", "平均补助水平", ""),
    ("social_assistance_national.csv", "农村特困人员救助供养人数", None): ("农村特困人员救助供养", "人数", ""),
    ("social_assistance_national.csv", "城乡低保对象合计", None): ("城乡低保", "人数", ""),
    ("social_assistance_national.csv", "农村特困人员救助供养资金支出", None): ("农村特困人员救助供养", "资金支出", ""),
    ("social_assistance_national.csv", "临时救助", "万人次"): ("临时救助", "人次", ""),
    ("social_assistance_national.csv", "临时救助", "million persons"): ("临时救助", "人数", ""),
    ("social_assistance_national.csv", "临时救助", "million person-times"): ("临时救助", "人次", ""),
    ("social_assistance_national.csv", "临时救助资金支出", None): ("临时救助", "资金支出", ""),
    ("social_assistance_national.csv", "临时救助平均救助水平", None): ("临时救助", "平均补助水平", ""),
    ("social_assistance_national.csv", "医疗救助：资助参加基本医疗保险人数", None): ("医疗救助", "人数", "资助参加基本医疗保险"),
    ("social_assistance_national.csv", "医疗救助：资助参保支出", None): ("医疗救助", "资金支出", "资助参加基本医疗保险"),
    ("social_assistance_national.csv", "医疗救助：资助参保人均补助水平", None): ("医疗救助", "平均补助水平", "资助参加基本医疗保险"),
    ("social_assistance_national.csv", "医疗救助：住院和门诊医疗救助", None): ("医疗救助", "人次", "住院和门诊医疗救助"),
    ("social_assistance_national.csv", "医疗救助：住院和门诊医疗救助支出", None): ("医疗救助", "资金支出", "住院和门诊医疗救助"),
    ("social_assistance_national.csv", "农村特困人员", None): ("农村特困人员救助供养", "人数", ""),
    ("social_assistance_national.csv", "农村特困人员救助供养资金支出", None): ("农村特困人员救助供养", "资金支出", ""),
    ("social_assistance_national.csv", "城市特困人员", None): ("城市特困人员救助供养", "人数", ""),
    ("social_assistance_national.csv", "城市特困人员救助供养资金支出", None): ("城市特困人员救助供养", "资金支出", ""),
    ("social_assistance_national.csv", "低保资金支出", None): ("城乡低保", "资金支出", ""),
    ("social_assistance_national.csv", "特困人员合计", None): ("特困人员救助供养", "人数", ""),
    ("social_assistance_national.csv", "特困人员救助供养资金支出", None): ("特困人员救助供养", "资金支出", ""),
    ("social_assistance_national.csv", "城乡低保覆盖人数", None): ("城乡低保", "人数", ""),
    ("social_assistance_national.csv", "困难残疾人生活补贴受益人数", None): ("困难残疾人生活补贴", "人数", ""),
    ("social_assistance_national.csv", "重度残疾人护理补贴受益人数", None): ("重度残疾人护理补贴", "人数", ""),
    ("social_assistance_national.csv", "纳入低保或特困供养的建档立卡贫困人口", None): (
        "社会救助（合计）", "人数", "纳入低保或特困供养的建档立卡贫困人口",
        "低保与特困供养合计口径，无单一项目可归，按社会救助（合计）记，分组注明范围"),
    ("social_assistance_national.csv", "纳入保障的事实无人抚养儿童", None): ("事实无人抚养儿童基本生活保障", "人数", ""),
    ("social_assistance_national.csv", "城市低保平均（原文 average allowance）", None): (
        "城市低保", "平均标准", "",
        "指标按新华社2008-01-24电（《2007年民政事业发展统计公报》发布）“平均保障标准为每月182.4元/人”归为平均标准；"
        "该电文见经济参考报转载 http://sz-shandao.com/gnyw/2008-01/25/content_83022.htm（镜像站，C级），使用前请与公报原文核对"),
    ("social_assistance_national.csv", "农村低保平均（原文 average allowance）", None): (
        "农村低保", "平均标准", "",
        "指标按新华社2008-01-24电（《2007年民政事业发展统计公报》发布）农村低保“平均保障标准为每月70元/人”归为平均标准；"
        "该电文见经济参考报转载 http://sz-shandao.com/gnyw/2008-01/25/content_83022.htm（镜像站，C级），使用前请与公报原文核对"),
    # --- local ---
    ("social_assistance_local.csv", "城镇居民最低生活保障人数", None): ("城市低保", "人数", ""),
    ("social_assistance_local.csv", "城镇低保人数：女性", None): ("城市低保", "人数", "女性"),
    ("social_assistance_local.csv", "城镇低保人数：残疾人", None): ("城市低保", "人数", "残疾人"),
    ("social_assistance_local.csv", "城市居民最低保障家庭数", None): ("城市低保", "户数", ""),
    ("social_assistance_local.csv", "城市低保资金全年计划支出", None): ("城市低保", "计划支出", ""),
    ("social_assistance_local.csv", "农村最低生活保障人数", None): ("农村低保", "人数", ""),
    ("social_assistance_local.csv", "农村低保人数：女性", None): ("农村低保", "人数", "女性"),
    ("social_assistance_local.csv", "农村低保人数：老年人", None): ("农村低保", "人数", "老年人"),
    ("social_assistance_local.csv", "农村低保人数：未成年人", None): ("农村低保", "人数", "未成年人"),
    ("social_assistance_local.csv", "农村低保人数：残疾人", None): ("农村低保", "人数", "残疾人"),
    ("social_assistance_local.csv", "农村居民最低生活保障家庭数", None): ("农村低保", "户数", ""),
    ("social_assistance_local.csv", "农村低保资金全年计划支出", None): ("农村低保", "计划支出", ""),
    ("social_assistance_local.csv", "城市特困人员供养人数", None): ("城市特困人员救助供养", "人数", ""),
    ("social_assistance_local.csv", "城市特困人员全年供养支出", None): ("城市特困人员救助供养", "资金支出", ""),
    ("social_assistance_local.csv", "农村特困人员供养人数", None): ("农村特困人员救助供养", "人数", ""),
    ("social_assistance_local.csv", "农村特困人员全年供养支出", None): ("农村特困人员救助供养", "资金支出", ""),
    ("social_assistance_local.csv", "农村居民最低生活保障人数", None): ("农村低保", "人数", ""),
    ("social_assistance_local.csv", "民政事业费累计支出", None): (OUT, NOT_RELIEF_SPENDING),
    ("social_assistance_local.csv", "城市最低生活保障人数", None): ("城市低保", "人数", ""),
    ("social_assistance_local.csv", "城市最低生活保障户数", None): ("城市低保", "户数", ""),
    ("social_assistance_local.csv", "农村最低生活保障户数", None): ("农村低保", "户数", ""),
    ("social_assistance_local.csv", "城市最低生活保障平均标准", None): ("城市低保", "平均标准", ""),
    ("social_assistance_local.csv", "农村最低生活保障平均标准", None): ("农村低保", "平均标准", ""),
    ("social_assistance_local.csv", "城市特困人员救助供养人数", None): ("城市特困人员救助供养", "人数", ""),
    ("social_assistance_local.csv", "农村特困人员救助供养人数", None): ("农村特困人员救助供养", "人数", ""),
    ("social_assistance_local.csv", "生活无着的流浪乞讨人员救助", None): ("流浪乞讨人员救助", "人次", ""),
    ("social_assistance_local.csv", "临时救助", None): ("临时救助", "人次", ""),
    ("social_assistance_local.csv", "享受困难残疾人生活补贴人数", None): ("困难残疾人生活补贴", "人数", ""),
    ("social_assistance_local.csv", "享受重度残疾人护理补贴人数", None): ("重度残疾人护理补贴", "人数", ""),
    ("social_assistance_local.csv", "孤儿", None): ("孤儿基本生活保障", "人数", ""),
    ("social_assistance_local.csv", "提供住宿的民政机构：养老机构", None): (
        OUT, "养老机构数不属于任何救助项目（PROGRAMMES 无养老服务）；机构数只能挂在救助项目下，归入特困供养等项目不符合事实"),
    # 四川省民政统计月报 2020 (indicator codes YZH…)
    ("social_assistance_local.csv", "民政事业费累计支出（指标代码YZH011200000）", None): (OUT, NOT_RELIEF_SPENDING),
    ("social_assistance_local.csv", "社会福利（指标代码YZH011210000）", None): (OUT, "社会福利支出不是社会救助项目"),
    ("social_assistance_local.csv", "社会救助（指标代码YZH011220000）", None): ("社会救助（合计）", "资金支出", ""),
    ("social_assistance_local.csv", "最低生活保障（指标代码YZH011221000）", None): ("城乡低保", "资金支出", ""),
    ("social_assistance_local.csv", "城市低保累计支出（指标代码YZH011221100）", None): ("城市低保", "资金支出", ""),
    ("social_assistance_local.csv", "城市低保金（指标代码YZH011221110）", None): ("城市低保", "资金支出", "低保金"),
    ("social_assistance_local.csv", "城市低保对象价格临时补贴（指标代码YZH011221120）", None): ("城市低保", "资金支出", "价格临时补贴"),
    ("social_assistance_local.csv", "农村低保累计支出（指标代码YZH011221200）", None): ("农村低保", "资金支出", ""),
    ("social_assistance_local.csv", "农村低保金（指标代码YZH011221210）", None): ("农村低保", "资金支出", "低保金"),
    ("social_assistance_local.csv", "农村低保对象价格临时补贴（指标代码YZH011221220）", None): ("农村低保", "资金支出", "价格临时补贴"),
    ("social_assistance_local.csv", "民政管理事务（指标代码YZH011230000）", None): (OUT, "民政管理事务支出不是社会救助项目"),
    ("social_assistance_local.csv", "行政事业单位养老支出（指标代码YZH011240000）", None): (OUT, "行政事业单位养老支出不是社会救助项目"),
    ("social_assistance_local.csv", "其他（指标代码YZH011250000）", None): (OUT, "民政事业费中的“其他”支出，不是社会救助项目"),
    ("social_assistance_local.csv", "孤儿（指标代码YZH012311000）", None): ("孤儿基本生活保障", "人数", ""),
    ("social_assistance_local.csv", "事实无人抚养儿童（指标代码YZH012320000）", None): ("事实无人抚养儿童基本生活保障", "人数", ""),
    ("social_assistance_local.csv", "乡级行政区划（指标代码YZH011110000）", None): (OUT, "行政区划个数，不是社会救助统计"),
    ("social_assistance_local.csv", "镇（指标代码YZH011111000）", None): (OUT, "行政区划个数，不是社会救助统计"),
    ("social_assistance_local.csv", "乡（指标代码YZH011112000）", None): (OUT, "行政区划个数，不是社会救助统计"),
    ("social_assistance_local.csv", "民族乡（指标代码YZH011112100）", None): (OUT, "行政区划个数，不是社会救助统计"),
    ("social_assistance_local.csv", "街道（指标代码YZH011113000）", None): (OUT, "行政区划个数，不是社会救助统计"),
    # --- Changde 2017, topic 农村低保专项治理 (the seed gives no period type) ---
    ("seed_changde_2017.csv", "农村低保对象户数（治理前）", None): ("农村低保", "户数", "治理前", "snapshot"),
    ("seed_changde_2017.csv", "农村低保对象人数（治理前）", None): ("农村低保", "人数", "治理前", "snapshot"),
    ("seed_changde_2017.csv", "农村低保对象户数（治理后）", None): ("农村低保", "户数", "治理后", "snapshot"),
    ("seed_changde_2017.csv", "农村低保对象人数（治理后）", None): ("农村低保", "人数", "治理后", "snapshot"),
    ("seed_changde_2017.csv", "兜底脱贫对象户数（治理前）", None): ("农村低保", "户数", "兜底脱贫对象（治理前）", "snapshot"),
    ("seed_changde_2017.csv", "兜底脱贫对象人数（治理前）", None): ("农村低保", "人数", "兜底脱贫对象（治理前）", "snapshot"),
    ("seed_changde_2017.csv", "兜底脱贫对象户数（治理后）", None): ("农村低保", "户数", "兜底脱贫对象（治理后）", "snapshot"),
    ("seed_changde_2017.csv", "兜底脱贫对象人数（治理后）", None): ("农村低保", "人数", "兜底脱贫对象（治理后）", "snapshot"),
    ("seed_changde_2017.csv", "清退户数", None): ("农村低保", "户数", "清退", "period_total"),
    ("seed_changde_2017.csv", "清退人数", None): ("农村低保", "人数", "清退", "period_total"),
    ("seed_changde_2017.csv", "新增户数", None): ("农村低保", "户数", "新增", "period_total"),
    ("seed_changde_2017.csv", "新增人数", None): ("农村低保", "人数", "新增", "period_total"),
}


def relief_lookup(fname: str, indicator: str, unit: str):
    for k in ((fname, indicator, unit), (fname, indicator, None)):
        if k in RELIEF_MAP:
            return RELIEF_MAP[k]
    raise KeyError(f"{fname}: 指标“{indicator}”（{unit}）未在 RELIEF_MAP 中列出")


def relief_period(text: str) -> str:
    m = re.fullmatch(r"(\d{4})（月份未显示）", text)
    return m.group(1) if m else text


def relief(shared: Path) -> Output:
    out = Output("relief.stats", "relief/stats.csv",
                 ["region_code", "region_name", "period", "period_type", "programme", "indicator",
                  "breakdown", "value", "unit", "qualifier", "indicator_published",
                  "stated_change", "note"],
                 ["agency", "topic", "verified"])
    for fname in ["social_assistance_national.csv", "social_assistance_local.csv"]:
        for r in read_csv(shared / fname):
            m = relief_lookup(fname, r["indicator"], r["unit"])
            if m[0] == OUT:
                out.leave_out(r, f"{r['region_name']} {r['period']} {r['indicator']} {r['value']}{r['unit']}", m[1])
                continue
            programme, indicator, breakdown = m[:3]
            added = [m[3]] if len(m) > 3 else []
            period = relief_period(r["period"])
            if period != r["period"]:
                added.append(f"统计期原文“{r['period']}”")
            ptype = PERIOD_TYPE_MAP[r["period_type"]]
            if ptype != r["period_type"]:
                added.append(f"期别类型原文“{r['period_type']}”")
            out.add({
                "region_code": r["region_code"] or (NATION if r["region_name"] == "全国" else ""),
                "region_name": r["region_name"],
                "period": period,
                "period_type": ptype,
                "programme": programme,
                "indicator": indicator,
                "breakdown": breakdown,
                "value": r["value"],
                "unit": r["unit"],
                "qualifier": r["qualifier"],
                "indicator_published": r["indicator"],
                "stated_change": r.get("stated_change", ""),
                "note": note(r["note"], *added),
            }, r)
    for r in read_csv(shared / "seed_changde_2017.csv"):
        if r["topic"] != "农村低保专项治理":
            continue  # 政府信息公开 → annual_reports.cells; 助学 → left out (see seed_left_out)
        programme, indicator, breakdown, ptype = relief_lookup("seed_changde_2017.csv", r["indicator"], r["unit"])
        out.add({
            "region_code": r["region_code"],
            "region_name": r["region_name"],
            "period": r["period"],
            "period_type": ptype,
            "programme": programme,
            "indicator": indicator,
            "breakdown": breakdown,
            "value": r["value"],
            "unit": r["unit"],
            "qualifier": "",
            "indicator_published": r["indicator"],
            "stated_change": "",
            "note": note(r["note"], "原文件未给期别类型：治理前、治理后为时点数记 snapshot，清退、新增为治理期间发生数记 period_total"),
            "agency": r["agency"],
            "topic": r["topic"],
            "verified": r["verified"],
        }, r)
    return out


# ---------------------------------------------------------------------------------------------
# 4a. registry.illegal_organizations  ← suspected_illegal_social_orgs.csv
# ---------------------------------------------------------------------------------------------

def illegal(shared: Path) -> Output:
    out = Output("registry.illegal_organizations", "registry/illegal_organizations.csv",
                 ["name", "batch", "published_on", "publisher", "disposal", "region_code", "note"], [])
    for r in read_csv(shared / "suspected_illegal_social_orgs.csv"):
        out.add({
            "name": r["org_name"],
            "batch": r["list_batch"],
            "published_on": r["published_date"],
            "publisher": r["publisher"],
            "disposal": "涉嫌",
            "region_code": "",
            "note": r["note"],
        }, r)
    return out


# ---------------------------------------------------------------------------------------------
# 4b. registry.statistics  ← social_organizations_stats.csv, charity_organizations_stats.csv
# ---------------------------------------------------------------------------------------------

# Rows left out of registry.statistics although their region/period/indicator would be valid:
# (file, line) → reason. Checked against the row's content below so a changed file is noticed.
ORG_STATS_DUPLICATES = {
    ("social_organizations_stats.csv", 65): (
        "37.11",
        "与第62行（371110个，《社会组织蓝皮书：中国社会组织报告(2022)》）键相同（全国、2021、year_end、社会团体、数量）："
        "本行是同一数字取整到0.01万个后的转述（《…报告(2023)》发布稿），无法用组织类别或指标如实区分，保留精确的371110个"),
}


def org_stats(shared: Path) -> Output:
    out = Output("registry.statistics", "registry/statistics.csv",
                 ["region_code", "region_name", "period", "period_type", "org_type", "indicator",
                  "value", "unit", "qualifier", "note"], [])
    for fname in ["social_organizations_stats.csv", "charity_organizations_stats.csv"]:
        for r in read_csv(shared / fname):
            what = f"{r['region_name']} {r['period']} {r['org_type']} {r['indicator']} {r['value']}{r['unit']}"
            dup = ORG_STATS_DUPLICATES.get((fname, r["_line"]))
            if dup:
                if r["value"] != dup[0]:
                    raise SystemExit(f"{fname}:{r['_line']} 已变化，请复核 ORG_STATS_DUPLICATES")
                out.leave_out(r, what, dup[1])
                continue
            code = r["region_code"] or (NATION if r["region_name"] == "全国" else "")
            if not code:
                out.leave_out(r, what, f"“{r['region_name']}”是大区，不是 GB/T 2260 行政区，没有地区代码")
                continue
            added = []
            ptype = PERIOD_TYPE_MAP[r["period_type"]]
            if ptype != r["period_type"]:
                added.append(f"期别类型原文“{r['period_type']}”")
            out.add({
                "region_code": code,
                "region_name": r["region_name"],
                "period": r["period"],
                "period_type": ptype,
                "org_type": r["org_type"],
                "indicator": r["indicator"],
                "value": r["value"],
                "unit": r["unit"],
                "qualifier": r["qualifier"],
                "note": note(r["note"], *added),
            }, r)
    return out


# ---------------------------------------------------------------------------------------------
# 5. annual_reports.cells  ← gov_info_disclosure_annual_reports.csv, seed_changde_2017.csv
#    (topic 政府信息公开)
# ---------------------------------------------------------------------------------------------

def report_format() -> dict:
    """{表: {row_label: [columns]}} from data/reference/gov_info_annual_report_format_2021.csv."""
    fmt: dict = defaultdict(OrderedDict)
    for r in read_csv(REFERENCE / "gov_info_annual_report_format_2021.csv"):
        t = r["table"].split(" ")[0]
        fmt[t][r["row_label"]] = [c for c in r["columns"].split("|")]
        fmt[t][r["row_label"]].append(int(r["row_order"]))  # last element: row order
    return fmt


def table_cell(indicator: str, fmt: dict):
    """`表四 行政诉讼-复议后起诉：结果维持` → (表四, 行政诉讼：复议后起诉, 结果维持), else None."""
    m = re.fullmatch(r"(表[二三四]) (.+)：([^：]+)", indicator)
    if not m:
        return None
    t, row, col = m.group(1), m.group(2).replace("-", "："), m.group(3)
    if row not in fmt[t] or col not in fmt[t][row][:-1]:
        raise SystemExit(f"“{indicator}”不是2021年格式{t}的单元格")
    return t, row, col


def reports(shared: Path) -> Output:
    fmt = report_format()
    out = Output("annual_reports.cells", "annual_reports/cells.csv",
                 ["agency", "region_code", "region_name", "year", "report_table", "row_label",
                  "column_label", "value", "unit", "qualifier", "note"],
                 ["indicator", "topic", "verified"])
    for r in read_csv(shared / "gov_info_disclosure_annual_reports.csv"):
        cell = table_cell(r["indicator"], fmt)
        t, row, col = cell if cell else ("其他", r["indicator"], "")
        out.add({
            "agency": r["agency"], "region_code": r["region_code"], "region_name": r["region_name"],
            "year": r["report_year"], "report_table": t, "row_label": row, "column_label": col,
            "value": r["value"], "unit": r["unit"], "qualifier": r["qualifier"], "note": r["note"],
            "indicator": r["indicator"],
        }, r)
    for r in read_csv(shared / "seed_changde_2017.csv"):
        if r["topic"] != "政府信息公开":
            continue
        out.add({
            "agency": r["agency"], "region_code": r["region_code"], "region_name": r["region_name"],
            "year": r["period"], "report_table": "其他", "row_label": r["indicator"], "column_label": "",
            "value": r["value"], "unit": r["unit"], "qualifier": "",
            "note": note(r["note"], "2017年度报告早于2021年格式，不属表二至表四"),
            "indicator": r["indicator"], "topic": r["topic"], "verified": r["verified"],
        }, r)
    return out


def seed_left_out(shared: Path) -> list[tuple[str, int, str, str]]:
    """Rows of the Changde seed that go to no dataset."""
    res = []
    for r in read_csv(shared / "seed_changde_2017.csv"):
        if r["topic"] not in ("农村低保专项治理", "政府信息公开"):
            res.append((r["_file"], r["_line"], f"{r['agency']} {r['period']} {r['topic']} {r['indicator']} {r['value']}{r['unit']}",
                        "助学（筹集助学资金、资助学生）不是社会救助项目，也不是专项资金分配明细、预决算或政府信息公开年报数据，没有如实可归的数据集"))
    return res


# ---------------------------------------------------------------------------------------------
# Checks
# ---------------------------------------------------------------------------------------------

def load_regions() -> set[str]:
    return {r["code"] for r in read_csv(REFERENCE / "gbt2260_admin_divisions_2024.csv")}


def norm_header(h: str) -> str:
    h = "".join(chr(ord(c) - 0xFEE0) if 0xFF01 <= ord(c) <= 0xFF5E else c for c in h)
    h = re.sub(r"\s+", "", h)
    h = re.sub(r"\([^()]*\)$", "", h)
    return h.lower()


def check_year(s: str) -> bool:
    return bool(re.fullmatch(r"\d{4}", s)) and 1949 <= int(s) <= 2100


def period_start(p: str):
    """The first day a single canonical period covers, or None if it does not parse."""
    if check_year(p):
        return datetime.date(int(p), 1, 1)
    m = re.fullmatch(r"(\d{4})-Q([1-4])", p)
    if m and check_year(m.group(1)):
        return datetime.date(int(m.group(1)), 3 * int(m.group(2)) - 2, 1)
    m = re.fullmatch(r"(\d{4})-H([12])", p)
    if m and check_year(m.group(1)):
        return datetime.date(int(m.group(1)), 6 * int(m.group(2)) - 5, 1)
    m = re.fullmatch(r"(\d{4})-(\d{2})", p)
    if m and check_year(m.group(1)) and 1 <= int(m.group(2)) <= 12:
        return datetime.date(int(m.group(1)), int(m.group(2)), 1)
    return check_date(p)


def check_date(s: str):
    m = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", s)
    if not m or not check_year(m.group(1)):
        return None
    try:
        return datetime.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return None


def check_period(s: str) -> bool:
    if "/" in s:
        a, _, b = s.partition("/")
        sa, sb = period_start(a), period_start(b)
        return sa is not None and sb is not None and sa <= sb and a <= b
    return period_start(s) is not None


def to_base(value: str, unit: str):
    """(integer in the base unit, measure) or raise ValueError."""
    if unit not in UNITS:
        raise ValueError(f"无法识别的单位“{unit}”")
    measure, factor = UNITS[unit]
    try:
        d = Decimal(value)
    except InvalidOperation:
        raise ValueError(f"“{value}”不是数字")
    if not re.fullmatch(r"-?\d+(\.\d+)?", value):
        raise ValueError(f"“{value}”不是规范的数字写法")
    v = d * factor
    if v != v.to_integral_value():
        raise ValueError(f"“{value}{unit}”换算为基本单位不是整数")
    return int(v), measure


def check_output(out: Output, regions: set[str], fmt: dict) -> list[str]:
    errs = []
    cols = {c[0]: c for c in TABLES[out.table]}
    allc = dict(cols)
    allc.update({c[0]: c for c in SOURCE_COLUMNS})

    # headers: exact descriptor headers, no duplicates, extras collide with nothing the importer knows
    known = set()
    for k, h, aliases, _, _ in list(cols.values()) + SOURCE_COLUMNS:
        known |= {norm_header(x) for x in [k, h] + aliases}
    for e in out.extras:
        if norm_header(e) in known:
            errs.append(f"{out.path}: 额外列“{e}”与格式中的列名、别名或键冲突")
    hdr = out.header()
    if len(set(map(norm_header, hdr))) != len(hdr):
        errs.append(f"{out.path}: 表头重复")
    for k in out.columns:
        if k not in cols:
            errs.append(f"{out.path}: 未知列 {k}")
    for k, c in cols.items():
        if c[4] and k not in out.columns:
            errs.append(f"{out.path}: 缺少必填列“{c[1]}”")

    for row in out.rows:
        where = f"{out.path} ← {row['_origin']}"
        if not row.get("source_title") and not row.get("source"):
            errs.append(f"{where}: 没有来源")
        for k in out.columns + SOURCE_OUT:
            key, header, _, kind, required = allc[k]
            v = row.get(k, "")
            if v != v.strip() or "\n" in v or "\r" in v:
                errs.append(f"{where}: “{header}”含首尾空白或换行")
            if not v:
                if required:
                    errs.append(f"{where}: 必填列“{header}”为空")
                continue
            if isinstance(kind, tuple):
                if v not in kind[1]:
                    errs.append(f"{where}: “{header}”的值“{v}”不在枚举中")
            elif kind == "region":
                if v != NATION and v not in regions:
                    errs.append(f"{where}: 地区代码“{v}”不在 GB/T 2260 代码表中")
            elif kind == "year":
                if not check_year(v):
                    errs.append(f"{where}: “{v}”不是年份")
            elif kind == "period":
                if not check_period(v):
                    errs.append(f"{where}: 统计期“{v}”无法解析")
            elif kind == "date":
                if not check_date(v):
                    errs.append(f"{where}: 日期“{v}”无法解析")
            elif kind in ("money", "quantity"):
                unit = row.get(UNIT_OF[k], "")
                try:
                    base, measure = to_base(v, unit)
                except ValueError as e:
                    errs.append(f"{where}: {e}")
                    continue
                row["_base"], row["_measure"] = base, measure
                if kind == "money" and measure != "money":
                    errs.append(f"{where}: 金额的单位“{unit}”不是金额单位")
        if out.table == "relief.stats" and "_measure" in row:
            if row["_measure"] not in INDICATOR_MEASURES[row["indicator"]]:
                errs.append(f"{where}: 指标“{row['indicator']}”与单位“{row['unit']}”不相符")

    # unique keys
    key_cols = {
        "budgets.lines": ["department", "region_code", "fiscal_year", "stage", "table_name",
                          "classification", "subject_code", "subject_name"],
        "funds.lines": ["fund_name", "level", "fiscal_year", "recipient_region_code",
                        "recipient_region_name", "item", "parent_item"],
        "relief.stats": ["region_code", "period", "period_type", "programme", "indicator", "breakdown"],
        "registry.illegal_organizations": ["name", "batch"],
        "registry.statistics": ["region_code", "period", "period_type", "org_type", "indicator"],
        "annual_reports.cells": ["agency", "year", "report_table", "row_label", "column_label"],
    }[out.table]
    seen = {}
    for row in out.rows:
        k = tuple(row.get(c, "") for c in key_cols)
        if k in seen:
            errs.append(f"{out.path}: 键重复 {k}：{seen[k]} 与 {row['_origin']}")
        seen[k] = row["_origin"]

    if out.table == "funds.lines":
        errs += check_fund_sums(out)
    if out.table == "annual_reports.cells":
        errs += check_report_sums(out, fmt)
    return errs


FUND_SUM_REPORT: list[str] = []


def wan(fen: int) -> str:
    """Fen as 万元, exact."""
    return format((Decimal(fen) / 10**6).normalize(), "f")


def check_fund_sums(out: Output) -> list[str]:
    """Per fund: children of P (上级项目 = P) ≤ lines with 项目 = P and 上级项目 ≠ P."""
    errs = []
    FUND_SUM_REPORT.clear()
    by_fund = defaultdict(list)
    for row in out.rows:
        by_fund[(row["fund_name"], row["level"], row["fiscal_year"])].append(row)
    for fund, rows in by_fund.items():
        parents = OrderedDict()
        for row in rows:
            if row["parent_item"]:
                parents.setdefault(row["parent_item"], None)
        for p in parents:
            children = sum(r["_base"] for r in rows if r["parent_item"] == p)
            totals = [r for r in rows if r["item"] == p and r["parent_item"] != p]
            total = sum(r["_base"] for r in totals)
            status = "=" if children == total else ("<" if children < total else ">")
            FUND_SUM_REPORT.append(f"{'·'.join(fund)} | {p}: 下级合计 {wan(children)} 万元 {status} "
                                   f"本项 {wan(total)} 万元")
            if not totals:
                errs.append(f"{out.path}: 资金 {fund} 的上级项目“{p}”没有对应的本项行")
            elif children > total:
                errs.append(f"{out.path}: 资金 {fund} 的“{p}”下级合计 {children} 分超过本项 {total} 分")
    return errs


def check_report_sums(out: Output, fmt: dict) -> list[str]:
    errs = []
    reps = defaultdict(dict)
    for row in out.rows:
        if row["report_table"] in ("表二", "表三", "表四"):
            if row["row_label"] not in fmt[row["report_table"]]:
                errs.append(f"{out.path} ← {row['_origin']}: 行“{row['row_label']}”不在{row['report_table']}格式中")
            elif row["column_label"] not in fmt[row["report_table"]][row["row_label"]][:-1]:
                errs.append(f"{out.path} ← {row['_origin']}: 列“{row['column_label']}”不在{row['report_table']}格式中")
            reps[(row["agency"], row["year"])][(row["report_table"], row["row_label"], row["column_label"])] = row["_base"]
    for rep, cells in reps.items():
        for t in ("表三", "表四"):
            for row_label, spec in fmt[t].items():
                cols = spec[:-1]
                parts, tot = cols[:-1], cols[-1]
                if (t, row_label, tot) in cells:
                    got = [cells.get((t, row_label, c)) for c in parts]
                    if None in got:
                        errs.append(f"{out.path}: {rep} {t}“{row_label}”给了总计但缺少部分列，无法核对")
                    elif sum(got) != cells[(t, row_label, tot)]:
                        errs.append(f"{out.path}: {rep} {t}“{row_label}”总计不等于各列之和")
        # 表三 （七）总计 = rows 3–23 per column
        rows3 = [lbl for lbl, spec in fmt["表三"].items() if 3 <= spec[-1] <= 23]
        for c in (fmt["表三"].get("（七）总计") or [None])[:-1]:
            if ("表三", "（七）总计", c) in cells:
                got = [cells.get(("表三", lbl, c)) for lbl in rows3]
                if None in got or sum(got) != cells[("表三", "（七）总计", c)]:
                    errs.append(f"{out.path}: {rep} 表三（七）总计“{c}”不等于第3至23行之和（或缺行）")
    return errs


def spot_checks(outs: dict) -> list[str]:
    errs = []
    hits = [r for r in outs["relief.stats"].rows
            if r["region_code"] == "430700" and r["period"] == "2017" and r["programme"] == "农村低保"
            and r["indicator"] == "人数" and r["breakdown"] == "治理前"]
    if len(hits) != 1 or hits[0]["value"] != "22.22" or hits[0]["unit"] != "万人" or hits[0]["_base"] != 222200:
        errs.append("常德核对失败：430700 2017 农村低保 人数 治理前 应为 22.22万人")
    return errs


# ---------------------------------------------------------------------------------------------

def main(argv: list[str]) -> int:
    check_only = "--check" in argv
    shared = shared_dir()
    if not shared.is_dir():
        print(f"找不到共享数据目录 {shared}（可用环境变量 GONGKAI_SHARED 指定）", file=sys.stderr)
        return 2
    outs = OrderedDict((o.table, o) for o in [
        budgets(shared), funds(shared), relief(shared), illegal(shared), org_stats(shared), reports(shared)])
    seed_out = seed_left_out(shared)

    regions, fmt = load_regions(), report_format()
    errs = []
    for o in outs.values():
        errs += check_output(o, regions, fmt)
    errs += spot_checks(outs)

    # every source row is either written or left out with a reason
    for fname, tables in [
        ("department_budgets_final_accounts.csv", ["budgets.lines"]),
        ("lottery_welfare_fund_allocations.csv", ["funds.lines"]),
        ("social_assistance_national.csv", ["relief.stats"]),
        ("social_assistance_local.csv", ["relief.stats"]),
        ("suspected_illegal_social_orgs.csv", ["registry.illegal_organizations"]),
        ("social_organizations_stats.csv", ["registry.statistics"]),
        ("charity_organizations_stats.csv", ["registry.statistics"]),
        ("gov_info_disclosure_annual_reports.csv", ["annual_reports.cells"]),
        ("seed_changde_2017.csv", ["relief.stats", "annual_reports.cells"]),
    ]:
        n = len(read_csv(shared / fname))
        used = {int(r["_origin"].split(":")[1]) for t in tables for r in outs[t].rows
                if r["_origin"].startswith(fname + ":")}
        dropped = {line for t in tables for (f, line, _, _) in outs[t].left_out if f == fname}
        dropped |= {line for (f, line, _, _) in seed_out if f == fname}
        if used & dropped or len(used | dropped) != n:
            errs.append(f"{fname}: {n} 行中写出 {len(used)}、略去 {len(dropped)}，不相符")

    for o in outs.values():
        path = HERE / o.path
        text = o.render()
        if check_only:
            if not path.exists() or path.read_bytes() != text.encode("utf-8"):
                errs.append(f"{o.path}: 磁盘上的文件与脚本生成的内容不一致（请不带 --check 重新运行）")
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(text.encode("utf-8"))

    print("行数：")
    for o in outs.values():
        print(f"  data/real/{o.path:40s} {len(o.rows):4d}  ({o.table})")
    left = [x for o in outs.values() for x in o.left_out] + seed_out
    print(f"略去的行（{len(left)}）：")
    for f, line, what, reason in sorted(left):
        print(f"  {f}:{line}  {what} — {reason}")
    print("专项资金上下级核对：")
    for line in FUND_SUM_REPORT:
        print("  " + line)
    if errs:
        print(f"错误（{len(errs)}）：", file=sys.stderr)
        for e in errs:
            print("  " + e, file=sys.stderr)
        return 1
    print("检查通过。")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
