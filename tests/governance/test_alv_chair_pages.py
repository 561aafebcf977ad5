"""The technical chair runs a meeting from the portal: create it, register attendance, add
items and subjects, settle a motion without a vote, prepare, open, close and publish a poll."""

import re

import sqlalchemy as sa

from governance.models import Meeting, PollState, SubjectState
from portal.audit import Actor
from portal.auth import services as accounts
from portal.auth.models import Role
from portal.db import db


def _chair(client):
    user, _ = accounts.create_user(
        Actor.system("test"), "chair@alv.example", {Role.VNG_ADMIN}, None, "wachtwoord-12345"
    )
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_fresh"] = True


def _post(client, url: str, action: str, prefix: str, **fields):
    html = client.get(url).get_data(as_text=True)
    token = re.search(r'csrf_token"[^>]*value="([^"]+)"', html).group(1)
    data = {"csrf_token": token, "action": action}
    data.update({f"{prefix}-{k}": v for k, v in fields.items()})
    if prefix:
        data[f"{prefix}-csrf_token"] = token
    return client.post(url, data=data)


def test_a_meeting_from_creation_to_published_result(client):
    _chair(client)
    html = client.get("/vergaderingen/nieuw").get_data(as_text=True)
    token = re.search(r'csrf_token"[^>]*value="([^"]+)"', html).group(1)
    created = client.post(
        "/vergaderingen/nieuw",
        data={
            "csrf_token": token,
            "kind": "alv",
            "date": "2017-06-14",
            "place": "Den Haag",
            "technical_chair": "de heer Weterings",
        },
    )
    assert created.status_code == 302
    meeting = db.session.scalar(sa.select(Meeting).where(Meeting.place == "Den Haag"))
    url = f"/vergaderingen/{meeting.id}/beheer"

    assert (
        _post(client, url, "aanwezigheid", "a", members="GM0088 GM0344, GM0363").status_code == 302
    )
    assert (
        _post(
            client, url, "agendapunt", "i", number="07", title="Contributie 2018", kind="besluit"
        ).status_code
        == 302
    )
    db.session.expire_all()
    item = meeting.items[0]
    for title, kind in (("Contributievoorstel 2018", "voorstel"), ("Motie houtrook", "motie")):
        assert (
            _post(
                client,
                url,
                "onderwerp",
                "s",
                item=str(item.id),
                kind=kind,
                title=title,
                majority_rule="simple",
                board_advice="",
            ).status_code
            == 302
        )
    db.session.expire_all()
    proposal, motion = meeting.items[0].subjects
    _post(client, url, "afloop", "f", subject=str(motion.id), state="aangehouden")
    _post(client, url, "stemming", "p", subject=str(proposal.id))
    db.session.expire_all()
    assert motion.state is SubjectState.AANGEHOUDEN
    (poll,) = proposal.polls
    for action in ("openen", "sluiten", "publiceren"):
        html = client.get(f"/stemmingen/{poll.id}").get_data(as_text=True)
        token = re.search(r'csrf_token"[^>]*value="([^"]+)"', html).group(1)
        client.post(f"/stemmingen/{poll.id}/{action}", data={"csrf_token": token})
    db.session.expire_all()
    assert poll.state is PollState.PUBLISHED
    assert {w.member.code: w.votes for w in poll.weights} == {
        "GM0088": 9,
        "GM0344": 75,
        "GM0363": 75,
    }
    assert proposal.state is SubjectState.VERWORPEN  # no ballots: 0 - 0 is not a majority


def test_unknown_member_codes_register_nobody(client):
    _chair(client)
    meeting = Meeting(kind="alv", date=__import__("datetime").date(2017, 6, 14))
    db.session.add(meeting)
    db.session.flush()
    url = f"/vergaderingen/{meeting.id}/beheer"
    _post(client, url, "aanwezigheid", "a", members="GM0344 GM9999")
    db.session.expire_all()
    assert meeting.attendance == []
    assert "GM9999" in client.get(url).get_data(as_text=True)


def test_one_voting_representative_per_member():
    import pytest

    actor = Actor.system("test")
    accounts.create_user(
        actor, "stem1@alv.example", {Role.STEMGERECHTIGDE}, "GM0088", "wachtwoord-12345"
    )
    with pytest.raises(accounts.AccountError, match="al een stemgerechtigde"):
        accounts.create_user(
            actor, "stem2@alv.example", {Role.STEMGERECHTIGDE}, "GM0088", "wachtwoord-12345"
        )
    other, _ = accounts.create_user(
        actor, "stem3@alv.example", {Role.STEMGERECHTIGDE}, "GM0344", "wachtwoord-12345"
    )
    assert other.member.code == "GM0344"


def test_the_minutes_are_also_a_pdf(client):
    meeting = db.session.scalar(sa.select(Meeting).where(Meeting.kind == "alv"))
    response = client.get(f"/vergaderingen/{meeting.id}/notulen.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF") and len(response.data) > 5_000
    assert "notulen-alv-2016-06-08.pdf" in response.headers["Content-Disposition"]
