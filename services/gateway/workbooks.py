"""Lists staff take away to Excel: XLSX workbooks with Chinese headers. Pure: no Nameko, no database.

Every cell is written as text or a number, never as a formula: an enterprise's name comes from
outside, and a name starting with "=" must not become a formula in a clerk's Excel.
"""
from __future__ import annotations

import io
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

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


def _row(sheet, values: Iterable[Any]) -> list:
    from openpyxl.cell import WriteOnlyCell

    cells = []
    for value in values:
        cell = WriteOnlyCell(sheet, value)
        if isinstance(value, str):
            cell.data_type = "s"   # never a formula, whatever the text starts with
        cells.append(cell)
    return cells
