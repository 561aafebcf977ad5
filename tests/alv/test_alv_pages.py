"""The ALV pages: the meetings and their results in Dutch, the projector screen (complete without
JavaScript), voting through the poll page, the named-vote register, and the minutes - drafts from
the record, the committee of three, approval per item, the export, and who may change them."""

import csv
import datetime as dt
import html
import io
import re

import pytest
import sqlalchemy as sa

from governance import polls
from governance.models import (
    AgendaItem,
    Ballot,
    BallotChoice,
    MajorityRule,
    MinutesCommittee,
    MinutesText,
    Subject,
)
from portal.auth.models import Role
from portal.db import db
from tests.alv.conftest import (
    ACTOR,
    AMELAND,
    AMSTERDAM,
    SCHIERMONNIKOOG,
    UTRECHT,
    VLIELAND,
    Alv,
    csrf_token,
    flashed,
    historical_meeting,
    log_in,
    member,
)

VOOR, TEGEN, ONTHOUDING = BallotChoice.VOOR, BallotChoice.TEGEN, BallotChoice.ONTHOUDING


def _text(response) -> str:
    """The page's text without tags, entities decoded, whitespace collapsed."""
    body = re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))
    return " ".join(html.unescape(body).split())


def _poll(alv: Alv, votes: dict[str, BallotChoice] | None = None, rule=None, state="open"):
    """A poll on the 2017 meeting; by default 75 voor against 39 tegen under two thirds."""
    poll = polls.create_poll(
        ACTOR, alv.subject("Wijziging statuten", rule or MajorityRule.TWO_THIRDS)
    )
    polls.open_poll(ACTOR, poll)
    if votes is None:
        votes = {AMSTERDAM: VOOR, VLIELAND: TEGEN, alv.gewest: TEGEN, UTRECHT: ONTHOUDING}
    for code, choice in votes.items():
        polls.cast_ballot(ACTOR, poll, member(code), choice)
    if state in ("closed", "published"):
        polls.close_poll(ACTOR, poll)
    if state == "published":
        polls.publish_poll(ACTOR, poll)
    db.session.commit()
    return poll


# --- meetings ---------------------------------------------------------------------------------


def test_the_meetings_list(client):
    response = client.get("/vergaderingen/")
    assert response.status_code == 200
    text = _text(response)
    assert "8 juni 2016" in text and "30 november 2016" in text
    assert "historisch verslag" in text
    for date in ("2016-06-08", "2016-11-30"):
        assert f'href="/vergaderingen/{historical_meeting(date).id}"' in response.get_data(
            as_text=True
        )


def test_the_historical_meeting_page_shows_the_published_percentages(client):
    meeting = historical_meeting("2016-06-08")
    response = client.get(f"/vergaderingen/{meeting.id}")
    assert response.status_code == 200
    text = _text(response)
    assert "Historische vergadering" in text
    assert "de individuele stemmen zijn niet bekend" in text
    assert "Voor 97,68%, Tegen 2,32%" in text  # item 07, contribution 2017
    assert "Voor 98,80%, Tegen 1,20%" in text  # item 09, published as 98.8
    assert "11a. " in text and "11b. " in text
    assert "twee derde meerderheid" in text  # item 13, the statutes
    assert "97.68" not in text


def test_a_poll_result_appears_on_the_meeting_page_once_closed(client, alv):
    poll = _poll(alv)
    url = f"/vergaderingen/{alv.meeting.id}"
    text = _text(client.get(url))
    assert "Aanwezige leden 5" in text
    assert f"Stemming {poll.id} (open)" in text
    assert "65,79%" not in text  # running totals stay hidden while the poll is open
    polls.close_poll(ACTOR, poll)
    db.session.commit()
    assert "Voor 65,79%, Tegen 34,21% – verworpen" in _text(client.get(url))
    assert "Historische vergadering" not in _text(client.get(url))


# --- projector --------------------------------------------------------------------------------


def test_the_projector_works_without_javascript(client, alv):
    url = f"/vergaderingen/{alv.meeting.id}/scherm"
    assert "Er is nog geen stemming." in _text(client.get(url))

    poll = _poll(alv)
    response = client.get(url)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    text = _text(response)
    assert "Wijziging statuten" in text
    assert re.search(r'data-field="state">open<', page)
    assert re.search(r'data-field="ballots_cast">4<', page)
    assert "van 5 aanwezige leden" in text
    assert re.search(r'data-field="voor_pct">—<', page)
    assert re.search(r'data-field="outcome">stemming loopt<', page)
    assert f'data-poll-url="/api/v1/polls/{poll.id}"' in page
    assert '<script src="/static/live.js" defer></script>' in page

    polls.close_poll(ACTOR, poll)
    db.session.commit()
    page = client.get(url).get_data(as_text=True)
    assert re.search(r'data-field="state">gesloten<', page)
    assert re.search(r'data-field="voor_pct">65,79%<', page)
    assert re.search(r'data-field="tegen_pct">34,21%<', page)
    assert re.search(r'data-field="outcome">verworpen<', page)


def test_live_js_updates_the_fields_the_screen_serves(client, alv):
    _poll(alv)
    page = client.get(f"/vergaderingen/{alv.meeting.id}/scherm").get_data(as_text=True)
    script = client.get("/static/live.js")
    assert script.status_code == 200
    source = script.get_data(as_text=True)
    script.close()
    assert "data-poll-url" in source
    served = set(re.findall(r'data-field="([a-z_]+)"', page))
    updated = set(re.findall(r"^\s+(\w+): ", source, re.M)) & served
    assert served == {"state", "ballots_cast", "voor_pct", "tegen_pct", "outcome"}
    assert updated == served
    # its polling URL answers with exactly those fields
    poll_url = re.search(r'data-poll-url="([^"]+)"', page).group(1)
    assert served <= set(client.get(poll_url).get_json())


# --- voting on the poll page ------------------------------------------------------------------


def test_a_representative_votes_through_the_poll_page(client, alv, make_user):
    poll = _poll(alv, votes={})
    log_in(client, make_user(Role.STEMGERECHTIGDE, UTRECHT))
    url = f"/stemmingen/{poll.id}"
    page = client.get(url)
    assert page.status_code == 200
    assert "Uw stem namens Utrecht" in _text(page)
    assert "nu:" not in _text(page)
    token = csrf_token(page)

    assert client.post(url, data={"choice": "voor"}).status_code == 400  # no CSRF token
    assert _choice(poll, UTRECHT) is None

    response = client.post(url, data={"choice": "voor", "csrf_token": token})
    assert response.status_code == 302
    page = client.get(url)
    assert "Uw stem (voor) voor Utrecht is geregistreerd." in flashed(page)
    assert "nu: voor" in _text(page)
    assert _choice(poll, UTRECHT) == (VOOR, 0)

    client.post(url, data={"choice": "tegen", "csrf_token": token})
    assert "nu: tegen" in _text(client.get(url))
    assert _choice(poll, UTRECHT) == (TEGEN, 1)

    assert client.post(url, data={"choice": "ja", "csrf_token": token}).status_code == 400
    assert _choice(poll, UTRECHT) == (TEGEN, 1)

    polls.close_poll(ACTOR, poll)
    db.session.commit()
    client.post(url, data={"choice": "voor", "csrf_token": token})
    page = client.get(url)
    assert "Niet uitgevoerd" in flashed(page)
    assert _choice(poll, UTRECHT) == (TEGEN, 1)
    assert "Uw stem namens" not in _text(page)  # no form once closed


def test_only_a_present_representative_can_vote_on_the_page(app, client, alv, make_user):
    poll = _poll(alv, votes={})
    url = f"/stemmingen/{poll.id}"
    log_in(client, make_user(Role.STEMGERECHTIGDE, AMELAND))
    token = csrf_token(client.get(url))
    client.post(url, data={"choice": "voor", "csrf_token": token})
    assert "niet aanwezig" in flashed(client.get(url))
    assert _choice(poll, AMELAND) is None

    other = app.test_client()
    log_in(other, make_user(Role.GEMEENTE_IT, UTRECHT))
    page = other.get(url)
    assert "Uw stem namens" not in _text(page)
    response = other.post(url, data={"choice": "voor", "csrf_token": csrf_token(page)})
    assert response.status_code == 403
    assert _choice(poll, UTRECHT) is None


def _choice(poll, code: str):
    db.session.expire_all()
    ballot = db.session.scalar(
        sa.select(Ballot).where(Ballot.poll_id == poll.id, Ballot.member_id == member(code).id)
    )
    return (ballot.choice, ballot.changes) if ballot else None


# --- named-vote register ----------------------------------------------------------------------


def test_the_named_vote_register_is_public_only_after_publication(client, alv):
    poll = _poll(alv)
    url = f"/stemmingen/{poll.id}/stemregister.csv"
    assert client.get(url).status_code == 404  # open
    assert "Stemregister (CSV)" not in _text(client.get(f"/stemmingen/{poll.id}"))
    polls.close_poll(ACTOR, poll)
    db.session.commit()
    assert client.get(url).status_code == 404  # closed, not yet published
    polls.publish_poll(ACTOR, poll)
    db.session.commit()
    assert "Stemregister (CSV)" in _text(client.get(f"/stemmingen/{poll.id}"))

    response = client.get(url)
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True)), delimiter=";"))
    assert rows[0] == ["code", "lid", "stemmen", "inwoners", "keuze"]
    assert rows[1:] == [
        [AMSTERDAM, "Amsterdam", "75", "844947", "voor"],
        [alv.gewest, "Regio Achterhoek", "29", "298193", "tegen"],
        [SCHIERMONNIKOOG, "Schiermonnikoog", "9", "941", "niet gestemd"],
        [UTRECHT, "Utrecht", "75", "343038", "onthouding"],
        [VLIELAND, "Vlieland", "10", "1085", "tegen"],
    ]


def test_no_register_for_a_draft_poll_or_an_unknown_one(client, alv):
    poll = polls.create_poll(ACTOR, alv.subject())
    db.session.commit()
    assert client.get(f"/stemmingen/{poll.id}/stemregister.csv").status_code == 404
    assert client.get("/stemmingen/999999/stemregister.csv").status_code == 404


# --- minutes ----------------------------------------------------------------------------------


def _item(meeting, number: str) -> AgendaItem:
    return next(i for i in meeting.items if i.number == number)


def test_the_draft_minutes_of_8_june_2016(client):
    meeting = historical_meeting("2016-06-08")
    response = client.get(f"/vergaderingen/{meeting.id}/notulen")
    assert response.status_code == 200
    text = _text(response)
    for number in ("01", "07", "11a", "16"):
        summary = _item(meeting, number).summary
        assert summary and " ".join(summary.split()) in text, number
    assert "'Contributievoorstel 2017': Voor: 97,68% Tegen: 2,32%" in text
    assert "Voor: 97,68%" in text
    assert "Concept, gemaakt uit het verslag." in text
    assert "Opslaan" not in text  # no forms for the public


def test_the_draft_of_a_published_poll(client, alv):
    _poll(alv, state="published")
    text = _text(client.get(f"/vergaderingen/{alv.meeting.id}/notulen"))
    assert (
        "De heer Test opent de stemming over 'Wijziging statuten'. "
        "Voor: 65,79% Tegen: 34,21% De ALV verwerpt het voorstel." in text
    )


def test_a_committee_needs_three_names(client, make_user):
    meeting = historical_meeting("2016-06-08")
    seeded = list(
        db.session.scalar(
            sa.select(MinutesCommittee.members).where(MinutesCommittee.meeting_id == meeting.id)
        )
    )
    assert len(seeded) == 3
    log_in(client, make_user(Role.VNG_ADMIN))
    url = f"/vergaderingen/{meeting.id}/notulen"
    token = csrf_token(client.get(url))

    client.post(
        url,
        data={"action": "commissie", "committee": "Mevr. A\n\n  \nDhr. B\n", "csrf_token": token},
    )
    assert "ten minste drie personen" in flashed(client.get(url))
    db.session.expire_all()
    assert (
        db.session.scalar(
            sa.select(MinutesCommittee.members).where(MinutesCommittee.meeting_id == meeting.id)
        )
        == seeded
    )

    client.post(
        url,
        data={
            "action": "commissie",
            "committee": "Mevr. A\r\nDhr. B\r\nDhr. C",
            "csrf_token": token,
        },
    )
    assert "Notulencommissie vastgelegd." in flashed(client.get(url))
    db.session.expire_all()
    assert db.session.scalar(
        sa.select(MinutesCommittee.members).where(MinutesCommittee.meeting_id == meeting.id)
    ) == ["Mevr. A", "Dhr. B", "Dhr. C"]


def test_approval_needs_a_committee(client, alv, make_user):
    log_in(client, make_user(Role.VNG_ADMIN))
    url = f"/vergaderingen/{alv.meeting.id}/notulen"
    db.session.commit()
    token = csrf_token(client.get(url))
    client.post(url, data={"item": alv.item.id, "text": "Tekst.", "csrf_token": token})
    client.post(url, data={"action": "vaststellen", "csrf_token": token})
    assert "notulencommissie" in flashed(client.get(url))
    db.session.expire_all()
    assert db.session.get(AgendaItem, alv.item.id).minutes.approved_on is None


def test_one_item_approved_early_the_rest_later(client, make_user):
    meeting = historical_meeting("2016-06-08")
    first, contribution = _item(meeting, "01"), _item(meeting, "07")
    log_in(client, make_user(Role.VNG_ADMIN))
    url = f"/vergaderingen/{meeting.id}/notulen"
    token = csrf_token(client.get(url))

    for item, text in ((first, "Opening, vastgesteld."), (contribution, "Contributie.")):
        client.post(url, data={"item": item.id, "text": text, "csrf_token": token})
        assert f"Notulen van agendapunt {item.number} opgeslagen." in flashed(client.get(url))

    client.post(url, data={"action": "vaststellen", "item": first.id, "csrf_token": token})
    assert "Notulen vastgesteld." in flashed(client.get(url))
    assert _minutes(first) == ("Opening, vastgesteld.", dt.date.today(), _committee(meeting))
    assert _minutes(contribution) == ("Contributie.", None, [])

    # the approved item is fixed, the other can still be edited
    client.post(url, data={"item": first.id, "text": "Anders.", "csrf_token": token})
    assert "Niet uitgevoerd: de notulen van agendapunt 01 zijn vastgesteld" in flashed(
        client.get(url)
    )
    assert _minutes(first)[0] == "Opening, vastgesteld."
    client.post(
        url, data={"item": contribution.id, "text": "Contributie 2017.", "csrf_token": token}
    )
    assert _minutes(contribution)[0] == "Contributie 2017."
    page = client.get(url)
    assert f'id="t-{contribution.id}"' in page.get_data(as_text=True)
    assert f'id="t-{first.id}"' not in page.get_data(as_text=True)

    # later: approve the rest (nothing ticked = every saved text not yet approved)
    client.post(url, data={"action": "vaststellen", "csrf_token": token})
    assert "Notulen vastgesteld." in flashed(client.get(url))
    assert _minutes(contribution) == ("Contributie 2017.", dt.date.today(), _committee(meeting))
    assert _minutes(first)[1] == dt.date.today()
    assert "Vastgesteld op" in _text(client.get(url))


def _minutes(item: AgendaItem):
    db.session.expire_all()
    minutes = db.session.scalar(sa.select(MinutesText).where(MinutesText.item_id == item.id))
    return (minutes.text, minutes.approved_on, minutes.approved_by)


def _committee(meeting) -> list[str]:
    return db.session.scalar(
        sa.select(MinutesCommittee.members).where(MinutesCommittee.meeting_id == meeting.id)
    )


def test_the_export_is_a_standalone_html_document(client):
    meeting = historical_meeting("2016-06-08")
    response = client.get(f"/vergaderingen/{meeting.id}/notulen?export=1")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert page.lstrip().lower().startswith("<!doctype html>")
    assert page.rstrip().endswith("</html>")
    assert '<html lang="nl">' in page
    assert "<style>" in page
    assert "<link" not in page and "<script" not in page  # nothing to fetch
    assert "site-header" not in page and "<form" not in page
    text = _text(response)
    assert "Notulen van de ALV van 8 juni 2016" in text
    assert "Voor: 97,68% Tegen: 2,32%" in text
    assert "Concept." in text


@pytest.mark.parametrize("role", [None, Role.STEMGERECHTIGDE, Role.VNG_FINANCE, Role.BOARD])
def test_only_the_chair_may_change_the_minutes(client, make_user, role):
    meeting = historical_meeting("2016-06-08")
    url = f"/vergaderingen/{meeting.id}/notulen"
    if role is None:
        token = csrf_token(client.get("/inloggen"))
    else:
        log_in(client, make_user(role, UTRECHT if role.needs_member else None))
        token = csrf_token(client.get(url))
    first = _item(meeting, "01")
    before = _committee(meeting)
    for data in (
        {"action": "commissie", "committee": "A\nB\nC"},
        {"action": "vaststellen"},
        {"item": first.id, "text": "Ingebroken."},
    ):
        response = client.post(url, data={**data, "csrf_token": token})
        assert response.status_code == 403, data
    db.session.expire_all()
    assert _committee(meeting) == before
    assert db.session.scalar(sa.select(MinutesText).where(MinutesText.item_id == first.id)) is None


# --- the chair's page actions -----------------------------------------------------------------


def test_the_chair_runs_a_poll_from_the_poll_page(client, make_user):
    alv = Alv(present=[UTRECHT, AMSTERDAM])
    subject = alv.subject("Begroting")
    poll = polls.create_poll(ACTOR, subject)
    db.session.commit()
    log_in(client, make_user(Role.VNG_ADMIN))
    url = f"/stemmingen/{poll.id}"
    token = csrf_token(client.get(url))

    client.post(f"{url}/openen", data={"csrf_token": token})
    assert "Stemming: openen uitgevoerd." in flashed(client.get(url))
    client.post(f"{url}/griffier", data={"member": UTRECHT, "choice": "voor", "csrf_token": token})
    assert "Stem van Utrecht (voor) vastgelegd." in flashed(client.get(url))
    client.post(f"{url}/griffier", data={"member": AMELAND, "choice": "voor", "csrf_token": token})
    assert "niet aanwezig" in flashed(client.get(url))
    client.post(f"{url}/openen", data={"csrf_token": token})
    assert "Niet uitgevoerd" in flashed(client.get(url))
    client.post(f"{url}/sluiten", data={"csrf_token": token})
    client.post(f"{url}/publiceren", data={"csrf_token": token})
    text = _text(client.get(url))
    assert "Voor: 100,00% Tegen: 0,00%" in text
    assert "(75 tegen 0 stemmen, 0 onthouding) – aangenomen" in text
    db.session.expire_all()
    assert db.session.get(Subject, subject.id).state.value == "aangenomen"
