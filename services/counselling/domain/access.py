"""Who reads and does what in counselling (contract section 10). A counsellor acts only for the enterprises
its team serves; an enterprise raises and reads its own problems; the city administrator forms teams,
assigns enterprises and reads everything; an assessor reads everything. The gateway lets a role through
to a route at all (services/gateway/auth.py); this module judges the scope, with the team of the
enterprise in question as this service keeps it."""
from __future__ import annotations

from shared.contracts.actors import Actor, Role
from shared.errors import Forbidden

READ_ALL = frozenset({Role.city_admin, Role.assessor})


def check_city_admin(actor: Actor, action: str) -> None:
    if actor.role is not Role.city_admin:
        raise Forbidden(f"只有市级管理员可以{action}", {"role": actor.role.value})


def _team_refusal(actor: Actor, uscc: str, team_id: int | None) -> Forbidden:
    if actor.team_id is None:
        return Forbidden("该辅导员账号未加入任何辅导团队，不能为企业办理", {"uscc": uscc})
    return Forbidden(f"企业 {uscc} 不由本辅导团队（{actor.team_id}）服务", {"uscc": uscc, "team_id": actor.team_id,
                                                                      "enterprise_team_id": team_id})


def check_counsellor(actor: Actor, uscc: str, team_id: int | None) -> int:
    """The team acting: only a counsellor of the enterprise's team. Forbidden otherwise."""
    if actor.role is not Role.counsellor:
        raise Forbidden("只有企业所属辅导团队的辅导员可以办理", {"role": actor.role.value})
    if team_id is None or actor.team_id != team_id:
        raise _team_refusal(actor, uscc, team_id)
    return team_id


def check_raiser(actor: Actor, uscc: str, team_id: int | None) -> None:
    """A problem is raised by the enterprise itself or by a counsellor of its team."""
    if actor.role is Role.enterprise:
        if actor.uscc != uscc:
            raise Forbidden(f"企业账号只能为本企业（{actor.uscc}）反映问题", {"uscc": uscc})
        return
    check_counsellor(actor, uscc, team_id)


def check_problem_reader(actor: Actor, uscc: str, team_id: int | None) -> None:
    if actor.role in READ_ALL:
        return
    if actor.role is Role.enterprise:
        if actor.uscc != uscc:
            raise Forbidden(f"企业账号只能查看本企业（{actor.uscc}）的问题", {"uscc": uscc})
        return
    check_counsellor(actor, uscc, team_id)


def check_reader(actor: Actor, uscc: str, team_id: int | None) -> None:
    """An enterprise's visits and plan: the city administrator, assessors, and its team's counsellors."""
    if actor.role in READ_ALL:
        return
    check_counsellor(actor, uscc, team_id)


def team_scope(actor: Actor, team_id: int | None) -> int | None:
    """The team a listing is limited to: a counsellor's own (Forbidden for another's), the asked one otherwise."""
    if actor.role in READ_ALL:
        return team_id
    if actor.role is not Role.counsellor or actor.team_id is None:
        raise Forbidden("只有辅导团队的辅导员、市级管理员和评估机构可以查看工作台账", {"role": actor.role.value})
    if team_id is not None and team_id != actor.team_id:
        raise Forbidden(f"辅导员只能查看本团队（{actor.team_id}）的台账", {"team_id": team_id})
    return actor.team_id


def check_team_reader(actor: Actor, team_id: int) -> None:
    team_scope(actor, team_id)
