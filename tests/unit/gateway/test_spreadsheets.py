import io
import json
from datetime import date, datetime

import pytest
from openpyxl import Workbook
from pydantic import ValidationError

from services.gateway.spreadsheets import (
    COLUMNS,
    MAX_ROWS,
    RowError,
    SpreadsheetError,
    draft_errors,
    markdown_table,
    parse_drafts,
    read_rows,
    to_draft,
    to_draft_body,
)
from shared.contracts.policies import PolicyDraft

HEADER = "title,department,summary,valid_from,valid_to"
ROW = {"title": "小微企业稳岗补贴", "department": "hrss", "summary": "按参保人数补贴",
       "valid_from": "2026-01-01", "valid_to": "2026-12-31"}


def _csv(*lines: str, encoding: str = "utf-8") -> bytes:
    return "\r\n".join(lines).encode(encoding) + b"\r\n"


def _xlsx(rows) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(list(row))
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


# -- reading files ------------------------------------------------------------------------------------

def test_csv_with_a_bom_and_chinese_headers():
    content = b"\xef\xbb\xbf" + _csv("标题, 部门 ,摘要,开始日期,截止日期,可兑现",
                                     "稳岗补贴,hrss,按人数补贴,2026-01-01,2026-12-31,是")
    assert read_rows("政策.csv", content) == [
        (2, {"title": "稳岗补贴", "department": "hrss", "summary": "按人数补贴", "valid_from": "2026-01-01",
             "valid_to": "2026-12-31", "redeemable": "是"})]


def test_gb18030_csv_as_excel_in_china_saves_it():
    content = _csv("标题,部门,摘要,开始日期,截止日期,部门名称",
                   "专精特新奖励,miit,一次性奖励,2026-03-01,2026-09-30,市工业和信息化局", encoding="gb18030")
    with pytest.raises(UnicodeDecodeError):
        content.decode("utf-8")
    [(row, values)] = read_rows("policies.CSV", content)
    assert row == 2 and values["title"] == "专精特新奖励" and values["department_name"] == "市工业和信息化局"


def test_headers_are_matched_ignoring_case_and_spaces():
    [(_, values)] = read_rows("p.csv", _csv(" Title ,DEPARTMENT,Summary,Valid From,valid-to",
                                            "t,d,s,2026-01-01,2026-01-02"))
    assert set(values) == {"title", "department", "summary", "valid_from", "valid_to"}


def test_blank_rows_are_skipped_and_row_numbers_are_the_spreadsheets():
    content = _csv(HEADER, "a,hrss,s,2026-01-01,2026-01-02", "", ",,,,", "b,hrss,s,2026-01-01,2026-01-02")
    assert [row for row, _ in read_rows("p.csv", content)] == [2, 5]


def test_a_quoted_cell_with_a_line_break_is_one_row():
    content = _csv(HEADER + ",materials", 'a,hrss,s,2026-01-01,2026-01-02,"营业执照\n社保证明"',
                   "b,hrss,s,2026-01-01,2026-01-02,")
    rows = read_rows("p.csv", content)
    assert [row for row, _ in rows] == [2, 3]
    assert rows[0][1]["materials"] == "营业执照\n社保证明" and rows[1][1]["materials"] == ""


def test_xlsx_dates_integer_numbers_and_blank_rows():
    content = _xlsx([
        ["标题", "部门", "摘要", "开始日期", "截止日期", "预算", "补贴", "redeemable"],
        ["研发奖励", "kjj", "按研发费用补助", datetime(2026, 1, 1), date(2026, 12, 31), 12.0, None, True],
        [],
        [None, None, None],
        ["人才补贴", "hrss", "s", "2026-02-01", "2026-03-01", 1500.5, '{"type": "fixed", "amount": 100}', False],
    ])
    assert read_rows("policies.xlsx", content) == [
        (2, {"title": "研发奖励", "department": "kjj", "summary": "按研发费用补助", "valid_from": "2026-01-01",
             "valid_to": "2026-12-31", "budget": "12", "subsidy": "", "redeemable": "true"}),
        (5, {"title": "人才补贴", "department": "hrss", "summary": "s", "valid_from": "2026-02-01",
             "valid_to": "2026-03-01", "budget": "1500.5", "subsidy": '{"type": "fixed", "amount": 100}',
             "redeemable": "false"}),
    ]


def test_the_format_is_sniffed_when_the_name_does_not_say():
    xlsx = _xlsx([HEADER.split(","), ["t", "d", "s", "2026-01-01", "2026-01-02"]])
    assert read_rows("upload", xlsx)[0][1]["title"] == "t"
    assert read_rows("upload.bin", _csv(HEADER, "t,d,s,2026-01-01,2026-01-02"))[0][0] == 2


def test_only_the_first_sheet_is_read():
    workbook = Workbook()
    workbook.active.append(HEADER.split(","))
    workbook.active.append(["first", "d", "s", "2026-01-01", "2026-01-02"])
    other = workbook.create_sheet("说明")
    other.append(["anything", "else"])
    out = io.BytesIO()
    workbook.save(out)
    assert [values["title"] for _, values in read_rows("p.xlsx", out.getvalue())] == ["first"]


@pytest.mark.parametrize(("filename", "content", "message"), [
    ("p.xlsx", b"PK\x03\x04 not really a zip", "XLSX file cannot be read"),
    ("p.xlsx", b"title,department", "XLSX file cannot be read"),
    ("p.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100), ".xls"),
    ("p.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "neither a CSV nor an XLSX"),
    ("p", b"", "neither a CSV nor an XLSX"),
    ("p.csv", b"title\x00,department", "not text"),
    ("p.csv", b"\x81\x30\xff\xff", "neither UTF-8 nor GB18030"),
    ("p.csv", b"", "empty"),
    ("p.csv", b"\r\n,,\r\n", "empty"),
    ("p.xlsx", _xlsx([]), "empty"),
])
def test_unreadable_files(filename, content, message):
    with pytest.raises(SpreadsheetError, match=message):
        read_rows(filename, content)


def test_spreadsheet_error_is_a_value_error():
    assert issubclass(SpreadsheetError, ValueError)


def test_missing_required_columns_are_named():
    with pytest.raises(SpreadsheetError) as raised:
        read_rows("p.csv", _csv("标题,部门,开始日期", "t,d,2026-01-01"))
    assert str(raised.value) == "row 1 (header): missing required columns: summary, valid_to"


def test_unknown_columns_are_named():
    with pytest.raises(SpreadsheetError) as raised:
        read_rows("p.csv", _csv(HEADER + ",备注,Owner", "t,d,s,2026-01-01,2026-01-02,x,y"))
    assert "unknown columns: 备注, Owner (known: title/标题" in str(raised.value)


def test_a_column_given_twice_is_refused():
    with pytest.raises(SpreadsheetError, match="columns given twice: 标题"):
        read_rows("p.csv", _csv(HEADER + ",标题", "t,d,s,2026-01-01,2026-01-02,t2"))


def test_a_value_under_no_header_names_its_row_and_column():
    content = _csv(HEADER, "t,d,s,2026-01-01,2026-01-02", "t,d,s,2026-01-01,2026-01-02,stray")
    with pytest.raises(SpreadsheetError, match="row 3: column F has a value but no header"):
        read_rows("p.csv", content)
    # Empty trailing columns, which Excel writes after a formatted cell, are harmless.
    assert len(read_rows("p.csv", _csv(HEADER + ",,", "t,d,s,2026-01-01,2026-01-02,,"))) == 1


def test_a_broken_csv_names_its_row():
    content = _csv(HEADER, "t,d,s,2026-01-01,2026-01-02", 'a,"b' + "x" * 200_000 + '",s,2026-01-01,2026-01-02')
    with pytest.raises(SpreadsheetError, match="row 3: the CSV cannot be read"):
        read_rows("p.csv", content)


def test_at_most_max_rows_data_rows():
    row = "t,d,s,2026-01-01,2026-01-02"
    assert len(read_rows("p.csv", _csv(HEADER, *[row] * MAX_ROWS, "", ""))) == MAX_ROWS == 5000
    with pytest.raises(SpreadsheetError, match="too many rows: at most 5000"):
        read_rows("p.csv", _csv(HEADER, *[row] * (MAX_ROWS + 1)))


def test_at_most_max_rows_in_a_workbook_too():
    content = _xlsx([HEADER.split(","), *[["t", "d", "s", "2026-01-01", "2026-01-02"]] * (MAX_ROWS + 1)])
    with pytest.raises(SpreadsheetError, match="too many rows"):
        read_rows("p.xlsx", content)


# -- one row to a policy body ----------------------------------------------------------------------

def test_a_full_row_becomes_a_policy_draft():
    values = ROW | {
        "department_name": "市人社局", "body": "第一条", "level": "county", "county": "滨城区",
        "eligibility": '{"tag": "scale.small"}', "redeemable": "是", "proactive": "yes",
        "subsidy": '{"type": "per_unit", "field": "employees", "rate": 1000, "cap": 500000}',
        "budget": "5,000,000", "exclusive_group": "stable_jobs", "materials": "营业执照；社保缴费证明;\n承诺书",
        "stage_limits": '{"review": 3}'}
    body = to_draft_body(values)
    assert body == {
        "title": "小微企业稳岗补贴", "department": "hrss", "department_name": "市人社局", "summary": "按参保人数补贴",
        "body": "第一条", "level": "county", "county": "371602", "eligibility": {"tag": "scale.small"},
        "valid_from": "2026-01-01", "valid_to": "2026-12-31", "redeemable": True, "proactive": True,
        "subsidy": {"type": "per_unit", "field": "employees", "rate": 1000, "cap": 500000},
        "budget": 5_000_000.0, "exclusive_group": "stable_jobs", "materials": ["营业执照", "社保缴费证明", "承诺书"],
        "stage_limits": {"review": 3}}
    json.dumps(body)  # the body goes over the wire as JSON
    draft = PolicyDraft.model_validate(body)
    assert draft.county == "371602" and draft.materials == ["营业执照", "社保缴费证明", "承诺书"]


def test_empty_cells_are_not_given():
    body = to_draft_body(ROW | {"eligibility": "", "redeemable": " ", "materials": "", "budget": ""})
    assert body == ROW
    draft = PolicyDraft.model_validate(body)
    assert draft.eligibility == {} and draft.redeemable is False and draft.materials == []


@pytest.mark.parametrize(("text", "value"), [
    ("true", True), ("TRUE", True), ("1", True), ("Yes", True), ("是", True),
    ("false", False), ("False", False), ("0", False), ("no", False), ("否", False)])
def test_booleans(text, value):
    assert to_draft_body({"redeemable": text}) == {"redeemable": value}


@pytest.mark.parametrize(("text", "iso"), [
    ("2026-01-05", "2026-01-05"), ("2026/1/5", "2026-01-05"), ("2026.01.05", "2026-01-05"),
    ("2026年1月5日", "2026-01-05"), ("2026-01-05 00:00:00", "2026-01-05")])
def test_dates(text, iso):
    assert to_draft_body({"valid_from": text}) == {"valid_from": iso}


@pytest.mark.parametrize(("text", "level"), [("county", "county"), ("City", "city"), ("国家级", "national"),
                                             ("省级", "provincial"), ("区县", "county")])
def test_levels_in_english_or_chinese(text, level):
    assert to_draft_body({"level": text}) == {"level": level}


@pytest.mark.parametrize(("values", "reason"), [
    ({"eligibility": "tag: scale.small"}, "eligibility: not valid JSON (Expecting value at char 0)"),
    ({"subsidy": '{"type": "fixed",}'}, "subsidy: not valid JSON (Expecting property name enclosed in double quotes "
                                        "at char 17)"),
    ({"stage_limits": "[1, 2]"}, "stage_limits: must be a JSON object {...}, got list"),
    ({"redeemable": "maybe"}, "redeemable: must be true or false (是/否), got 'maybe'"),
    ({"valid_from": "01/05/2026"}, "valid_from: must be a date YYYY-MM-DD, got '01/05/2026'"),
    ({"valid_to": "2026-02-30"}, "valid_to: not a real date (day is out of range for month), got '2026-02-30'"),
    ({"budget": "五百万"}, "budget: must be a number of yuan, got '五百万'"),
    ({"budget": "nan"}, "budget: must be a number of yuan, got 'nan'"),
    ({"materials": "a;b；c\nd"}, "materials: at most 3 materials, got 4"),
    ({"owner": "x"}, "owner: unknown column"),
])
def test_row_errors_name_the_column_and_the_rule(values, reason):
    with pytest.raises(RowError) as raised:
        to_draft_body(ROW | values)
    assert raised.value.reason == str(raised.value) == reason


def test_every_bad_column_of_a_row_is_reported_at_once():
    with pytest.raises(RowError) as raised:
        to_draft_body(ROW | {"proactive": "maybe", "eligibility": "{"})
    # In the order the sheet's columns come, as the clerk reads them left to right.
    assert raised.value.reason.startswith("proactive: must be true or false (是/否), got 'maybe'; eligibility: ")


# -- PolicyDraft's verdict ------------------------------------------------------------------------

def _validation_error(body) -> ValidationError:
    with pytest.raises(ValidationError) as raised:
        PolicyDraft.model_validate(body)
    return raised.value


def test_draft_errors_names_the_field_of_a_cross_field_rule():
    error = _validation_error(to_draft_body(ROW | {"valid_from": "2026-12-31", "valid_to": "2026-01-01"}))
    assert draft_errors(error) == "valid_to: valid_to must not be before valid_from"


def test_draft_errors_names_each_field_without_the_formula_tag():
    body = to_draft_body(ROW | {"department": "HRSS", "subsidy": '{"type": "ratio", "field": "rd_expense", "rate": 2}',
                                "stage_limits": '{"review": 0, "signing": 2}'})
    reason = draft_errors(_validation_error(body))
    parts = reason.split("; ")
    assert parts[0].startswith("department: a department code is lowercase letters, digits and underscores")
    assert "subsidy.rate: Input should be less than or equal to 1" in parts
    assert "stage_limits.review: Input should be greater than or equal to 1" in parts
    assert any(part.startswith("stage_limits.signing (key): Input should be 'acceptance'") for part in parts)


def test_draft_errors_for_a_rule_that_names_no_location():
    error = _validation_error(to_draft_body(ROW | {"proactive": "是", "redeemable": "否"}))
    assert draft_errors(error) == "proactive: a proactive policy (免申即享) must be redeemable"


def test_parse_drafts_reports_each_bad_row_with_its_row_number():
    content = _csv(HEADER + ",eligibility,redeemable,materials",
                   "好政策,hrss,s,2026-01-01,2026-12-31,,,",
                   "坏 JSON,hrss,s,2026-01-01,2026-12-31,{tag},,",
                   "",
                   "坏布尔,hrss,s,2026-01-01,2026-12-31,,maybe,",
                   "材料太多,hrss,s,2026-01-01,2026-12-31,,,a;b;c;d",
                   "日期颠倒,hrss,s,2026-12-31,2026-01-01,,,",
                   "另一个好政策,hrss,s,2026-01-01,2026-12-31,\"{\"\"tag\"\": \"\"scale.small\"\"}\",否,营业执照")
    drafts, errors = parse_drafts(read_rows("p.csv", content))
    assert [(row, draft.title) for row, draft in drafts] == [(2, "好政策"), (8, "另一个好政策")]
    assert drafts[1][1].eligibility == {"tag": "scale.small"}
    assert errors == [
        {"row": 3, "reason": "eligibility: not valid JSON (Expecting property name enclosed in double quotes "
                             "at char 1)"},
        {"row": 5, "reason": "redeemable: must be true or false (是/否), got 'maybe'"},
        {"row": 6, "reason": "materials: at most 3 materials, got 4"},
        {"row": 7, "reason": "valid_to: valid_to must not be before valid_from"},
    ]


def test_to_draft_raises_row_error_with_draft_errors():
    assert to_draft(ROW).title == "小微企业稳岗补贴"
    with pytest.raises(RowError, match=r"^county: a county-level policy needs county, one of 371602"):
        to_draft(ROW | {"level": "区县"})
    with pytest.raises(RowError, match=r"^budget: must be a number"):
        to_draft(ROW | {"budget": "x"})


def test_columns_cover_every_policy_draft_field_and_their_table():
    assert [column.name for column in COLUMNS] == list(PolicyDraft.model_fields)
    assert len({column.alias for column in COLUMNS}) == len(COLUMNS)
    table = markdown_table()
    for column in COLUMNS:
        assert f"| `{column.name}` | {column.alias} |" in table
    assert all(column.format and column.example for column in COLUMNS)


def test_docs_import_documents_the_import_columns_as_the_code_reads_them():
    from pathlib import Path

    from services.gateway.spreadsheets import markdown_table

    document = (Path(__file__).resolve().parents[3] / "docs" / "import.md").read_text(encoding="utf-8")
    assert markdown_table() in document
