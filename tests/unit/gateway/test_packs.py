import re
import struct
import zlib
from html.parser import HTMLParser
from xml.etree import ElementTree

import pytest
import segno

from services.gateway.packs import QR_BORDER, pack_url, qr_png, qr_svg, render_page
from shared.pack_codes import CODE_ALPHABET, CODE_LENGTH, is_code, new_code

URL = "https://huiqi.binzhou.gov.cn/packs/k7hq2mxa"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _policy(**overrides):
    policy = {"id": "p1", "title": "小微企业稳岗补贴", "department": "hrss", "department_name": "市人社局",
              "summary": "按参保人数给予补贴", "valid_from": "2026-01-01", "valid_to": "2026-12-31",
              "redeemable": False, "proactive": False, "status": "published"}
    return policy | overrides


def _png_pixels(png: bytes) -> list[list[int]]:
    """Decodes a 1-bit greyscale PNG (what segno writes) into rows of 0 (black) and 1 (white)."""
    assert png.startswith(PNG_SIGNATURE)
    pos, chunks = len(PNG_SIGNATURE), {}
    while pos < len(png):
        (length,), kind = struct.unpack(">I", png[pos:pos + 4]), png[pos + 4:pos + 8]
        chunks.setdefault(kind, b"")
        chunks[kind] += png[pos + 8:pos + 8 + length]
        pos += 12 + length
    width, height, depth, colour = struct.unpack(">IIBB", chunks[b"IHDR"][:10])
    assert (depth, colour) == (1, 0)
    raw = zlib.decompress(chunks[b"IDAT"])
    stride = (width + 7) // 8
    rows, previous = [], bytes(stride)
    for y in range(height):
        line = raw[y * (stride + 1):(y + 1) * (stride + 1)]
        kind, data = line[0], bytearray(line[1:])
        for i in range(stride):  # PNG filters, with one byte per "pixel" at this bit depth
            left, up = data[i - 1] if i else 0, previous[i]
            up_left = previous[i - 1] if i else 0
            if kind == 1:
                data[i] = (data[i] + left) & 0xFF
            elif kind == 2:
                data[i] = (data[i] + up) & 0xFF
            elif kind == 3:
                data[i] = (data[i] + (left + up) // 2) & 0xFF
            elif kind == 4:
                p = left + up - up_left
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - up_left)
                predictor = left if pa <= pb and pa <= pc else up if pb <= pc else up_left
                data[i] = (data[i] + predictor) & 0xFF
        previous = bytes(data)
        rows.append([(data[x // 8] >> (7 - x % 8)) & 1 for x in range(width)])
    return rows


def test_pack_url_joins_without_double_slashes():
    assert pack_url("https://huiqi.binzhou.gov.cn/", "k7hq2mxa") == URL
    assert pack_url("https://huiqi.binzhou.gov.cn", "k7hq2mxa") == URL
    assert pack_url("https://example.gov.cn/huiqi/", "ab") == "https://example.gov.cn/huiqi/packs/ab"


def test_png_holds_exactly_the_qr_code_of_the_url_with_a_quiet_zone():
    png = qr_png(URL)
    assert png.startswith(PNG_SIGNATURE)
    expected = segno.make_qr(URL, error="m", boost_error=False)
    assert expected.error == "M" and not expected.is_micro
    modules = expected.symbol_size(scale=1, border=QR_BORDER)[0]
    pixels = _png_pixels(png)
    assert len(pixels) == len(pixels[0]) == modules * 8
    # Sampling the middle of each 8x8 module gives back the symbol segno built for the URL.
    sampled = [[1 - pixels[y * 8 + 4][x * 8 + 4] for x in range(modules)] for y in range(modules)]
    matrix = [[0] * modules for _ in range(modules)]
    for y, row in enumerate(expected.matrix):
        for x, dark in enumerate(row):
            matrix[y + QR_BORDER][x + QR_BORDER] = dark
    assert sampled == matrix
    assert all(pixel == 1 for pixel in pixels[0]) and all(row[0] == 1 for row in pixels)


def test_png_scale_sets_the_module_size():
    modules = segno.make_qr(URL, error="m", boost_error=False).symbol_size(scale=1, border=QR_BORDER)[0]
    assert len(_png_pixels(qr_png(URL, scale=3))) == modules * 3


def test_different_urls_give_different_codes():
    assert qr_png(URL) != qr_png(URL + "x")


def test_svg_is_a_standalone_document_with_a_title():
    svg = qr_svg(URL)
    assert svg.startswith(b"<?xml")
    root = ElementTree.fromstring(svg)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert root.find("{http://www.w3.org/2000/svg}title").text == URL
    size = segno.make_qr(URL, error="m", boost_error=False).symbol_size(scale=4, border=QR_BORDER)[0]
    assert root.get("width") == root.get("height") == str(size)


def test_svg_title_can_be_chosen_and_is_escaped():
    svg = qr_svg(URL, title="稳岗 <大礼包> & 更多")
    assert ElementTree.fromstring(svg).find("{http://www.w3.org/2000/svg}title").text == "稳岗 <大礼包> & 更多"
    assert b"<\xe5\xa4\xa7" not in svg  # the raw "<大" never reaches the document


class _Page(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags, self.attrs, self.text = [], [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)


def _parse(html):
    page = _Page()
    page.feed(html)
    return page


def test_page_is_a_small_self_contained_mobile_page_in_chinese():
    html = render_page({"code": "k7hq2mxa", "title": "2026 稳岗大礼包", "policies": [_policy()]})
    page = _parse(html)
    assert html.startswith("<!DOCTYPE html>")
    assert ("html", {"lang": "zh-CN"}) in page.attrs
    assert ("meta", {"charset": "utf-8"}) in page.attrs
    assert any(tag == "meta" and attrs.get("name") == "viewport" for tag, attrs in page.attrs)
    assert "script" not in page.tags and "link" not in page.tags and "img" not in page.tags
    assert not re.search(r"(src|href)=|url\(|@import", html)
    text = "".join(page.text)
    for expected in ("2026 稳岗大礼包", "小微企业稳岗补贴", "市人社局", "按参保人数给予补贴",
                     "2026-01-01", "2026-12-31"):
        assert expected in text
    assert "免申即享" not in text and "可兑现" not in text and "已撤回" not in text


def test_every_text_value_is_escaped():
    evil = "<script>alert(1)</script>"
    html = render_page({"code": "x", "title": evil, "policies": [_policy(
        title=evil, department_name=evil, summary=evil, valid_from=evil, valid_to=evil)]})
    assert "<script" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "script" not in _parse(html).tags


def test_badges_for_proactive_and_redeemable_policies():
    html = render_page({"code": "x", "title": "t", "policies": [
        _policy(id="a", title="兑现政策", redeemable=True),
        _policy(id="b", title="免申政策", redeemable=True, proactive=True)]})
    assert html.count("免申即享") == 1 and html.count("可兑现") == 2


def test_withdrawn_and_expired_policies_are_shown_and_marked():
    html = render_page({"code": "x", "title": "t", "policies": [
        _policy(id="a", title="已撤的政策", status="withdrawn"),
        _policy(id="b", title="过期的政策", status="expired"),
        _policy(id="c", title="有效的政策")]})
    assert "已撤的政策" in html and "已撤回" in html
    assert "过期的政策" in html and "已过期" in html
    assert "有效的政策" in html and "共 3 项政策" in html


def test_department_code_stands_in_for_a_missing_name_and_an_empty_pack_says_so():
    html = render_page({"code": "x", "title": "t", "policies": [_policy(department_name=None)]})
    assert "hrss" in html
    assert "暂无政策" in render_page({"code": "x", "title": "t", "policies": []})


def test_codes_are_short_unambiguous_and_unique():
    codes = [new_code() for _ in range(20_000)]
    assert len(set(codes)) == len(codes)
    for code in codes:
        assert len(code) == CODE_LENGTH == 8
        assert set(code) <= set(CODE_ALPHABET)
        assert is_code(code)
    assert not set("0O1lI") & set(CODE_ALPHABET)
    # Every character of the alphabet turns up: the draws are not stuck on a subset.
    assert set("".join(codes)) == set(CODE_ALPHABET)


@pytest.mark.parametrize("text", ["", "abc", "k7hq2mxa1", "k7hq2mx0", "K7HQ2MXA", "k7hq/mxa"])
def test_is_code_refuses_anything_else(text):
    assert not is_code(text)
