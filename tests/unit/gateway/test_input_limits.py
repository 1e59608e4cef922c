"""Limits on what a request body may be, before any model or service sees it: JSON nesting depth,
numbers no 64-bit column or double can hold, and spreadsheets that expand past what is read."""
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from services.gateway.errors import InvalidRequest, MalformedBody
from services.gateway.inputs import MAX_JSON_DEPTH, MAX_JSON_INT, decode_json, read_inputs
from services.gateway.routes import ROUTES
from services.gateway.spreadsheets import (
    MAX_XLSX_EXPANDED_BYTES,
    MAX_XLSX_RATIO,
    SpreadsheetError,
    read_rows,
    refuse_zip_bomb,
)
from shared.config import settings
from shared.contracts.gov import EnterpriseEvent
from tests.crafted_zips import MIB, deflated_zeros, zip_archive, zip_bomb

TOKEN = "unit-test-admin-token"
EVENT = {"event_id": "e-1", "source": "market-regulation", "occurred_at": "2026-11-27T09:30:00+08:00",
         "sequence": 1, "enterprise": {"uscc": "913716024JURQ28300"}}


@pytest.fixture(autouse=True)
def admin_token(monkeypatch):
    monkeypatch.setenv("HUIQI_ADMIN_TOKEN", TOKEN)
    settings.cache_clear()
    yield
    settings.cache_clear()


def nested(depth: int, inner: str = "1") -> bytes:
    text = inner
    for level in range(depth):
        text = f'{{"all": {text}}}' if level % 2 else f"[{text}]"
    return text.encode()


# nesting ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("depth", [MAX_JSON_DEPTH + 1, 1_000, 100_000])
def test_json_nested_past_the_limit_is_malformed_naming_the_body(depth):
    with pytest.raises(MalformedBody) as raised:
        decode_json(nested(depth))
    assert raised.value.details["field"] == "(body)"
    assert raised.value.details["max_depth"] == MAX_JSON_DEPTH
    assert f"deeper than {MAX_JSON_DEPTH}" in raised.value.message


def test_json_at_the_limit_is_read():
    assert decode_json(nested(MAX_JSON_DEPTH)) is not None


def test_brackets_inside_strings_do_not_count():
    text = json.dumps({"rule": "[" * 500 + "{" * 500, "quote": 'a "[" b \\ [', "list": [["x"]]})
    assert decode_json(text.encode())["list"] == [["x"]]


def test_the_line_and_column_of_the_offending_bracket():
    body = b'{\n  "a":\n' + b"[" * (MAX_JSON_DEPTH + 5) + b"]" * (MAX_JSON_DEPTH + 5) + b"}"
    with pytest.raises(MalformedBody) as raised:
        decode_json(body)
    assert (raised.value.details["line"], raised.value.details["column"]) == (3, MAX_JSON_DEPTH)


TEXT = st.text(st.characters(exclude_characters="\x00"))


@given(st.recursive(st.none() | st.booleans() | st.integers(-MAX_JSON_INT, MAX_JSON_INT) | TEXT,
                    lambda children: st.lists(children, max_size=3) | st.dictionaries(TEXT, children, max_size=3),
                    max_leaves=30))
def test_any_json_within_the_limits_reads_back_unchanged(value):
    assert decode_json(json.dumps(value).encode()) == value


# numbers ------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("body", "field", "literal"), [
    ('{"sequence": 1000000000000000000000000000000}', "sequence", "1000000000000000000000000000000"),
    ('{"enterprise": {"employees": 9223372036854775808}}', "enterprise.employees", "9223372036854775808"),
    ('{"ids": [1, -9223372036854775808]}', "ids.1", "-9223372036854775808"),
    ('{"subsidy": {"type": "fixed", "amount": 1e400}}', "subsidy.amount", "1e400"),
    ('{"budget": -1E999}', "budget", "-1E999"),
    ("1e309", "(body)", "1e309"),
])
def test_a_number_out_of_range_is_422_naming_its_field(body, field, literal):
    with pytest.raises(InvalidRequest) as raised:
        decode_json(body.encode())
    assert [item["field"] for item in raised.value.details] == [field]
    assert literal in raised.value.details[0]["message"]
    assert field in raised.value.message


def test_every_number_out_of_range_is_named_in_document_order():
    with pytest.raises(InvalidRequest) as raised:
        decode_json(b'{"b": [1e999, 2], "a": {"c": 99999999999999999999}}')
    assert [item["field"] for item in raised.value.details] == ["b.0", "a.c"]
    assert "1e999" in raised.value.details[0]["message"]
    assert "99999999999999999999" in raised.value.details[1]["message"]


def test_the_64_bit_bounds_themselves_are_read():
    assert decode_json(f"[{MAX_JSON_INT}, {-MAX_JSON_INT}, 1.7976931348623157e308]".encode()) == \
        [MAX_JSON_INT, -MAX_JSON_INT, 1.7976931348623157e308]


def test_an_integer_of_thousands_of_digits_is_malformed_not_a_crash():
    with pytest.raises(MalformedBody):
        decode_json(b'{"n": ' + b"9" * 5000 + b"}")


# spreadsheets that expand --------------------------------------------------------------------------

def test_an_xlsx_declaring_gigabytes_is_refused_before_it_is_expanded():
    with pytest.raises(SpreadsheetError, match=r"expands to 2,048 MB; at most 100 MB"):
        read_rows("policies.xlsx", zip_bomb(2048))


def test_a_part_compressed_past_the_ratio_is_refused():
    # 50 MiB is under the total limit; zeros compress about 1,000 times over
    with pytest.raises(SpreadsheetError, match=rf"sheet1.xml expands [\d,]+ times over; at most {MAX_XLSX_RATIO}"):
        refuse_zip_bomb(zip_bomb(50))


def test_headers_that_understate_the_size_are_caught_by_what_the_part_really_gives():
    with pytest.raises(SpreadsheetError, match="cannot be read"):
        read_rows("policies.xlsx", zip_bomb(300, declared_mib=1))


def test_parts_adding_up_past_the_limit_are_refused_though_each_is_small():
    data, crc = deflated_zeros(1)
    parts = [(f"xl/media/image{number}.bin", data, crc, MIB, len(data)) for number in range(MAX_XLSX_EXPANDED_BYTES
                                                                                           // MIB + 1)]
    with pytest.raises(SpreadsheetError, match="expands to 101 MB"):
        refuse_zip_bomb(zip_archive(parts))


def test_a_workbook_within_the_limits_is_read(tmp_path):
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active.append(["title", "department", "summary", "valid_from", "valid_to"])
    workbook.active.append(["稳岗补贴", "hrss", "补贴", "2026-01-01", "2026-12-31"])
    workbook.save(tmp_path / "p.xlsx")
    content = (tmp_path / "p.xlsx").read_bytes()
    refuse_zip_bomb(content)
    assert read_rows("p.xlsx", content)[0][1]["title"] == "稳岗补贴"


# text PostgreSQL cannot store ------------------------------------------------------------------------

def test_a_nul_character_in_a_body_string_or_key_is_422_naming_it():
    with pytest.raises(InvalidRequest) as raised:
        decode_json(b'{"title": "\\u7a33\\u0000", "rule": {"all": [{"k\\u0000": 1}]}, "fine": "\\\\u0000"}')
    assert [item["field"] for item in raised.value.details] == ["title", "rule.all.0.k\\u0000"]
    assert all("U+0000" in item["message"] for item in raised.value.details)


@pytest.mark.parametrize(("route", "path", "query", "field", "location"), [
    ("search_policies", {}, {"q": "稳\x00岗"}, "q", "query"),
    ("search_policies", {}, {"department\x00": "hrss"}, "department\x00", "query"),
    ("get_enterprise", {"uscc": "913716024JURQ2830\x00"}, {}, "uscc", "path"),
])
def test_a_nul_character_in_a_path_or_query_parameter_is_422_naming_it(route, path, query, field, location):
    with pytest.raises(InvalidRequest) as raised:
        read_inputs(ROUTES[route], authorization=f"Bearer {TOKEN}", path_values=path, query_args=query, body=b"")
    assert [(item["field"], item["in"]) for item in raised.value.details] == [(field, location)]


@pytest.mark.parametrize("event", [
    {**EVENT, "event_id": "e\x001"},
    {**EVENT, "enterprise": {"uscc": "913716024JURQ28300", "name": "滨州\x00公司"}},
])
def test_a_government_event_with_a_nul_character_is_invalid_so_it_is_quarantined(event):
    with pytest.raises(ValidationError, match="U\\+0000"):
        EnterpriseEvent.model_validate(event)


# the time-travel clock ----------------------------------------------------------------------------

@pytest.mark.parametrize(("body", "field"), [
    ({"advance": "P999999999D"}, "advance"),
    ({"advance": "-P36501D"}, "advance"),
    ({"set": "9999-12-31T23:59:59-12:00"}, "set"),
    ({"set": "2150-01-01T00:00:00+08:00"}, "set"),
])
def test_the_clock_cannot_be_moved_out_of_range(body, field):
    with pytest.raises(InvalidRequest) as raised:
        read_inputs(ROUTES["admin_clock"], authorization=f"Bearer {TOKEN}", path_values={}, query_args={},
                    body=json.dumps(body).encode())
    assert [item["field"] for item in raised.value.details] == [field]


def test_the_clock_moves_within_range():
    inputs = read_inputs(ROUTES["admin_clock"], authorization=f"Bearer {TOKEN}", path_values={}, query_args={},
                         body=b'{"advance": "P36500D"}')
    assert inputs.body.advance.days == 36_500


@pytest.mark.parametrize("event", [
    {**EVENT, "sequence": 2**63},
    {**EVENT, "enterprise": {"uscc": "913716024JURQ28300", "employees": 2**63}},
])
def test_a_government_event_with_an_integer_past_64_bits_is_invalid_so_it_is_quarantined(event):
    # a publisher on the bus does not pass through the gateway's JSON reader
    with pytest.raises(ValidationError, match="less than or equal to 9223372036854775807"):
        EnterpriseEvent.model_validate(event)
