"""The ALV API (/api/v1/meetings, /api/v1/polls): the historical meetings of 2016 with their
published results, and the technical chair's whole flow with a vng_admin token - meeting,
attendance, poll, open, ballots by stemgerechtigden of different members, close, publish."""

import sqlalchemy as sa

from governance.models import Attendance, Ballot, Meeting
from portal.auth.models import Role
from portal.db import db
from tests.alv.conftest import (
    AMELAND,
    AMSTERDAM,
    SCHIERMONNIKOOG,
    UTRECHT,
    VLIELAND,
    achterhoek_code,
    historical_meeting,
)

ITEM_NUMBERS_2016 = [f"{n:02d}" for n in range(1, 12)] + ["11a", "11b"]
ITEM_NUMBERS_2016 += [f"{n:02d}" for n in range(12, 17)]


def test_the_historical_meetings_are_listed(client):
    response = client.get("/api/v1/meetings")
    assert response.status_code == 200
    items = response.get_json()["items"]
    listed = {(m["kind"], m["date"]): m for m in items}
    assert ("alv", "2016-06-08") in listed
    assert ("balv", "2016-11-30") in listed
    assert listed[("alv", "2016-06-08")]["historical"] is True
    assert listed[("balv", "2016-11-30")]["historical"] is True
    dates = [m["date"] for m in items]
    assert dates == sorted(dates, reverse=True)  # newest first
    assert "items" not in items[0]


def test_the_alv_of_8_june_2016_with_its_published_results(client):
    meeting = historical_meeting("2016-06-08")
    response = client.get(f"/api/v1/meetings/{meeting.id}")
    assert response.status_code == 200
    data = response.get_json()
    assert (data["kind"], data["date"], data["historical"]) == ("alv", "2016-06-08", True)
    assert [i["number"] for i in data["items"]] == ITEM_NUMBERS_2016
    items = {i["number"]: i for i in data["items"]}

    (contribution,) = items["07"]["subjects"]
    assert contribution["title"] == "Contributievoorstel 2017"
    assert contribution["state"] == "aangenomen"
    assert contribution["historical_result"] == {"voor_pct": "97.68", "tegen_pct": "2.32"}
    assert contribution["polls"] == []  # individual votes are unknown: nothing invented

    # two decimals always, as the percentages are published
    (consolidation,) = items["09"]["subjects"]
    assert consolidation["historical_result"] == {"voor_pct": "98.80", "tegen_pct": "1.20"}
    statutes = items["13"]["subjects"][0]
    assert statutes["majority_rule"] == "two_thirds"
    assert statutes["historical_result"] == {"voor_pct": "99.38", "tegen_pct": "0.62"}
    motions = {s["title"]: s for s in items["15"]["subjects"]}
    assert motions["Motie Houtrook"]["state"] == "aangehouden"
    assert motions["Motie Houtrook"]["historical_result"] is None
    assert [s["kind"] for s in items["11a"]["subjects"]] == ["motie", "voorstel"]


def test_an_unknown_meeting_or_poll_is_404(client):
    assert client.get("/api/v1/meetings/999999").status_code == 404
    response = client.get("/api/v1/polls/999999")
    assert response.status_code == 404
    assert response.get_json()["error"]["status"] == 404


def test_the_technical_chairs_flow(client, make_user, token):
    gewest = achterhoek_code()
    admin = token(make_user(Role.VNG_ADMIN))
    voters = {
        code: token(make_user(Role.STEMGERECHTIGDE, code))
        for code in (AMSTERDAM, UTRECHT, VLIELAND, gewest, AMELAND)
    }

    # meeting
    response = client.post(
        "/api/v1/meetings",
        json={"kind": "alv", "date": "2017-06-01", "place": "Test"},
        headers=admin,
    )
    assert response.status_code == 201, response.get_json()
    meeting = response.get_json()
    assert (meeting["kind"], meeting["date"], meeting["historical"]) == ("alv", "2017-06-01", False)
    meeting_id = meeting["id"]

    # attendance: an unknown code refuses the whole list
    response = client.post(
        f"/api/v1/meetings/{meeting_id}/attendance",
        json={"members": [UTRECHT, "GM9999"]},
        headers=admin,
    )
    assert response.status_code == 409
    assert "GM9999" in response.get_json()["error"]["message"]
    assert _present(meeting_id) == set()

    present = [SCHIERMONNIKOOG, VLIELAND, UTRECHT, AMSTERDAM, gewest]
    response = client.post(
        f"/api/v1/meetings/{meeting_id}/attendance", json={"members": present}, headers=admin
    )
    assert response.status_code == 200
    assert response.get_json() == {"meeting": meeting_id, "added": 5, "present": 5}
    assert _present(meeting_id) == set(present)
    response = client.post(
        f"/api/v1/meetings/{meeting_id}/attendance", json={"members": [UTRECHT]}, headers=admin
    )
    assert response.get_json()["added"] == 0  # registering twice changes nothing

    # poll
    response = client.post(
        f"/api/v1/meetings/{meeting_id}/polls",
        json={"title": "Wijziging statuten", "majority_rule": "two_thirds"},
        headers=admin,
    )
    assert response.status_code == 201, response.get_json()
    poll = response.get_json()
    assert (poll["state"], poll["majority_rule"], poll["title"]) == (
        "draft",
        "two_thirds",
        "Wijziging statuten",
    )
    poll_id = poll["id"]
    url = f"/api/v1/polls/{poll_id}"

    # no ballots before opening
    response = client.post(f"{url}/ballots", json={"choice": "voor"}, headers=voters[AMSTERDAM])
    assert response.status_code == 409

    response = client.post(f"{url}/open", headers=admin)
    assert response.status_code == 200
    opened = response.get_json()
    assert opened["state"] == "open"
    assert opened["weights_reference_date"] == "2017-01-01"
    assert (opened["eligible_members"], opened["eligible_weight"]) == (5, 9 + 10 + 75 + 75 + 29)
    assert client.post(f"{url}/open", headers=admin).status_code == 409  # opening twice

    # ballots, each by a representative of its own member
    for code, choice in (
        (AMSTERDAM, "voor"),
        (VLIELAND, "voor"),
        (VLIELAND, "tegen"),  # changed before closing
        (gewest, "tegen"),
        (UTRECHT, "onthouding"),
    ):
        response = client.post(f"{url}/ballots", json={"choice": choice}, headers=voters[code])
        assert response.status_code == 200, response.get_json()
        assert response.get_json() == {"poll": poll_id, "member": code, "choice": choice}

    response = client.post(f"{url}/ballots", json={"choice": "ja"}, headers=voters[AMSTERDAM])
    assert response.status_code == 400
    assert response.get_json()["error"]["parameter"] == "choice"
    assert "choice" in response.get_json()["error"]["message"]
    response = client.post(f"{url}/ballots", json=["voor"], headers=voters[AMSTERDAM])
    assert response.status_code == 400
    it = token(make_user(Role.GEMEENTE_IT, UTRECHT))
    assert client.post(f"{url}/ballots", json={"choice": "voor"}, headers=it).status_code == 403
    assert client.post(f"{url}/ballots", json={"choice": "voor"}).status_code == 401
    response = client.post(f"{url}/ballots", json={"choice": "voor"}, headers=voters[AMELAND])
    assert response.status_code == 409  # Ameland is not present
    assert "niet aanwezig" in response.get_json()["error"]["message"]

    # running totals stay hidden while open
    running = client.get(url).get_json()
    assert running["state"] == "open"
    assert running["ballots_cast"] == 4
    for hidden in ("voor", "tegen", "onthouding", "voor_pct", "tegen_pct", "outcome"):
        assert running[hidden] is None, hidden

    # the chair's actions need a vng_admin token
    assert client.post(f"{url}/close", headers=voters[AMSTERDAM]).status_code == 403
    assert client.post(f"{url}/close").status_code == 401

    response = client.post(f"{url}/close", headers=admin)
    assert response.status_code == 200
    closed = client.get(url).get_json()
    assert closed["state"] == "closed"
    # 75 voor against 10 + 29 tegen: a simple majority, but less than two thirds (75 < 78)
    assert (closed["voor"], closed["tegen"], closed["onthouding"]) == (75, 39, 75)
    assert all(type(closed[k]) is int for k in ("voor", "tegen", "onthouding"))
    assert (closed["voor_pct"], closed["tegen_pct"]) == ("65.79", "34.21")
    assert closed["outcome"] == "verworpen"
    assert closed["ballots_cast"] == 4
    assert closed["turnout_weight_pct"] == "95.45"  # 189 of 198

    response = client.post(f"{url}/ballots", json={"choice": "voor"}, headers=voters[UTRECHT])
    assert response.status_code == 409
    assert _ballot_choices(poll_id)[UTRECHT] == "onthouding"
    assert client.post(f"{url}/publish", headers=voters[UTRECHT]).status_code == 403

    response = client.post(f"{url}/publish", headers=admin)
    assert response.status_code == 200
    published = response.get_json()
    assert published["state"] == "published"
    assert published["outcome"] == "verworpen"
    assert client.post(f"{url}/publish", headers=admin).status_code == 409
    response = client.post(f"{url}/ballots", json={"choice": "voor"}, headers=voters[VLIELAND])
    assert response.status_code == 409

    detail = client.get(f"/api/v1/meetings/{meeting_id}").get_json()
    (item,) = detail["items"]
    (subject,) = item["subjects"]
    assert subject["state"] == "verworpen"
    assert subject["majority_rule"] == "two_thirds"
    assert [p["id"] for p in subject["polls"]] == [poll_id]
    assert _ballot_choices(poll_id) == {
        AMSTERDAM: "voor",
        VLIELAND: "tegen",
        gewest: "tegen",
        UTRECHT: "onthouding",
    }


def test_the_chair_endpoints_refuse_bad_input(client, make_user, token):
    admin = token(make_user(Role.VNG_ADMIN))
    meetings_before = db.session.scalar(sa.select(sa.func.count(Meeting.id)))
    response = client.post("/api/v1/meetings", json={"kind": "alv", "date": "x"}, headers=admin)
    assert response.status_code == 400
    assert response.get_json()["error"]["parameter"] == "date"
    response = client.post(
        "/api/v1/meetings", json={"kind": "gala", "date": "2017-06-01"}, headers=admin
    )
    assert response.get_json()["error"]["parameter"] == "kind"
    meeting = historical_meeting("2016-11-30")
    response = client.post(
        f"/api/v1/meetings/{meeting.id}/attendance", json={"members": "GM0344"}, headers=admin
    )
    assert response.status_code == 400
    assert response.get_json()["error"]["parameter"] == "members"
    response = client.post(
        f"/api/v1/meetings/{meeting.id}/polls",
        json={"title": "X", "majority_rule": "unanimous"},
        headers=admin,
    )
    assert response.status_code == 400
    assert response.get_json()["error"]["parameter"] == "majority_rule"
    response = client.post(f"/api/v1/meetings/{meeting.id}/polls", json={}, headers=admin)
    assert response.get_json()["error"]["parameter"] == "title"
    stemgerechtigde = token(make_user(Role.STEMGERECHTIGDE, UTRECHT))
    response = client.post(
        "/api/v1/meetings", json={"kind": "alv", "date": "2017-06-01"}, headers=stemgerechtigde
    )
    assert response.status_code == 403
    assert db.session.scalar(sa.select(sa.func.count(Meeting.id))) == meetings_before


def _present(meeting_id: int) -> set[str]:
    db.session.expire_all()
    rows = db.session.scalars(sa.select(Attendance).where(Attendance.meeting_id == meeting_id))
    return {a.member.code for a in rows}


def _ballot_choices(poll_id: int) -> dict[str, str]:
    db.session.expire_all()
    rows = db.session.scalars(sa.select(Ballot).where(Ballot.poll_id == poll_id))
    return {b.member.code: b.choice.value for b in rows}
