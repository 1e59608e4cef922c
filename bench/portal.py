"""`portal_first_load_p50_ms` / `_p95_ms`, `portal_search_p50_ms` / `_p95_ms` and
`portal_first_page_gzip_kib`: the web portal's 政策大厅 in headless Chromium (Debian's, driven by
Playwright: tools/chromium.py), over 1,000 published policies, through the real gateway.

Setup (not timed): the gateway and the accounts service are started with a development SMS sink
(tools/sms_sink.py); the policies the hall lists (published, valid today) are topped up to 1,000
with `search_corpus.policies` created and published through the policy service's RPC (all 1,000 in
a run of this measurement alone; in a full run the synthetic policies are there already); an
enterprise is registered by government data with a phone on file and registers itself with the
code sent there, as a person does. The bench runs it after every measurement that counts
enterprises, matches or notifications, which this enterprise would add to.

- first load: `FIRST_LOADS` times, a browser context of its own each (no HTTP cache, the session
  cookie from signing in through the API), from navigation start (the page's `performance` time
  origin) to the first page of policies rendered in the list (`[data-test=policy-item]`);
- search: on one loaded page, `SEARCHES` words of search_corpus.WORDS typed into the search box in
  turn and asked for with Enter, from the Enter key to the list showing that search's total
  (`共 N 条政策`, the number the API answers for the same query; the list is drawn in the same update,
  while the loading mask fades out over it) (a person who types and does not press Enter waits the
  page's 250 ms typing pause more);
- size: the JavaScript and CSS files the first load fetched, each gzipped (level 6) as a web server
  would send them, summed in KiB.

The policies it published are withdrawn afterwards.
"""
from __future__ import annotations

import gzip
import re
import time
from urllib.parse import urlparse

import requests

from bench import policies, search_corpus
from bench.change_to_inbox import percentile
from bench.platform import BenchPlatform
from bench.progress import Progress
from demo.enterprises import contact_phone
from demo.load import register_enterprise
from shared.clock import today_in_china
from shared.uscc import complete
from tools import chromium
from tools.sms_sink import SmsSink

PHASE = "portal"
POLICIES = 1_000
FIRST_LOADS = 10
SEARCHES = 20
PASSWORD = "bench2026ok"
USCC = complete("91371602BENCH0001")
VIEWPORT = {"width": 1366, "height": 768}
TIMEOUT_MS = 60_000
LIST_SHOWN = "() => document.querySelectorAll('[data-test=policy-item]').length > 0 ? performance.now() : false"
TOTAL_SHOWN = """(total) => {
  const count = document.querySelector('[data-test=policy-list] .count')
  return count && count.textContent.includes(`共 ${total} 条政策`)
    ? performance.now() : false
}"""
WATCH_ENTER = """() => document.querySelector('[data-test=policy-search]')
  .addEventListener('keydown', (event) => { if (event.key === 'Enter') window.__askedAt = performance.now() })"""


class PortalUnavailable(RuntimeError):
    """Chromium or Playwright is missing (tools/chromium.py says how to install them)."""


def run(platform: BenchPlatform, progress: Progress) -> tuple[dict, dict]:
    reason = chromium.missing()
    if reason:
        raise PortalUnavailable(reason)
    with SmsSink() as sms:
        platform.processes.stop("gateway", "accounts")      # started again, sending SMS to the sink
        platform.processes.env["HUIQI_SMS_URL"] = sms.url
        platform.start_extra("gateway")
        live: list[int] = []
        try:
            missing = POLICIES - _listed(platform)
            if missing > 0:
                drafts = search_corpus.policies(missing)
                live = [draft["id"] for draft in policies.create_drafts(platform, progress, drafts, phase=PHASE)]
                policies.change_status(platform, progress, live, action="publish", phase=PHASE)
            _register(platform, sms)
            progress.say(PHASE, f"{USCC} registered; measuring in {chromium.CHROMIUM}")
            return _measure(platform, progress)
        finally:
            platform.stop_extra("gateway")
            platform.processes.env.pop("HUIQI_SMS_URL", None)
            if live and platform.processes.alive("policy"):
                policies.change_status(platform, progress, live, action="withdraw", phase=PHASE)


def _register(platform: BenchPlatform, sms: SmsSink) -> None:
    admin = {"Authorization": f"Bearer {platform.admin_token}"}
    event = {"event_id": f"bench-portal-{time.time_ns()}", "source": "market-regulation",
             "occurred_at": time.strftime("%Y-%m-%dT%H:%M:%S+08:00"), "sequence": 1,
             "enterprise": {"uscc": USCC, "name": "滨州门户基准测试有限公司", "county": "371602", "employees": 30,
                            "contact_phone": contact_phone(USCC)}}
    answer = requests.post(f"{platform.gateway_url}/api/v1/events/enterprise.registered", json=event, headers=admin,
                           timeout=30)
    answer.raise_for_status()
    deadline = time.monotonic() + 60
    while requests.get(f"{platform.gateway_url}/api/v1/enterprises/{USCC}", headers=admin,
                       timeout=30).status_code != 200:
        if time.monotonic() > deadline:
            raise RuntimeError(f"{USCC} has no file 60 s after it was registered")
        time.sleep(0.2)
    register_enterprise(platform.gateway_url, USCC, PASSWORD, sms.sent_to)


def _signed_in(browser, url: str):
    context = browser.new_context(viewport=VIEWPORT, locale="zh-CN", timezone_id="Asia/Shanghai")
    context.set_default_timeout(TIMEOUT_MS)
    signed = context.request.post(f"{url}/api/v1/sessions", data={"login": USCC, "password": PASSWORD})
    if signed.status != 201:
        raise RuntimeError(f"signing in: {signed.status} {signed.text()[:300]}")
    return context


def _measure(platform: BenchPlatform, progress: Progress) -> tuple[dict, dict]:
    from playwright.sync_api import sync_playwright

    url = platform.gateway_url
    loads: list[float] = []
    assets: dict[str, int] = {}
    shown_total = 0
    with sync_playwright() as playwright:
        browser = chromium.launch(playwright)
        try:
            for number in range(FIRST_LOADS + 1):   # the first is a warm-up (the gateway's own caches)
                context = _signed_in(browser, url)
                page = context.new_page()
                fetched = _responses(page)
                page.goto(f"{url}/policies", wait_until="commit")
                shown = page.wait_for_function(LIST_SHOWN, polling="raf").json_value()
                if number:
                    loads.append(shown)
                else:
                    page.wait_for_load_state("networkidle")
                    assets = _asset_sizes(fetched, url)
                    shown_total = int(re.search(r"共 (\d+) 条", page.inner_text("[data-test=policy-list] .count"))[1])
                context.close()
            progress.say(PHASE, f"first load p50 {percentile(loads, 0.5):.0f} ms over {len(loads)} loads")

            context = _signed_in(browser, url)
            page = context.new_page()
            page.goto(f"{url}/policies")
            page.wait_for_function(LIST_SHOWN)
            page.evaluate(WATCH_ENTER)
            searches, words = [], _words(platform, shown_total)
            for word, total in words:
                page.fill("[data-test=policy-search]", word)
                page.press("[data-test=policy-search]", "Enter")
                shown = page.wait_for_function(TOTAL_SHOWN, arg=total, polling="raf").json_value()
                searches.append(shown - page.evaluate("window.__askedAt"))
            context.close()
        finally:
            browser.close()
    gzip_kib = sum(assets.values()) / 1024
    results = {"portal_first_load_p50_ms": round(percentile(loads, 0.5), 1),
               "portal_first_load_p95_ms": round(percentile(loads, 0.95), 1),
               "portal_search_p50_ms": round(percentile(searches, 0.5), 1),
               "portal_search_p95_ms": round(percentile(searches, 0.95), 1),
               "portal_first_page_gzip_kib": round(gzip_kib, 1)}
    progress.say(PHASE, ", ".join(f"{key} {value}" for key, value in results.items()))
    return results, {"policies": POLICIES, "listed_as_valid": shown_total, "words": [word for word, _ in words],
                     "first_loads_ms": [round(value, 1) for value in loads],
                     "searches_ms": [round(value, 1) for value in searches],
                     "assets_gzip_bytes": assets, "chromium": str(chromium.CHROMIUM)}


def _responses(page) -> list:
    """The responses `page` receives from now on, as they come."""
    seen: list = []
    page.on("response", lambda response: seen.append(response))
    return seen


def _asset_sizes(responses: list, url: str) -> dict[str, int]:
    """Each JavaScript and CSS file of the platform's own the page fetched, gzipped (level 6)."""
    sizes = {}
    for response in responses:
        path = urlparse(response.url).path
        if response.url.startswith(url) and path.endswith((".js", ".css")) and response.status == 200:
            sizes[path] = len(gzip.compress(response.body(), compresslevel=6))
    if not sizes:
        raise RuntimeError("the first load fetched no JavaScript or CSS of the platform's")
    return sizes


def _listed(platform: BenchPlatform, word: str = "") -> int:
    """How many policies 政策大厅 lists (published, valid today), for `word` when given."""
    answer = requests.get(f"{platform.gateway_url}/api/v1/policies", timeout=30,
                          headers={"Authorization": f"Bearer {platform.admin_token}"},
                          params={"q": word, "status": "published", "valid_on": today_in_china().isoformat(),
                                  "limit": 1})
    answer.raise_for_status()
    return answer.json()["total"]


def _words(platform: BenchPlatform, listed: int) -> list[tuple[str, int]]:
    """SEARCHES words and the total each finds as the page asks, each total unlike the one before
    (else the list would not visibly change)."""
    chosen, previous = [], listed
    for word in search_corpus.WORDS:
        total = _listed(platform, word)
        if total != previous:
            chosen.append((word, total))
            previous = total
        if len(chosen) == SEARCHES:
            break
    return chosen
