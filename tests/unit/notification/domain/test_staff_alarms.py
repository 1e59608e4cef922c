"""Which staff a staff alarm reaches and on which channels, and what the message says."""
from services.notification.domain import staff_alarms
from services.notification.domain.templates import SMS_LIMIT, alarm_text
from shared.contracts.events import AlarmAudience


def staff(account_id, role, *, department=None, county=None, team_id=None, phone="13812345678", email=None,
          active=True) -> dict:
    return {"account_id": account_id, "role": role, "department": department, "county": county, "team_id": team_id,
            "phone": phone, "email": email, "active": active}


EVERYONE = [staff("staff-1", "department_staff", department="finance"),
            staff("staff-2", "department_staff", department="hrss"),
            staff("staff-3", "county_staff", county="371625"),
            staff("staff-4", "counsellor", team_id=5), staff("staff-5", "counsellor", team_id=6),
            staff("staff-6", "department_staff", department="finance", active=False),
            staff("staff-7", "city_admin")]


def reached(*audience: AlarmAudience) -> list[str]:
    return [one["account_id"] for one in staff_alarms.recipients(audience, EVERYONE)]


def test_an_alarm_reaches_the_active_staff_of_its_role_and_scope_only():
    assert reached(AlarmAudience(role="department_staff", department="finance")) == ["staff-1"]
    assert reached(AlarmAudience(role="county_staff", county="371625"),
                   AlarmAudience(role="department_staff", department="hrss")) == ["staff-2", "staff-3"]
    assert reached(AlarmAudience(role="counsellor", team_ids=[6])) == ["staff-5"]
    assert reached(AlarmAudience(role="counsellor", team_ids=[])) == []
    assert reached(AlarmAudience(role="city_admin")) == ["staff-7"]


def test_a_staff_member_is_sent_on_each_channel_they_can_be_reached_on_that_is_configured():
    both = staff("staff-1", "city_admin", email="a@example.gov.cn")
    assert staff_alarms.addresses(both, {"in_app", "sms", "email"}) == [("sms", "13812345678"),
                                                                         ("email", "a@example.gov.cn")]
    assert staff_alarms.addresses(both, {"in_app", "email"}) == [("email", "a@example.gov.cn")]
    assert staff_alarms.addresses(staff("staff-2", "city_admin", phone=None), {"sms", "email"}) == []
    assert staff_alarms.key("application.stage3.overdue", "staff-1", "sms") == \
        "alarm.application.stage3.overdue.staff-1.sms"


def test_an_alarms_message_fits_one_sms_with_its_link():
    text = alarm_text("申请12的审核环节已超期" * 10, "https://huiqi.example")
    assert text.startswith("【惠企平台】预警：申请12") and text.endswith(" 详见https://huiqi.example/")
    assert len(text) <= SMS_LIMIT


def test_a_units_matter_is_for_its_departments_and_its_countys_staff_else_the_city_administrators():
    assert reached(*AlarmAudience.of_unit("finance", "371625")) == ["staff-1", "staff-3"]
    assert reached(*AlarmAudience.of_unit("hrss", None)) == ["staff-2"]
    assert reached(*AlarmAudience.of_unit(None, None)) == ["staff-7"]


def test_an_alarms_post_to_the_wechat_group_is_keyed_by_the_alarm_alone():
    assert staff_alarms.group_key("policy.question12.overdue") == "alarm.policy.question12.overdue.wechat"
    personal = {staff_alarms.key("policy.question12.overdue", one["account_id"], channel)
                for one in EVERYONE for channel in staff_alarms.CHANNELS}
    assert staff_alarms.group_key("policy.question12.overdue") not in personal
