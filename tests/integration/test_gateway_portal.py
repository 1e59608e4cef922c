"""The gateway serves the built web portal: the page at `/` and at every page address a browser
opens, its hashed assets cached for good and gzipped, nothing outside the build, API paths still
JSON, and a page that says how to build the portal when it is not built."""
from __future__ import annotations

import gzip

import pytest

from shared.config import settings
from tests.integration.gateway_stand_ins import PACK_VISITS

INDEX = '<!doctype html><html lang="zh-CN"><title>惠企政策平台</title><div id="app"></div></html>'
SCRIPT = "console.log('门户');\n" * 200   # big enough to be worth gzipping
HTML = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}


@pytest.fixture
def built(tmp_path, monkeypatch):
    dist = tmp_path / "dist"
    (dist / "assets").mkdir(parents=True)
    (dist / "index.html").write_text(INDEX, encoding="utf-8")
    (dist / "assets" / "index-3f9a.js").write_text(SCRIPT, encoding="utf-8")
    (dist / "favicon.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>", encoding="utf-8")
    (tmp_path / "secret.txt").write_text("not for the web", encoding="utf-8")
    monkeypatch.setenv("HUIQI_PORTAL_DIR", str(dist))
    settings.cache_clear()
    yield dist
    settings.cache_clear()


def test_the_page_is_served_at_the_root_and_at_every_page_address(built, anonymous):
    for path in ("/", "/policies/3", "/staff/applications", "/my-policies?tab=unread"):
        response = anonymous.get(path, headers=HTML)
        assert response.status_code == 200, path
        assert response.text == INDEX
        assert response.headers["Content-Type"] == "text/html; charset=utf-8"
        assert response.headers["Cache-Control"] == "no-cache"
        policy = response.headers["Content-Security-Policy"]
        assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy


def test_assets_are_cached_for_good_and_gzipped_for_who_takes_it(built, anonymous):
    zipped = anonymous.get("/assets/index-3f9a.js", headers={"Accept-Encoding": "gzip"}, stream=True)
    assert zipped.status_code == 200
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert zipped.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert gzip.decompress(zipped.raw.read()).decode() == SCRIPT
    plain = anonymous.get("/assets/index-3f9a.js", headers={"Accept-Encoding": "identity"})
    assert ("Content-Encoding" not in plain.headers, plain.text) == (True, SCRIPT)
    assert plain.headers["Content-Type"].startswith("text/javascript")
    assert anonymous.get("/favicon.svg").headers["Content-Type"] == "image/svg+xml"


def test_nothing_outside_the_build_and_no_missing_asset_is_a_page(built, anonymous):
    assert anonymous.get("/assets/gone-1234.js", headers=HTML).status_code == 404
    assert anonymous.get("/assets/%2e%2e/%2e%2e/secret.txt", headers=HTML).text != "not for the web"
    assert anonymous.get("/..%2fsecret.txt", headers=HTML).text != "not for the web"


def test_api_paths_stay_json_for_a_browser(built, anonymous):
    for path in ("/api/v1/nothing-here", "/api/v1", "/health/nothing"):
        response = anonymous.get(path, headers=HTML)
        assert response.status_code == 404, path
        assert response.json()["error"]["code"] == "not_found"


def test_an_unbuilt_portal_says_how_to_build_it(tmp_path, monkeypatch, anonymous):
    monkeypatch.setenv("HUIQI_PORTAL_DIR", str(tmp_path / "nowhere"))
    settings.cache_clear()
    response = anonymous.get("/", headers=HTML)
    settings.cache_clear()
    assert response.status_code == 503
    assert "make run" in response.text and "门户页面尚未构建" in response.text


def test_a_gift_pack_opened_in_a_browser_is_the_portal_page_and_its_fetch_the_one_scan(built, anonymous,
                                                                                         fake_services):
    PACK_VISITS.clear()
    page = anonymous.get("/packs/abcdefgh", headers=HTML)
    assert (page.status_code, page.text) == (200, INDEX)
    assert "Accept" in page.headers["Vary"]  # the same address answers JSON too: caches keep them apart
    assert PACK_VISITS == []  # the page itself counts nothing: its JSON fetch does
    fetched = anonymous.get("/packs/abcdefgh", headers={"Accept": "application/json"})
    assert fetched.status_code == 200 and fetched.json()["title"] == "新办企业大礼包"
    assert fetched.headers["Vary"] == "Accept"
    assert PACK_VISITS == ["abcdefgh"]
    assert anonymous.get("/packs/zzzzzzzz", headers={"Accept": "application/json"}).status_code == 404


def test_a_gift_pack_is_rendered_by_the_gateway_while_the_portal_is_not_built(tmp_path, monkeypatch, anonymous,
                                                                               fake_services):
    monkeypatch.setenv("HUIQI_PORTAL_DIR", str(tmp_path / "nowhere"))
    settings.cache_clear()
    PACK_VISITS.clear()
    page = anonymous.get("/packs/abcdefgh", headers=HTML)
    settings.cache_clear()
    assert page.status_code == 200 and "新办企业大礼包" in page.text and "<script" not in page.text
    assert page.headers["Vary"] == "Accept"
    assert PACK_VISITS == ["abcdefgh"]
