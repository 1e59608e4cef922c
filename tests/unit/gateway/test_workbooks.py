"""The near-miss workbook: every row, Chinese headers, and text that never becomes a formula."""
import io

from openpyxl import load_workbook

from services.gateway.workbooks import NEAR_MISS_COLUMNS, near_misses_workbook

POLICY = {"id": 7, "version": 3, "title": "稳岗补贴"}
CONDITIONS = [{"path": "$.all[1]", "text": "员工人数 ≥ 100", "count": 2, "condition": {}},
              {"path": "$.all[0]", "text": "标签 scale.small", "count": 1, "condition": {}}]


def rows(content: bytes, sheet: str) -> list[tuple]:
    workbook = load_workbook(io.BytesIO(content))
    return [tuple(cell.value for cell in row) for row in workbook[sheet].iter_rows()]


def test_every_near_miss_is_a_row_under_chinese_headers():
    items = [{"uscc": f"91371600MA{n:08d}", "name": f"企业{n}", "path": "$.all[1]", "text": "员工人数 ≥ 100"}
             for n in range(1500)]
    listed = rows(near_misses_workbook(POLICY, CONDITIONS, items), "近失企业")
    assert "稳岗补贴" in listed[0][0] and "7" in listed[0][0]
    assert listed[1] == tuple(header for header, _key in NEAR_MISS_COLUMNS)
    assert listed[2:] == [(item["uscc"], item["name"], item["text"], item["path"]) for item in items]
    summary = rows(near_misses_workbook(POLICY, CONDITIONS, items), "按条件汇总")
    assert summary == [("条件位置", "条件", "企业数"), ("$.all[1]", "员工人数 ≥ 100", 2),
                       ("$.all[0]", "标签 scale.small", 1)]


def test_a_name_that_looks_like_a_formula_stays_text_and_a_missing_name_is_empty():
    items = [{"uscc": "91371600MA00000001", "name": "=HYPERLINK(\"http://x\")", "path": "$", "text": "t"},
             {"uscc": "91371600MA00000002", "name": None, "path": "$", "text": "t"}]
    workbook = load_workbook(io.BytesIO(near_misses_workbook(POLICY, [], items)))
    first, second = list(workbook["近失企业"].iter_rows(min_row=3))
    assert first[1].value == "=HYPERLINK(\"http://x\")" and first[1].data_type == "s"
    assert second[1].value is None
