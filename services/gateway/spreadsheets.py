"""Importing policies from a spreadsheet (contract section 6, `POST /api/v1/policies/import`).

Staff keep policy lists in Excel, so a CSV or XLSX file is read into rows of strings
(`read_rows`), each row becomes a PolicyDraft body (`to_draft_body`), and PolicyDraft decides
what is valid; `draft_errors` turns its complaints into one line a clerk can act on.
`parse_drafts` does all three and reports `{"row", "reason"}` per bad row. Pure: no Nameko, no database.
"""
from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from collections.abc import Generator, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any, get_args

from pydantic import ValidationError

from shared import money
from shared.contracts.gov import COUNTIES
from shared.contracts.policies import PolicyDraft, PolicyLevel, Subsidy

MAX_ROWS = 5_000
MAX_MATERIALS = 3
# An XLSX is a zip of XML parts. A real policy list of MAX_ROWS rows expands to tens of megabytes; a
# zip bomb expands a few kilobytes to gigabytes, which openpyxl would hold in the gateway's memory.
MAX_XLSX_EXPANDED_BYTES = 100 * 1024 * 1024
MAX_XLSX_PARTS = 1_000
# Deflate compresses at most about 1,030:1; XML of Excel's rarely beyond 100:1.
MAX_XLSX_RATIO = 250
_RATIO_FLOOR_BYTES = 1024 * 1024  # a small part may compress any amount: it cannot expand to much
_READ_CHUNK_BYTES = 1024 * 1024


class SpreadsheetError(ValueError):
    """The file as a whole cannot be imported; nothing in it is."""


class RowError(ValueError):
    """One row cannot become a policy; the others still can."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Column:
    name: str
    alias: str  # the Chinese header accepted in its place
    format: str
    example: str
    required: bool = False


COLUMNS: tuple[Column, ...] = (
    Column("title", "标题", "text, at most 300 characters", "小微企业稳岗补贴", required=True),
    Column("department", "部门", "department code: lower-case letters, digits, `_`", "hrss", required=True),
    Column("department_name", "部门名称", "text, at most 100 characters", "市人力资源和社会保障局"),
    Column("summary", "摘要", "text, at most 2000 characters", "按参保职工人数给予稳岗补贴", required=True),
    Column("body", "正文", "text (the full policy)", "第一条 ……"),
    Column("level", "层级", "`national`, `provincial`, `city` (default) or `county`; or 国家级/省级/市级/县级",
           "city"),
    Column("county", "区县", "six-digit county code, or its name; only for county-level policies", "371602"),
    Column("eligibility", "适用条件", "JSON rule (contract section 3); empty matches every enterprise",
           '{"tag": "scale.small"}'),
    Column("valid_from", "开始日期", "date `YYYY-MM-DD` (also `YYYY/M/D`, `YYYY年M月D日`, an XLSX date cell)",
           "2026-01-01", required=True),
    Column("valid_to", "截止日期", "date, as `valid_from`; not before it", "2026-12-31", required=True),
    Column("redeemable", "可兑现", "true/false, 1/0, yes/no, 是/否; default false", "是"),
    Column("proactive", "免申即享", "true/false, 1/0, yes/no, 是/否; default false; needs `redeemable`", "否"),
    Column("subsidy", "补贴", "JSON formula (contract section 6); required when redeemable",
           '{"type": "per_unit", "field": "employees", "rate": 1000, "cap": 500000}'),
    Column("budget", "预算", "number of yuan (`,` separators allowed)", "5000000"),
    Column("exclusive_group", "互斥组", "text: policies in one group cannot be redeemed together", "stable_jobs"),
    Column("materials", "材料", f"at most {MAX_MATERIALS} names, separated by `;`, `；` or line breaks",
           "营业执照；社保缴费证明"),
    Column("stage_limits", "办理时限", "JSON object of working days (1-60) per stage: acceptance, routing, review, "
           "public_notice, disbursement", '{"review": 3}'),
)
"""Every column an import file may have, in the order docs/import.md documents them. An empty cell
means "not given": the field takes PolicyDraft's default."""

REQUIRED = tuple(column.name for column in COLUMNS if column.required)
_HEADERS = {key: column.name for column in COLUMNS for key in (column.name, column.alias)}
_JSON_COLUMNS = ("eligibility", "subsidy", "stage_limits")
_BOOLEAN_COLUMNS = ("redeemable", "proactive")
_DATE_COLUMNS = ("valid_from", "valid_to")
_TRUE = {"true", "1", "yes", "是"}
_FALSE = {"false", "0", "no", "否"}
_LEVELS = {"国家": PolicyLevel.national, "国家级": PolicyLevel.national, "省": PolicyLevel.provincial,
           "省级": PolicyLevel.provincial, "市": PolicyLevel.city, "市级": PolicyLevel.city, "县": PolicyLevel.county,
           "县级": PolicyLevel.county, "区县": PolicyLevel.county, "区县级": PolicyLevel.county}
_COUNTY_CODES = {name: code for code, name in COUNTIES.items()}
# Excel in China shows (and saves to CSV) dates as 2026/1/5; scripts write a midnight time after them.
_DATE = re.compile(r"^(\d{4})\s*(?:[-/.]\s*(\d{1,2})\s*[-/.]\s*(\d{1,2})|年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日?)"
                   r"(?:[ T]0?0:00(?::00)?)?$")
_MATERIAL_SEPARATORS = re.compile(r"[;；\r\n]+")

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the Excel 97-2003 `.xls` container


def markdown_table() -> str:
    """COLUMNS as the Markdown table of docs/import.md."""
    lines = ["| column | 中文表头 | required | format | example |", "| --- | --- | --- | --- | --- |"]
    for column in COLUMNS:
        example = column.example.replace("|", "\\|")
        lines.append(f"| `{column.name}` | {column.alias} | {'yes' if column.required else ''} "
                     f"| {column.format} | `{example}` |")
    return "\n".join(lines)


# -- reading the file -------------------------------------------------------------------------------

def read_rows(filename: str, content: bytes) -> list[tuple[int, dict[str, str]]]:
    """`(row number, {column: text})` for each non-blank data row; the header is row 1 as Excel shows it.

    Values are trimmed; an empty string is an empty cell. Raises SpreadsheetError when the file
    cannot be read, has no header, misses a required column, has a column nobody knows, or has
    more than MAX_ROWS data rows.
    """
    table = _table(filename, content)
    try:
        return _rows(table)
    finally:
        table.close()  # releases the workbook at once when a row limit stops the reading early


def _table(filename: str, content: bytes) -> Generator[tuple[int, list[str]], None, None]:
    extension = filename.rsplit(".", 1)[-1].strip().lower() if "." in filename else ""
    if extension in ("xlsx", "xlsm"):
        return _xlsx(content)
    if extension == "csv":
        return _csv(content)
    if extension == "xls" or content.startswith(OLE_MAGIC):
        raise SpreadsheetError("Excel 97-2003 (.xls) files are not supported: save the sheet as .xlsx or .csv")
    if content.startswith(ZIP_MAGIC):
        return _xlsx(content)
    if content.strip() and b"\x00" not in content[:4096]:
        try:
            _decode(content)
        except SpreadsheetError:
            pass
        else:
            return _csv(content)
    raise SpreadsheetError(f"{filename or 'the file'} is neither a CSV nor an XLSX file")


def _decode(content: bytes) -> str:
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    # Excel on a Chinese Windows saves "CSV" in the ANSI code page, GBK, which GB18030 contains.
    try:
        return content.decode("gb18030")
    except UnicodeDecodeError as exc:
        raise SpreadsheetError(f"the CSV file is neither UTF-8 nor GB18030 text (byte {exc.start})") from None


def _csv(content: bytes) -> Generator[tuple[int, list[str]], None, None]:
    if b"\x00" in content:
        raise SpreadsheetError("the CSV file is not text (save it as CSV UTF-8, or upload the .xlsx)")
    reader = csv.reader(io.StringIO(_decode(content), newline=""))
    row_number = 0
    try:
        # Counting records, not lines: a cell with a line break is still one row in Excel.
        for row_number, row in enumerate(reader, start=1):
            yield row_number, row
    except csv.Error as exc:
        raise SpreadsheetError(f"row {row_number + 1}: the CSV cannot be read ({exc})") from None


def _xlsx(content: bytes) -> Generator[tuple[int, list[str]], None, None]:
    from openpyxl import load_workbook  # only imports that open a workbook pay for openpyxl

    refuse_zip_bomb(content)
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # a broken zip or workbook surfaces as any of a dozen types from zipfile, lxml, openpyxl
        raise SpreadsheetError(f"the XLSX file cannot be read ({type(exc).__name__}: {exc})") from None
    try:
        if not workbook.worksheets:
            raise SpreadsheetError("the XLSX file has no worksheet")
        sheet = workbook.worksheets[0]
        # Producers other than Excel (WPS, scripts) often write a wrong sheet dimension, which
        # would cut rows off in read-only mode.
        sheet.reset_dimensions()
        # read_only yields an empty tuple for each missing row, so enumerating gives Excel's numbers.
        for row_number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield row_number, [_cell_text(value) for value in row]
    finally:
        workbook.close()


def refuse_zip_bomb(content: bytes) -> None:
    """SpreadsheetError unless the XLSX's parts expand to at most MAX_XLSX_EXPANDED_BYTES in all, each at
    most MAX_XLSX_RATIO times its compressed size: by the sizes the zip declares, then by the bytes its
    parts really expand to (a forged header can declare anything), reading no more than the limit."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
    except (zipfile.BadZipFile, ValueError, OSError, EOFError) as exc:
        raise SpreadsheetError(f"the XLSX file cannot be read (not a zip archive: {exc})") from None
    limit_mb = MAX_XLSX_EXPANDED_BYTES // (1024 * 1024)
    with archive:
        parts = archive.infolist()
        if len(parts) > MAX_XLSX_PARTS:
            raise SpreadsheetError(f"the XLSX file has {len(parts)} parts; a workbook has at most {MAX_XLSX_PARTS}")
        declared = sum(part.file_size for part in parts)
        if declared > MAX_XLSX_EXPANDED_BYTES:
            raise SpreadsheetError(f"the XLSX file expands to {declared / (1024 * 1024):,.0f} MB; at most {limit_mb} "
                                   f"MB are read (split the list into several files)")
        for part in parts:
            ratio = part.file_size // max(part.compress_size, 1)
            if part.file_size > _RATIO_FLOOR_BYTES and ratio > MAX_XLSX_RATIO:
                raise SpreadsheetError(f"the XLSX part {part.filename} expands {ratio:,} times over; at most "
                                       f"{MAX_XLSX_RATIO} times is read")
        expanded = 0
        for part in parts:
            try:
                with archive.open(part) as stream:
                    while chunk := stream.read(_READ_CHUNK_BYTES):
                        expanded += len(chunk)
                        if expanded > MAX_XLSX_EXPANDED_BYTES:
                            raise SpreadsheetError(f"the XLSX file expands to more than {limit_mb} MB (its zip "
                                                   f"headers say {declared:,} bytes)")
            except SpreadsheetError:
                raise
            except Exception as exc:  # noqa: BLE001 - zipfile, zlib and bz2 each raise their own types
                raise SpreadsheetError(f"the XLSX file cannot be read ({part.filename}: {type(exc).__name__}: "
                                       f"{exc})") from None


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # a cell typed 12 may be stored as 12.0; a day count or budget must not read "12.0"
    return str(value)


def _header_key(text: str) -> str:
    return re.sub(r"[\s\-]+", "_", text.strip()).casefold()


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters


def _rows(table: Iterable[tuple[int, list[str]]]) -> list[tuple[int, dict[str, str]]]:
    rows = iter(table)
    header: list[str | None] | None = None
    for _, cells in rows:
        if any(cell.strip() for cell in cells):
            header = _header([cell.strip() for cell in cells])
            break
    if header is None:
        raise SpreadsheetError("the file is empty: the first row must name the columns (title, department, ...)")
    result: list[tuple[int, dict[str, str]]] = []
    for row_number, cells in rows:
        cells = [cell.strip() for cell in cells]
        if not any(cells):
            continue
        if len(result) == MAX_ROWS:
            raise SpreadsheetError(f"too many rows: at most {MAX_ROWS} policies per file")
        for index, cell in enumerate(cells):
            if cell and (index >= len(header) or header[index] is None):
                raise SpreadsheetError(f"row {row_number}: column {_column_letter(index)} has a value but no header")
        values = {name: "" for name in header if name is not None}
        for name, cell in zip(header, cells, strict=False):
            if name is not None:
                values[name] = cell
        result.append((row_number, values))
    return result


def _header(cells: list[str]) -> list[str | None]:
    names: list[str | None] = []
    unknown, seen, duplicates = [], set(), []
    for cell in cells:
        if not cell:
            names.append(None)  # a trailing empty column; any value under it is refused per row
            continue
        name = _HEADERS.get(_header_key(cell))
        if name is None:
            unknown.append(cell)
        elif name in seen:
            duplicates.append(cell)
        seen.add(name)
        names.append(name)
    problems = []
    missing = [name for name in REQUIRED if name not in seen]
    if missing:
        problems.append(f"missing required columns: {', '.join(missing)}")
    if unknown:
        problems.append(f"unknown columns: {', '.join(unknown)} "
                        f"(known: {', '.join(f'{c.name}/{c.alias}' for c in COLUMNS)})")
    if duplicates:
        problems.append(f"columns given twice: {', '.join(duplicates)}")
    if problems:
        raise SpreadsheetError("row 1 (header): " + "; ".join(problems))
    return names


# -- one row to one policy --------------------------------------------------------------------------

def to_draft_body(values: Mapping[str, str]) -> dict[str, Any]:
    """The PolicyDraft JSON body of one row; empty cells are left out so PolicyDraft's defaults apply.

    Raises RowError naming every column whose text cannot be read, and the rule it breaks.
    PolicyDraft itself still has to validate the result.
    """
    known = {column.name for column in COLUMNS}
    body: dict[str, Any] = {}
    reasons: list[str] = []
    for name, raw in values.items():
        text = (raw or "").strip()
        if name not in known:
            reasons.append(f"{name}: unknown column")
            continue
        if not text:
            continue
        try:
            body[name] = _value(name, text)
        except ValueError as exc:
            reasons.append(f"{name}: {exc}")
    if reasons:
        raise RowError("; ".join(reasons))
    return body


def _value(name: str, text: str) -> Any:
    if name in _JSON_COLUMNS:
        return _json_object(text)
    if name in _BOOLEAN_COLUMNS:
        return _boolean(text)
    if name in _DATE_COLUMNS:
        return _date(text)
    if name == "budget":
        return _yuan(text)
    if name == "materials":
        materials = [item.strip() for item in _MATERIAL_SEPARATORS.split(text) if item.strip()]
        if len(materials) > MAX_MATERIALS:
            raise ValueError(f"at most {MAX_MATERIALS} materials, got {len(materials)}")
        return materials
    if name == "level":
        return _LEVELS.get(text, text.lower())
    if name == "county":
        return _COUNTY_CODES.get(text, text)
    return text


def _json_object(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not valid JSON ({exc.msg} at char {exc.pos})") from None
    if not isinstance(value, dict):
        raise ValueError(f"must be a JSON object {{...}}, got {type(value).__name__}")
    return value


def _boolean(text: str) -> bool:
    key = text.casefold()
    if key in _TRUE:
        return True
    if key in _FALSE:
        return False
    raise ValueError(f"must be true or false (是/否), got {text!r}")


def _date(text: str) -> str:
    match = _DATE.match(text)
    if match:
        year, month, day = (int(part) for part in match.groups() if part is not None)
        try:
            return date(year, month, day).isoformat()
        except ValueError as exc:
            raise ValueError(f"not a real date ({exc}), got {text!r}") from None
    raise ValueError(f"must be a date YYYY-MM-DD, got {text!r}")


def _yuan(text: str) -> float | int | str:
    """The number as written, for a JSON body: read exactly (never through a float), then written as
    `money.json_number`, which PolicyDraft reads back to the same digits."""
    try:
        return money.json_number(money.exact(text.replace(",", "").replace("，", "")))
    except ValueError:
        raise ValueError(f"must be a number of yuan, got {text!r}") from None


# PolicyDraft's discriminated subsidy puts the chosen formula in the error location
# (`subsidy.ratio.rate`); a clerk wrote `subsidy` and `rate`, so the tag is left out.
_SUBSIDY_TAGS = {tag for model in get_args(get_args(Subsidy)[0])
                 for tag in get_args(model.model_fields["type"].annotation)}
_FIELD_NAME = re.compile(r"\b(" + "|".join(sorted(PolicyDraft.model_fields, key=len, reverse=True)) + r")\b")


def draft_errors(error: ValidationError) -> str:
    """PolicyDraft's complaints as one line, each naming its field: `valid_to: ...; subsidy.rate: ...`."""
    reasons: list[str] = []
    for item in error.errors(include_url=False):
        message = item["msg"].removeprefix("Value error, ")
        field = _location(item["loc"])
        if not field:
            # A rule across fields (valid_to before valid_from, proactive without redeemable) has
            # no location; the first field its message names is the one a clerk should look at.
            named = _FIELD_NAME.search(message)
            field = named.group(1) if named else ""
        reason = f"{field}: {message}" if field else message
        if reason not in reasons:
            reasons.append(reason)
    return "; ".join(reasons)


def _location(loc: tuple[int | str, ...]) -> str:
    parts: list[str] = []
    for index, part in enumerate(loc):
        if index == 1 and loc[0] == "subsidy" and part in _SUBSIDY_TAGS:
            continue
        if part == "[key]":
            parts[-1] += " (key)"
        elif isinstance(part, int):
            parts[-1] += f" #{part + 1}"
        else:
            parts.append(str(part))
    return ".".join(parts)


def to_draft(values: Mapping[str, str]) -> PolicyDraft:
    """One row as a validated PolicyDraft; RowError with every reason otherwise."""
    body = to_draft_body(values)
    try:
        return PolicyDraft.model_validate(body)
    except ValidationError as exc:
        raise RowError(draft_errors(exc)) from None


def parse_drafts(rows: Iterable[tuple[int, Mapping[str, str]]]
                 ) -> tuple[list[tuple[int, PolicyDraft]], list[dict[str, Any]]]:
    """The rows that are valid policies, and `{"row", "reason"}` for each that is not (the import answer's shape)."""
    drafts: list[tuple[int, PolicyDraft]] = []
    errors: list[dict[str, Any]] = []
    for row_number, values in rows:
        try:
            drafts.append((row_number, to_draft(values)))
        except RowError as exc:
            errors.append({"row": row_number, "reason": exc.reason})
    return drafts, errors
