"""Gift packs (大礼包, contract section 6): the public page a pack's QR code points at, the QR code
itself. Pure: no Nameko, no database.
"""
from __future__ import annotations

import io
from collections.abc import Mapping
from html import escape
from typing import Any

import segno

from shared.contracts.policies import PolicyStatus

# A pack is printed on posters and leaflets; M tolerates a scuffed or partly covered print while
# keeping the symbol small. Four modules of quiet zone is what the QR standard asks of a reader.
QR_ERROR = "m"
QR_BORDER = 4

STATUS_LABELS = {PolicyStatus.draft: "未发布", PolicyStatus.withdrawn: "已撤回", PolicyStatus.expired: "已过期"}


def pack_url(public_base_url: str, code: str) -> str:
    """The public page of a pack: `https://example.gov.cn/huiqi` + `ab3k…` gives `…/huiqi/packs/ab3k…`."""
    return f"{public_base_url.rstrip('/')}/packs/{code.strip('/')}"


def _qr(url: str) -> segno.QRCode:
    # make_qr never picks a Micro QR code, which many phone cameras cannot read; boost_error is off
    # so the error level is the documented one, not whatever happens to fit.
    return segno.make_qr(url, error=QR_ERROR, boost_error=False)


def qr_png(url: str, scale: int = 8) -> bytes:
    """A black-on-white PNG of the URL's QR code, `scale` pixels per module."""
    out = io.BytesIO()
    _qr(url).save(out, kind="png", scale=scale, border=QR_BORDER)
    return out.getvalue()


def qr_svg(url: str, scale: int = 4, *, title: str | None = None) -> bytes:
    """A standalone SVG document (XML declaration, namespace, `<title>`; the URL unless `title` is given)."""
    out = io.BytesIO()
    _qr(url).save(out, kind="svg", scale=scale, border=QR_BORDER, xmldecl=True, svgns=True,
                  title=title if title is not None else url, encoding="utf-8")
    return out.getvalue()


_CSS = """
*{box-sizing:border-box}
body{margin:0;font-family:-apple-system,"PingFang SC","Microsoft YaHei","Noto Sans CJK SC",sans-serif;
background:#f4f5f7;color:#1f2329;line-height:1.6}
header{background:#c8161d;color:#fff;padding:20px 16px}
header h1{margin:0;font-size:1.35rem}
header p{margin:4px 0 0;opacity:.85;font-size:.9rem}
main{max-width:720px;margin:0 auto;padding:12px}
article{background:#fff;border-radius:8px;padding:14px 16px;margin:0 0 12px;box-shadow:0 1px 2px rgba(0,0,0,.06)}
article h2{margin:0 0 4px;font-size:1.1rem}
article.inactive{opacity:.65}
.dept,.dates{margin:0;color:#646a73;font-size:.85rem}
.summary{margin:8px 0}
.badge{display:inline-block;margin:0 6px 4px 0;padding:0 8px;border-radius:10px;font-size:.75rem;line-height:1.6rem}
.proactive{background:#e8f7ee;color:#11833b}
.redeemable{background:#fff3e0;color:#b65c00}
.status{background:#eceef1;color:#646a73}
.empty{text-align:center;color:#646a73}
footer{text-align:center;color:#8f959e;font-size:.75rem;padding:8px 0 24px}
""".strip()


def _text(value: Any) -> str:
    return escape("" if value is None else str(value))


def _dates(policy: Mapping[str, Any]) -> str:
    valid_from, valid_to = policy.get("valid_from"), policy.get("valid_to")
    if valid_from and valid_to:
        return f"有效期：{_text(valid_from)} 至 {_text(valid_to)}"
    if valid_to:
        return f"截止日期：{_text(valid_to)}"
    if valid_from:
        return f"起始日期：{_text(valid_from)}"
    return ""


def _policy_card(policy: Mapping[str, Any]) -> str:
    status = policy.get("status") or PolicyStatus.published
    badges = []
    if status in STATUS_LABELS:
        badges.append(f'<span class="badge status">{STATUS_LABELS[status]}</span>')
    if policy.get("proactive"):
        badges.append('<span class="badge proactive">免申即享</span>')
    if policy.get("redeemable"):
        badges.append('<span class="badge redeemable">可兑现</span>')
    department = policy.get("department_name") or policy.get("department")
    parts = [f'<article class="{"policy" if status == PolicyStatus.published else "policy inactive"}">',
             f"<h2>{_text(policy.get('title'))}</h2>"]
    if badges:
        parts.append(f"<div>{''.join(badges)}</div>")
    if department:
        parts.append(f'<p class="dept">{_text(department)}</p>')
    if policy.get("summary"):
        parts.append(f'<p class="summary">{_text(policy["summary"])}</p>')
    dates = _dates(policy)
    if dates:
        parts.append(f'<p class="dates">{dates}</p>')
    parts.append("</article>")
    return "\n".join(parts)


def render_page(pack: Mapping[str, Any]) -> str:
    """The public HTML page of a pack: every policy in it, withdrawn and expired ones marked, not hidden.

    Self-contained (inline CSS, no scripts, nothing loaded from elsewhere), so it opens quickly on
    a phone that just scanned the code and cannot be used to run anything a policy title smuggles in.
    """
    policies = list(pack.get("policies") or [])
    title = _text(pack.get("title") or "惠企政策大礼包")
    cards = "\n".join(_policy_card(policy) for policy in policies) or '<p class="empty">暂无政策</p>'
    return f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
{_CSS}
</style>
</head>
<body>
<header>
<h1>{title}</h1>
<p>共 {len(policies)} 项政策</p>
</header>
<main>
{cards}
</main>
<footer>惠企政策平台</footer>
</body>
</html>
"""
