"""The workbooks staff download: every row, Chinese headers, numbers as numbers, and text that never
becomes a formula."""
import io

from openpyxl import load_workbook

from services.gateway import schemas
from services.gateway.workbooks import NEAR_MISS_COLUMNS, attachment, near_misses_workbook, results_workbook

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


# --- a round's results (三评, contract section 9) ---------------------------------------------------

def _entry(unit, name, score, rank, rank_range, **dimensions):
    return {"unit": unit, "name": name, "score": score, "rank": rank, "rank_range": rank_range,
            "dimensions": {dimension: dimensions.get(dimension) for dimension in schemas.DIMENSIONS},
            "sources": {"platform": score, "self": None, "survey": 70.0, "third_party": None}}


RESULTS = {
    "evaluation_id": 12, "name": "2026年下半年惠企政策落实三评", "period_start": "2026-07-01",
    "period_end": "2026-12-31", "closed_at": "2027-01-05T02:00:00+00:00",
    "weights": {"supply_match": 0.25, "push_coverage": 0.125, "demand_enjoyment": 0.125,
                "redemption_satisfaction": 0.3, "feedback_responsiveness": 0.2},
    "source_weights": {"platform": 0.4, "self": 0.1, "survey": 0.3, "third_party": 0.2},
    # listed out of order: the sheets are by rank
    "departments": [_entry("industry_it", "市工业和信息化局", 41.123456, 2, [2, 2], supply_match=30.5),
                    _entry("hrss", "市人力资源和社会保障局", 87.5, 1, [1, 1], supply_match=100.0,
                           feedback_responsiveness=92.25)],
    "counties": [_entry("371625", "博兴县", None, None, [1, 1])],
    "policies": [_entry("7", "=稳岗补贴", 66.666666, 1, [1, 3], push_coverage=50.0),
                 _entry("9", "研发费用补助", 66.666666, 1, [1, 2])],
}


def test_the_results_workbook_has_the_four_chinese_sheets():
    workbook = load_workbook(io.BytesIO(results_workbook(RESULTS)))
    assert workbook.sheetnames == ["部门排名", "县区排名", "政策得分", "权重"]
    assert rows(results_workbook(RESULTS), "部门排名")[0] == (
        "排名", "部门代码", "部门名称", "综合得分", "最好排名", "最差排名", "政策供给匹配度",
        "政策推送覆盖度", "政策需求享受度", "政策兑现满意度", "政策反馈响应度", "平台数据得分", "部门自评得分",
        "企业问卷得分", "第三方评估得分")
    assert rows(results_workbook(RESULTS), "县区排名")[0][:3] == ("排名", "县区代码", "县区名称")
    assert rows(results_workbook(RESULTS), "政策得分")[0][:3] == ("排名", "政策编号", "政策名称")


def test_every_score_is_the_number_itself_by_rank_and_no_data_is_an_empty_cell():
    departments = rows(results_workbook(RESULTS), "部门排名")[1:]
    assert departments == [
        (1, "hrss", "市人力资源和社会保障局", 87.5, 1, 1, 100.0, None, None, None, 92.25, 87.5, None, 70.0, None),
        (2, "industry_it", "市工业和信息化局", 41.123456, 2, 2, 30.5, None, None, None, None, 41.123456, None, 70.0,
         None)]
    county = load_workbook(io.BytesIO(results_workbook(RESULTS)))["县区排名"]
    assert [cell.value for cell in county[2]][:4] == [None, "371625", "博兴县", None]


def test_scores_show_two_places_and_a_policy_is_numbered_and_never_a_formula():
    sheet = load_workbook(io.BytesIO(results_workbook(RESULTS)))["政策得分"]
    first = list(sheet.iter_rows(min_row=2, max_row=2))[0]
    assert first[1].value == 7 and first[1].data_type == "n"
    assert first[2].value == "=稳岗补贴" and first[2].data_type == "s"
    assert first[3].value == 66.666666 and first[3].number_format == "0.00"
    assert first[4].number_format == "General"   # ranks are whole numbers
    assert [row[0].value for row in sheet.iter_rows(min_row=2)] == [1, 1]


def test_the_weights_sheet_holds_both_sets_and_the_round():
    weights = rows(results_workbook(RESULTS), "权重")
    assert weights[0] == ("类别", "代码", "名称", "权重")
    assert weights[1:10] == [
        ("维度", "supply_match", "政策供给匹配度", 0.25), ("维度", "push_coverage", "政策推送覆盖度", 0.125),
        ("维度", "demand_enjoyment", "政策需求享受度", 0.125),
        ("维度", "redemption_satisfaction", "政策兑现满意度", 0.3),
        ("维度", "feedback_responsiveness", "政策反馈响应度", 0.2), ("来源", "platform", "平台数据", 0.4),
        ("来源", "self", "部门自评", 0.1), ("来源", "survey", "企业问卷", 0.3),
        ("来源", "third_party", "第三方评估", 0.2)]
    said = {row[1]: row[2] for row in weights[10:] if row and row[0] == "评价"}
    assert said == {"评价编号": 12, "评价名称": "2026年下半年惠企政策落实三评", "评价期间": "2026-07-01 至 2026-12-31",
                    "结果生成时间": "2027-01-05 10:00（北京时间）"}


def test_the_download_is_named_in_chinese_with_an_ascii_fallback():
    disposition = attachment("评价结果-12.xlsx", "evaluation-12-results.xlsx")
    assert disposition == ("attachment; filename=\"evaluation-12-results.xlsx\"; "
                           "filename*=UTF-8''%E8%AF%84%E4%BB%B7%E7%BB%93%E6%9E%9C-12.xlsx")
    disposition.encode("latin-1")   # a header value must be
