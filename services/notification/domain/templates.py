"""What a message beyond the inbox says, in Chinese: short enough for one SMS segment (70 characters)
with a link into the portal (HUIQI_PUBLIC_URL), whatever the notice's title. E-mail and WeChat say the
same; they have no such limit but gain nothing from being longer."""
from __future__ import annotations

SMS_LIMIT = 70
SIGNATURE = "【惠企平台】"
ELLIPSIS = "…"

# notice kind -> what the message says before the notice's title
LEADS = {
    "policy_matched": "新匹配政策",
    "proactive_offer": "免申即享待确认",
    "proactive_offer_withdrawn": "免申即享已撤回",
    "application_returned": "申请被退回需补充",
    "application_completed": "申请已办结",
    "application_rejected": "申请未通过",
    "survey": "问卷邀请",
}
DIGEST_LEAD = "今日新匹配政策{count}项"
ALARM_LEAD = "预警"


def link(public_url: str) -> str:
    return public_url.rstrip("/") + "/"


def notice_text(kind: str, title: str, public_url: str) -> str:
    """`【惠企平台】新匹配政策：<title>，详见 <link>`, the title cut (…) to fit one SMS segment."""
    return _fitted(f"{SIGNATURE}{LEADS.get(kind, '新通知')}：", title, f" 详见{link(public_url)}")


def digest_text(titles: list[str], public_url: str) -> str:
    """One message for the day's new matches: how many, and their titles as far as they fit."""
    return _fitted(f"{SIGNATURE}{DIGEST_LEAD.format(count=len(titles))}：", "、".join(titles),
                   f" 详见{link(public_url)}")


def alarm_text(title: str, public_url: str) -> str:
    """A staff alarm: `【惠企平台】预警：<what is overdue>，详见 <link>`, cut to one SMS segment like a notice."""
    return _fitted(f"{SIGNATURE}{ALARM_LEAD}：", title, f" 详见{link(public_url)}")


def _fitted(head: str, body: str, tail: str) -> str:
    room = SMS_LIMIT - len(head) - len(tail)
    if len(body) > room:
        # a link too long to leave room keeps the link whole: it is what the reader needs
        body = body[:max(room - 1, 0)] + ELLIPSIS if room > 1 else ""
    return f"{head}{body}{tail}"
