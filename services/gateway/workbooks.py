"""What staff take away to Excel: XLSX workbooks with Chinese headers. Pure: no Nameko, no database.

Every cell is written as text or a number, never as a formula: an enterprise's name comes from
outside, and a name starting with "=" must not become a formula in a clerk's Excel.
"""
from __future__ import annotations

import io
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any
from urllib.parse import quote

from shared.clock import CHINA
from shared.contracts.evaluation import DIMENSION_NAMES, SOURCE_NAMES, Dimension, Source

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

NEAR_MISS_COLUMNS = (("统一社会信用代码", "uscc"), ("企业名称", "name"), ("未满足的条件", "text"),
                     ("条件位置", "path"))
CONDITION_COLUMNS = (("条件位置", "path"), ("条件", "text"), ("企业数", "count"))


def near_misses_workbook(policy: Mapping[str, Any], conditions: Sequence[Mapping[str, Any]],
                         items: Iterable[Mapping[str, Any]]) -> bytes:
    """Sheet 近失企业: one row per near-miss; sheet 按条件汇总: how many fail each condition."""
    from openpyxl import Workbook  # only the export pays for openpyxl's import

    workbook = Workbook(write_only=True)
    listed = workbook.create_sheet("近失企业")
    listed.append(_row(listed, [f"政策 {policy['id']}（第 {policy['version']} 版）：{policy['title']}"]))
    listed.append(_row(listed, [header for header, _key in NEAR_MISS_COLUMNS]))
    for item in items:
        listed.append(_row(listed, [item.get(key) for _header, key in NEAR_MISS_COLUMNS]))
    summary = workbook.create_sheet("按条件汇总")
    summary.append(_row(summary, [header for header, _key in CONDITION_COLUMNS]))
    for group in conditions:
        summary.append(_row(summary, [group[key] for _header, key in CONDITION_COLUMNS]))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# A round's results (三评): one sheet per kind of unit, by rank, and the weights the scores were made with.
RESULT_SHEETS = (("部门排名", "departments", "部门代码", "部门名称"), ("县区排名", "counties", "县区代码", "县区名称"),
                 ("政策得分", "policies", "政策编号", "政策名称"))
RESULT_HEADERS = ("排名", "综合得分", "最好排名", "最差排名", *(DIMENSION_NAMES[d] for d in Dimension),
                  *(f"{SOURCE_NAMES[s]}得分" for s in Source))
WEIGHT_SHEET = "权重"
SCORE_FORMAT = "0.00"      # shown to 2 places; the cell keeps the whole number
WEIGHT_FORMAT = "0.00##"


def results_workbook(results: Mapping[str, Any]) -> bytes:
    """Sheets 部门排名, 县区排名 and 政策得分 (one row per unit, by rank: rank, code, name, score, rank range,
    the five dimensions, the four sources) and 权重 (the round's weights, then the round itself). Every
    score is a number cell; a missing one (no data) is an empty cell, never 0."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    for title, key, code_header, name_header in RESULT_SHEETS:
        sheet = workbook.create_sheet(title)
        sheet.freeze_panes = "A2"
        sheet.column_dimensions["C"].width = 40
        header = RESULT_HEADERS[:1] + (code_header, name_header) + RESULT_HEADERS[1:]
        sheet.append(_row(sheet, header))
        entries = sorted(results[key], key=lambda entry: (entry.get("rank") is None, entry.get("rank") or 0))
        for entry in entries:
            unit = entry["unit"]
            code = int(unit) if key == "policies" and str(unit).isdigit() else unit
            ranks = list(entry.get("rank_range") or (None, None))
            values = [entry.get("rank"), code, entry.get("name"), entry.get("score"), *ranks,
                      *(entry["dimensions"].get(d.value) for d in Dimension),
                      *(entry["sources"].get(s.value) for s in Source)]
            sheet.append(_row(sheet, values, {3, *range(6, len(values))}, SCORE_FORMAT))
    weights = workbook.create_sheet(WEIGHT_SHEET)
    weights.column_dimensions["C"].width = 20
    weights.append(_row(weights, ("类别", "代码", "名称", "权重")))
    for dimension in Dimension:
        weights.append(_row(weights, ("维度", dimension.value, DIMENSION_NAMES[dimension],
                                      results["weights"][dimension.value]), {3}, WEIGHT_FORMAT))
    for source in Source:
        weights.append(_row(weights, ("来源", source.value, SOURCE_NAMES[source],
                                      results["source_weights"][source.value]), {3}, WEIGHT_FORMAT))
    weights.append([])
    for label, value in (("评价编号", results["evaluation_id"]), ("评价名称", results["name"]),
                         ("评价期间", f"{results['period_start']} 至 {results['period_end']}"),
                         ("结果生成时间", _china_time(results.get("closed_at")))):
        weights.append(_row(weights, ("评价", label, value)))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# The problem ledger (工作台账) of the financial counsellors (contract section 10).
STATUS_NAMES = {"open": "待答复", "in_progress": "落实中", "resolved": "已解决"}
LEDGER_HEADERS = ("问题编号", "统一社会信用代码", "企业名称", "辅导团队", "问题", "状态", "提出时间", "答复期限",
                  "首次答复时间", "24小时内答复", "已等待（小时）", "告警级数", "最新措施")
RATE_HEADERS = ("团队编号", "团队名称", "问题数", "待答复", "落实中", "已解决", "应答复数", "24小时内答复数",
                "24小时答复率")


def ledger_workbook(ledger: Mapping[str, Any]) -> bytes:
    """Sheet 工作台账: one row per problem, oldest first (times in China time, the age in hours a number);
    sheet 团队24小时答复率: per team, the counts and the rate (a number shown as a percentage)."""
    from openpyxl import Workbook

    names = {rate["team_id"]: rate.get("team_name") for rate in ledger["teams"]}
    workbook = Workbook(write_only=True)
    listed = workbook.create_sheet("工作台账")
    listed.freeze_panes = "A2"
    listed.append(_row(listed, LEDGER_HEADERS))
    for item in ledger["items"]:
        latest = item.get("measures")
        listed.append(_row(listed, (
            item["id"], item["uscc"], item.get("enterprise_name"), names.get(item["team_id"]) or item["team_id"],
            item["text"], STATUS_NAMES.get(item["status"], item["status"]), _china_time(item["raised_at"]),
            _china_time(item["due_at"]), _china_time(item.get("first_answered_at")),
            _in_time(item),
            item["age_hours"], item["alarm_stage"], latest), {10}, "0.0"))
    rates = workbook.create_sheet("团队24小时答复率")
    rates.append(_row(rates, RATE_HEADERS))
    for rate in ledger["teams"]:
        rates.append(_row(rates, (rate["team_id"], rate.get("team_name"), rate["problems"], rate["open"],
                                  rate["in_progress"], rate["resolved"], rate["due"], rate["answered_in_time"],
                                  rate["rate_24h"]), {8}, "0.0%"))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _in_time(item: Mapping[str, Any]) -> str:
    if item["answered_in_time"]:
        return "是"
    return "否" if item.get("first_answered_at") or item["overdue"] else "未到期"


def _china_time(at: str | None) -> str | None:
    if not at:
        return None
    return datetime.fromisoformat(at).astimezone(CHINA).strftime("%Y-%m-%d %H:%M（北京时间）")


def attachment(filename: str, fallback: str) -> str:
    """A Content-Disposition for a download named `filename` (Chinese allowed: RFC 6266 with RFC 5987's
    `filename*`), with an ASCII `fallback` for clients that read only `filename`."""
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


def _row(sheet, values: Iterable[Any], numbered: set[int] = frozenset(), number_format: str | None = None) -> list:
    """Cells for one row: text never becomes a formula; the values at the `numbered` positions get
    `number_format`."""
    from openpyxl.cell import WriteOnlyCell

    cells = []
    for index, value in enumerate(values):
        cell = WriteOnlyCell(sheet, value)
        if isinstance(value, str):
            cell.data_type = "s"   # never a formula, whatever the text starts with
        elif index in numbered and number_format and isinstance(value, int | float):
            cell.number_format = number_format
        cells.append(cell)
    return cells
