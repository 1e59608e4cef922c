"""What every main page is checked for in Chromium: axe-core finds no critical violation, a phone
(375 px) never scrolls sideways, and a screenshot is kept under var/screenshots/ to look at."""
from __future__ import annotations

from tests.browser.conftest import AXE, SCREENSHOTS

PC = {"width": 1366, "height": 768}
PHONE = {"width": 375, "height": 812}
TIMEOUT_MS = 20_000

RUN_AXE = """async () => {
  const result = await axe.run(document, { resultTypes: ['violations'] })
  return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 3).map((node) => `${node.target.join(' ')}: ${node.html.slice(0, 160)}`) }))
}"""
WIDTHS = "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"


def new_person(chromium, viewport: dict):
    """A browser context of one person's own (cookies, storage), in Chinese. The gateway's
    Content-Security-Policy refuses inline scripts: it is bypassed so that axe-core can be injected."""
    context = chromium.new_context(viewport=viewport, locale="zh-CN", timezone_id="Asia/Shanghai",
                                   bypass_csp=True, device_scale_factor=1)
    context.set_default_timeout(TIMEOUT_MS)
    return context


def settle(page) -> None:
    """Until no request is in flight and Element Plus's loading masks are gone."""
    page.wait_for_load_state("networkidle")
    page.wait_for_function("() => !document.querySelector('.el-loading-mask')", timeout=TIMEOUT_MS)


def critical_violations(page) -> list[dict]:
    if not page.evaluate("() => typeof axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    return [violation for violation in page.evaluate(RUN_AXE) if violation["impact"] == "critical"]


def check(page, name: str, *, phone: bool = False, sideways: bool = False) -> None:
    """The page as a person sees it now: no critical accessibility violation, on a phone no sideways
    scrolling (unless `sideways`: a PC page seen on a phone), and a screenshot
    var/screenshots/<name>-<pc|375>.png."""
    settle(page)
    found = critical_violations(page)
    assert not found, f"{name}: critical accessibility violations: {found}"
    if phone and not sideways:
        scroll, client = page.evaluate(WIDTHS)
        assert scroll <= client, f"{name} scrolls sideways at 375 px: content {scroll} px wide, window {client} px"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}-{'375' if phone else 'pc'}.png"), full_page=True)
