"""Teams through the real gateway: the city administrator forms them and assigns enterprises, a counsellor's
account names its team, and a counsellor reads only its own team (403 for another)."""
from __future__ import annotations

import requests

from shared.uscc import complete
from tests.integration.gateway_stand_ins import ADMIN_TOKEN

FIRST, SECOND, THIRD = (complete(f"9137160000000000{n}") for n in (1, 2, 3))


def client(base: str, token: str) -> requests.Session:
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {token}"
    session.request = _based(session.request, base)  # type: ignore[method-assign]
    return session


def _based(request, base):
    def call(method, url, *args, **kwargs):
        kwargs.setdefault("timeout", 10)
        return request(method, base + url, *args, **kwargs)
    return call


def created(response: requests.Response) -> dict:
    assert response.status_code == 201, response.text
    return response.json()


def counsellor(admin: requests.Session, base: str, team_id: int | None, name: str = "辅导员") -> requests.Session:
    body = {"name": name, "role": "counsellor", **({} if team_id is None else {"team_id": team_id})}
    return client(base, created(admin.post("/api/v1/staff", json=body))["token"])


def test_the_city_administrator_forms_a_team_and_its_counsellor_reaches_only_it(platform):
    admin = client(platform, ADMIN_TOKEN)
    county = created(admin.post("/api/v1/counsellor-teams", json={"name": "博兴县金融辅导队", "level": "county",
                                                                   "county": "371625"}))
    city = created(admin.post("/api/v1/counsellor-teams", json={"name": "市级金融辅导队", "level": "city"}))
    assert county["level"] == "county" and county["county"] == "371625" and "county" not in city
    assigned = admin.put(f"/api/v1/counsellor-teams/{county['id']}/enterprises", json={"usccs": [FIRST, SECOND]})
    assert assigned.status_code == 200, assigned.text
    assert [item["uscc"] for item in assigned.json()["enterprises"]] == sorted([FIRST, SECOND])

    taken = admin.put(f"/api/v1/counsellor-teams/{city['id']}/enterprises", json={"usccs": [SECOND, THIRD]})
    assert taken.status_code == 409 and SECOND in taken.json()["error"]["message"]

    ours = counsellor(admin, platform, county["id"])
    me = ours.get("/api/v1/me").json()
    assert me["role"] == "counsellor" and me["team_id"] == county["id"]
    assert ours.get(f"/api/v1/counsellor-teams/{county['id']}").status_code == 200
    other = ours.get(f"/api/v1/counsellor-teams/{city['id']}")
    assert other.status_code == 403, other.text
    listed = ours.get("/api/v1/counsellor-teams").json()
    assert [team["id"] for team in listed["items"]] == [county["id"]]
    assert listed["items"][0]["enterprise_count"] == 2
    assert ours.post("/api/v1/counsellor-teams", json={"name": "自建队", "level": "city"}).status_code == 403


def test_bad_team_input_names_the_field(platform):
    admin = client(platform, ADMIN_TOKEN)
    no_county = admin.post("/api/v1/counsellor-teams", json={"name": "县队", "level": "county"})
    assert no_county.status_code == 422 and "county" in no_county.text
    created(admin.post("/api/v1/counsellor-teams", json={"name": "同名队", "level": "city"}))
    twice = admin.post("/api/v1/counsellor-teams", json={"name": "同名队", "level": "province"})
    assert twice.status_code == 409 and "name" in twice.text
    unknown = admin.post("/api/v1/staff", json={"name": "辅导员", "role": "counsellor", "team_id": 999})
    assert unknown.status_code == 422 and "team_id" in unknown.text
    not_counsellor = admin.post("/api/v1/staff", json={"name": "窗口", "role": "window_clerk", "team_id": 1})
    assert not_counsellor.status_code == 422 and "team_id" in not_counsellor.text
    missing = admin.put("/api/v1/counsellor-teams/999/enterprises", json={"usccs": []})
    assert missing.status_code == 404
