"""Adoption monitoring of Govroam: coverage (municipalities and inhabitants joined and live) on a
day, the quarterly history, the seeded target, the map's statuses across the reorganisations
of 2018 and 2019, and the adoption page with its map, table and go-live form.

Expected figures come from governance/data (inhabitants on 1-1-2017, the reorganisations),
never from the code under test."""

import csv
import datetime as dt
import re
import xml.etree.ElementTree as ET
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa

from billing.models import Subscription, SubscriptionStatus
from billing.services.subscriptions import subscribe
from catalogue.models import Facility
from college.geo.map import areas
from college.models import GoLive
from college.services import adoption
from college.services.errors import CollegeError
from portal.audit import Actor
from portal.db import db
from tests.billing.conftest import member, product
from tests.college.conftest import browser_for, csrf

DATA = Path(__file__).resolve().parents[2] / "governance" / "data"
ACTOR = Actor.system("adoption-test")
D = dt.date
UTRECHT, AMSTERDAM = "GM0344", "GM0363"
JAN_2017 = D(2017, 1, 1)
SVG = "{http://www.w3.org/2000/svg}"


def _csv(name: str) -> list[dict[str, str]]:
    with open(DATA / name, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


INHABITANTS_2017 = {r["gm_code"]: int(r["inwoners_2017_01_01"]) for r in _csv("gemeenten_2017.csv")}
REORGANISATIONS = _csv("herindelingen_2016_2019.csv")


def share(part: int, whole: int) -> Decimal:
    return (Decimal(part) / Decimal(whole)).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)


def govroam() -> Facility:
    return db.session.scalar(sa.select(Facility).where(Facility.slug == "govroam"))


def join(code: str, start: dt.date = JAN_2017, product_code: str = "govroam-aansluiting"):
    return subscribe(
        ACTOR, member(code), product(product_code), start, status=SubscriptionStatus.ACTIVE
    )


def test_the_data_gives_388_municipalities_in_2017():
    """Guards the expectations below."""
    assert len(INHABITANTS_2017) == 388
    assert sum(INHABITANTS_2017.values()) == 17_081_507
    assert INHABITANTS_2017[UTRECHT] == 343_038


# --- coverage ------------------------------------------------------------------------------------


def test_nobody_has_joined_before_a_subscription():
    assert (
        db.session.scalar(
            sa.select(sa.func.count(Subscription.id)).where(
                Subscription.product_id.in_(
                    [product("govroam-aansluiting").id, product("govroam-gebruik").id]
                )
            )
        )
        == 0
    )
    cover = adoption.coverage(govroam(), D(2017, 6, 30))
    assert (cover.municipalities, cover.count("aangesloten", "live")) == (388, 0)
    assert cover.joined_share == cover.joined_inhabitant_share == Decimal(0)
    assert adoption.history(govroam(), D(2017, 12, 31)) == []


def test_coverage_counts_municipalities_and_inhabitants_joined_and_live():
    join(UTRECHT)
    join(AMSTERDAM)
    join("GM0088", start=D(2017, 7, 1))  # Schiermonnikoog: not yet on 30 June
    cover = adoption.coverage(govroam(), D(2017, 6, 30))
    assert cover.municipalities == 388
    assert cover.total_inhabitants == 17_081_507
    assert cover.count("aangesloten", "live") == 2 and cover.count("live") == 0
    both = INHABITANTS_2017[UTRECHT] + INHABITANTS_2017[AMSTERDAM]
    assert cover.inhabitants("aangesloten", "live") == both
    assert cover.joined_share == share(2, 388) == Decimal("0.0052")
    assert cover.joined_inhabitant_share == share(both, 17_081_507)
    assert (cover.live_share, cover.live_inhabitant_share) == (Decimal(0), Decimal(0))
    statuses = {m.member.code: m.status for m in cover.members}
    assert statuses[UTRECHT] == statuses[AMSTERDAM] == "aangesloten"
    assert statuses["GM0088"] == "niet"

    adoption.record_go_live(ACTOR, govroam(), member(UTRECHT), D(2017, 5, 1))
    cover = adoption.coverage(govroam(), D(2017, 6, 30))
    assert (cover.count("aangesloten", "live"), cover.count("live")) == (2, 1)
    assert cover.live_share == share(1, 388) == Decimal("0.0026")
    assert cover.live_inhabitant_share == share(INHABITANTS_2017[UTRECHT], 17_081_507)
    # Live only from its go-live date on.
    before = adoption.coverage(govroam(), D(2017, 4, 30))
    assert (before.count("aangesloten", "live"), before.count("live")) == (2, 0)
    # A subscription to the other Govroam product counts just as well, once.
    join(AMSTERDAM, product_code="govroam-gebruik")
    assert adoption.coverage(govroam(), D(2017, 6, 30)).count("aangesloten", "live") == 2
    assert adoption.coverage(govroam(), D(2017, 7, 1)).count("aangesloten", "live") == 3


def test_a_go_live_needs_a_subscription_on_that_day():
    join(UTRECHT, start=D(2017, 3, 1))
    with pytest.raises(CollegeError, match="Amsterdam heeft op 2017-05-01 geen abonnement"):
        adoption.record_go_live(ACTOR, govroam(), member(AMSTERDAM), D(2017, 5, 1))
    with pytest.raises(CollegeError, match="Utrecht heeft op 2017-02-28 geen abonnement"):
        adoption.record_go_live(ACTOR, govroam(), member(UTRECHT), D(2017, 2, 28))
    assert db.session.scalar(sa.select(sa.func.count(GoLive.id))) == 0
    adoption.record_go_live(ACTOR, govroam(), member(UTRECHT), D(2017, 3, 1))
    adoption.record_go_live(ACTOR, govroam(), member(UTRECHT), D(2017, 4, 1))  # corrected
    (row,) = db.session.scalars(sa.select(GoLive)).all()
    assert (row.member.code, row.live_on) == (UTRECHT, D(2017, 4, 1))


def test_history_gives_the_quarter_ends_since_the_first_subscription():
    join(UTRECHT, start=D(2017, 2, 15))
    join(AMSTERDAM, start=D(2017, 8, 1))
    history = adoption.history(govroam(), D(2018, 2, 10))
    assert [c.day for c in history] == [
        D(2017, 3, 31),
        D(2017, 6, 30),
        D(2017, 9, 30),
        D(2017, 12, 31),
        D(2018, 2, 10),
    ]
    assert [c.count("aangesloten", "live") for c in history] == [1, 1, 2, 2, 2]
    assert history[-1].municipalities == 380  # the reorganisations of 1-1-2018
    assert adoption.quarter_ends(D(2017, 1, 1), D(2017, 6, 30)) == [D(2017, 3, 31), D(2017, 6, 30)]
    assert adoption.history(govroam(), D(2017, 2, 14)) == []


def test_the_seeded_govroam_target_is_not_met_with_two_municipalities():
    join(UTRECHT)
    join(AMSTERDAM)
    (check,) = adoption.targets(govroam(), D(2019, 1, 1))
    assert check.target.target_date == D(2017, 12, 31)
    assert check.target.municipality_share == Decimal(100)
    assert check.measured_on == D(2017, 12, 31)
    assert check.share == share(2, 388)
    assert not check.met
    # Before the target date the measurement is of today.
    (early,) = adoption.targets(govroam(), D(2017, 6, 30))
    assert early.measured_on == D(2017, 6, 30)


def test_the_target_is_met_when_every_municipality_has_joined():
    for code in INHABITANTS_2017:
        join(code)
    (check,) = adoption.targets(govroam(), D(2019, 1, 1))
    assert check.share == Decimal(1) and check.met


# --- the map's statuses across reorganisations ---------------------------------------------------


def successors_on(day: dt.date) -> dict[str, str]:
    """For each municipality that is gone on `day`, from the CSV: the municipality that took
    the largest share of its addresses in its last reorganisation (boundary corrections end
    nobody), followed to `day`."""
    ends: dict[str, list[dict]] = {}
    for row in REORGANISATIONS:
        if D.fromisoformat(row["ingangsdatum"]) <= day and not row["soort"].startswith("grens"):
            ends.setdefault(row["oude_code"], []).append(row)
    result = {}
    for code in ends:
        current = code
        while current in ends:
            current = max(ends[current], key=lambda r: Decimal(r["aandeel_adressen"]))[
                "nieuwe_code"
            ]
        result[code] = current
    return result


def test_areas_of_merged_municipalities_take_their_successors_status():
    day = D(2019, 6, 30)
    successors = successors_on(day)
    assert successors["GM0081"] == "GM0080"  # Leeuwarderadeel -> Leeuwarden (2018)
    assert successors["GM0140"] == "GM1900"  # Littenseradiel, split: mostly Súdwest-Fryslân
    assert successors["GM0040"] == "GM1952"  # Slochteren -> Midden-Groningen (2018)
    assert successors["GM0017"] == successors["GM0009"] == "GM0014"  # -> Groningen (2019)
    join("GM0080")  # Leeuwarden
    join("GM0014")  # Groningen
    adoption.record_go_live(ACTOR, govroam(), member("GM0014"), D(2018, 3, 1))
    join("GM1900", start=D(2018, 1, 1))  # Súdwest-Fryslân, after the split
    adoption.record_go_live(ACTOR, govroam(), member("GM1900"), D(2018, 1, 1))

    cover = adoption.coverage(govroam(), day)
    assert cover.municipalities == 355
    statuses, names = adoption.area_statuses(cover, 2017)
    assert names["GM0017"] == "Haren, nu Groningen"
    assert "GM0080" not in names  # still itself
    codes_2017 = {a.code for a in areas(2017)}
    assert len(codes_2017) == 388
    # Every 2017 area has a status: its own municipality's, or its successor's.
    assert set(statuses) == codes_2017
    own = {m.member.code: m.status for m in cover.members}
    for code in codes_2017:
        expected = own[code] if code in own else own[successors[code]]
        assert statuses[code] == expected, code
    assert statuses["GM0081"] == statuses["GM0080"] == "aangesloten"
    assert statuses["GM0009"] == statuses["GM0017"] == statuses["GM0014"] == "live"
    assert statuses["GM0140"] == "live"  # Súdwest-Fryslân's, not Leeuwarden's
    assert statuses["GM0040"] == "niet"  # Midden-Groningen's, not Groningen's (2017 correction)
    assert statuses["GM0063"] == "niet"  # het Bildt -> Waadhoeke, not subscribed


def test_in_2018_only_the_2018_mergers_take_a_successors_status():
    join("GM0014")  # Groningen
    join("GM0017", start=D(2017, 1, 1))  # Haren, on its own until 2019
    statuses, _ = adoption.area_statuses(adoption.coverage(govroam(), D(2018, 6, 30)), 2017)
    assert statuses["GM0017"] == "aangesloten"
    assert statuses["GM0009"] == "niet"  # Ten Boer still exists in 2018: its own status
    assert statuses["GM0040"] == "niet"


# --- the page ------------------------------------------------------------------------------------


def coverage_map(html: str) -> ET.Element:
    match = re.search(r'<svg[^>]*aria-labelledby="kaart-title kaart-desc".*?</svg>', html, re.S)
    assert match, "no coverage map on the page"
    return ET.fromstring(match.group(0))


def test_the_adoption_page_shows_map_table_and_target(app, users):
    join(UTRECHT)
    join(AMSTERDAM)
    response = browser_for(app, users["it_other"]).get(
        "/voorzieningen/govroam/adoptie?datum=2017-06-30"
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True).replace("\xa0", " ")
    svg = coverage_map(html)
    assert svg.get("role") == "img"
    paths = svg.findall(f".//{SVG}path")
    assert len(paths) == 388  # one per municipality of the 2017 boundaries
    titles = [p.find(f"{SVG}title").text for p in paths]
    assert "Utrecht: aangesloten" in titles and "Amsterdam: aangesloten" in titles
    assert sum(t.endswith(": niet aangesloten") for t in titles) == 386
    assert "2 van de 388 gemeenten aangesloten, waarvan 0 in gebruik" in svg.find(f"{SVG}desc").text

    # The table alternative: one row per municipality with its status.
    rows = re.findall(
        r'<tr><th scope="row">([^<]+)</th><td>(GM\d{4})</td><td>([^<]+)</td><td class="num">',
        html,
    )
    assert len(rows) == 388 and {code for _, code, _ in rows} == set(INHABITANTS_2017)
    status = {code: label for _, code, label in rows}
    assert status[UTRECHT] == status[AMSTERDAM] == "aangesloten"
    assert list(status.values()).count("niet aangesloten") == 386

    assert re.search(
        r'Aangesloten \(abonnement, incl. in gebruik\)</th><td class="num">2</td>'
        r'<td class="num">0,52%</td>',
        html,
    )
    # The target line: 100 % by the end of 2017, measured then, not met.
    assert re.search(r"100%\s*van de gemeenten aangesloten op 31 december 2017", html)
    assert "0,52%, <strong>niet gehaald</strong>" in html


@pytest.mark.parametrize("day", ["garbage", "2017-02-30", "9999-01-01"])
def test_a_bad_date_gives_400(app, users, day):
    response = browser_for(app, users["it"]).get(f"/voorzieningen/govroam/adoptie?datum={day}")
    assert response.status_code == 400


def test_the_page_is_for_signed_in_users(client):
    response = client.get("/voorzieningen/govroam/adoptie?datum=2017-06-30")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/inloggen")


def _post_go_live(app, user, code: str, live_on: str = "2017-05-01"):
    client = browser_for(app, user)
    token = csrf(client.get("/voorzieningen/govroam/adoptie"))
    return client.post(
        "/voorzieningen/govroam/adoptie/live",
        data={"live-csrf_token": token, "live-member": code, "live-live_on": live_on},
    )


def test_a_municipality_records_only_its_own_go_live(app, users):
    join(UTRECHT)
    join(AMSTERDAM)
    assert _post_go_live(app, users["it"], AMSTERDAM).status_code == 403
    assert db.session.scalar(sa.select(sa.func.count(GoLive.id))) == 0
    response = _post_go_live(app, users["it"], "gm0344")
    assert response.status_code == 303, response.get_data(as_text=True)
    db.session.expire_all()
    (row,) = db.session.scalars(sa.select(GoLive)).all()
    assert (row.member.code, row.live_on) == (UTRECHT, D(2017, 5, 1))
    # The Task Force records for any municipality; a refusal is shown with its reason.
    response = _post_go_live(app, users["task_force"], "GM0088")
    assert response.status_code == 400
    assert "Schiermonnikoog heeft op 2017-05-01 geen abonnement op Govroam" in response.get_data(
        as_text=True
    )
    assert _post_go_live(app, users["task_force"], AMSTERDAM).status_code == 303
    # The College and the board watch, they do not record.
    assert _post_go_live(app, users["college_a"], AMSTERDAM).status_code == 403
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count(GoLive.id))) == 2
