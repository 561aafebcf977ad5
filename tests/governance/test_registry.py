"""The registry questions everything else asks, on the real 2016-2019 reference data."""

import csv
import datetime as dt
from decimal import Decimal

import pytest

from governance import queries
from governance.models import Member, MemberKind, Reorganisation, ReorganisationKind
from governance.reference_data import DATA_DIR
from portal.db import db

D = dt.date


def _member(code: str) -> Member:
    member = queries.member_by_code(code)
    assert member is not None, code
    return member


@pytest.mark.parametrize(
    ("day", "count"),
    [
        (D(2015, 12, 31), 393),
        (D(2016, 1, 1), 390),
        (D(2017, 1, 1), 388),
        (D(2018, 1, 1), 380),
        (D(2019, 1, 1), 355),
    ],
)
def test_active_municipalities_follow_the_mergers(day, count):
    assert len(queries.members_active_on(day, MemberKind.MUNICIPALITY)) == count


def test_inhabitants_on_reference_dates_add_up_to_the_cbs_totals():
    for day, total in [(D(2016, 1, 1), 16_979_120), (D(2017, 1, 1), 17_081_507)]:
        municipalities = queries.members_active_on(day, MemberKind.MUNICIPALITY)
        assert sum(queries.inhabitants_at(m, day) for m in municipalities) == total


def test_inhabitants_at_is_exact_and_population_on_takes_the_latest_before():
    amsterdam = _member("GM0363")
    assert queries.inhabitants_at(amsterdam, D(2016, 1, 1)) == 833_624
    assert queries.inhabitants_at(amsterdam, D(2017, 1, 1)) == 844_947
    assert queries.inhabitants_at(amsterdam, D(2016, 6, 1)) is None
    mid_year = queries.population_on(amsterdam, D(2016, 12, 31))
    assert (mid_year.inhabitants, mid_year.reference_date) == (833_624, D(2016, 1, 1))
    assert "CBS" in mid_year.source
    assert queries.population_on(amsterdam, D(2015, 12, 31)) is None


@pytest.mark.parametrize(
    ("code", "votes"),
    [("GM0088", 9), ("GM0363", 75), ("GM0344", 75)],
)
def test_municipal_vote_weights_2016(code, votes):
    (facts,) = queries.member_facts([_member(code)], D(2016, 1, 1))
    assert facts.votes == votes


def test_schiermonnikoog_has_919_inhabitants_and_9_votes():
    (facts,) = queries.member_facts([_member("GM0088")], D(2016, 1, 1))
    assert (facts.inhabitants, facts.votes) == (919, 9)
    assert facts.vote_rule.description == "1 stem per volle 100 inwoners, maximaal 75, minimaal 1"


def _gewest(name: str) -> Member:
    (gewest,) = [
        g for g in queries.members_active_on(D(2016, 1, 1), MemberKind.GEWEST) if g.name == name
    ]
    return gewest


def test_gewest_inhabitants_are_the_sum_of_its_members_and_weigh_per_10000():
    achterhoek = _gewest("Regio Achterhoek")
    with open(DATA_DIR / "gewesten_2016.csv", encoding="utf-8") as f:
        codes = {r["gm_code"] for r in csv.DictReader(f) if r["gewest"] == "Regio Achterhoek"}
    with open(DATA_DIR / "gemeenten_2016.csv", encoding="utf-8") as f:
        expected = sum(
            int(r["inwoners_2016_01_01"]) for r in csv.DictReader(f) if r["gm_code"] in codes
        )
    assert len(codes) == 8
    assert expected == 297_992
    assert queries.inhabitants_at(achterhoek, D(2016, 1, 1)) == 297_992
    (facts,) = queries.member_facts([achterhoek], D(2016, 1, 1))
    assert facts.votes == 29
    assert facts.vote_rule.description.startswith("1 stem per volle 10.000 inwoners")
    assert {m.code for m in queries.gewest_members_on(achterhoek, D(2016, 1, 1))} == codes


def test_five_gewesten_with_their_members():
    gewesten = queries.members_active_on(D(2016, 1, 1), MemberKind.GEWEST)
    sizes = {g.name: len(queries.gewest_members_on(g, D(2016, 1, 1))) for g in gewesten}
    assert sizes == {
        "Publieke Gezondheid & Jeugd Zuid-Holland Zuid": 17,
        "Samenwerkingsorgaan Holland Rijnland": 12,
        "Regio Achterhoek": 8,
        "Regio Noord-Veluwe": 6,
        "Werkorganisatie Duivenvoorde": 2,
    }
    assert all(g.code.startswith("GW") for g in gewesten)


def test_gewest_without_a_figure_for_every_member_falls_back_to_the_last_complete_date():
    duivenvoorde = _gewest("Werkorganisatie Duivenvoorde")
    members = queries.gewest_members_on(duivenvoorde, D(2017, 1, 1))
    full_2017 = sum(queries.inhabitants_at(m, D(2017, 1, 1)) for m in members)
    assert queries.population_on(duivenvoorde, D(2017, 6, 1)).inhabitants == full_2017
    # Remove one member's 2017 figure: the 2017 sum would understate, so 2016 is used.
    (count_2017,) = [c for c in members[0].inhabitant_counts if c.reference_date == D(2017, 1, 1)]
    db.session.delete(count_2017)
    db.session.flush()
    db.session.expire_all()
    population = queries.population_on(duivenvoorde, D(2017, 6, 1))
    assert population.reference_date == D(2016, 1, 1)
    assert population.inhabitants == sum(queries.inhabitants_at(m, D(2016, 1, 1)) for m in members)
    assert queries.inhabitants_at(duivenvoorde, D(2017, 1, 1)) is None


def test_bussum_merged_into_gooise_meren_on_2016_01_01():
    bussum = _member("GM0381")
    assert bussum.valid_to == D(2015, 12, 31)
    assert queries.successor_on(bussum, D(2015, 12, 31)) is None
    assert queries.successor_on(bussum, D(2016, 1, 1)).code == "GM1942"
    gooise_meren = _member("GM1942")
    assert gooise_meren.name == "Gooise Meren"
    assert gooise_meren.valid_from == D(2016, 1, 1)
    assert {r.from_member.code for r in queries.predecessors(gooise_meren)} == {
        "GM0381",
        "GM0424",
        "GM0425",
    }


def test_groesbeek_was_renamed_berg_en_dal_with_a_new_code():
    groesbeek = _member("GM0241")
    (rename,) = queries.successions(groesbeek)
    assert rename.kind is ReorganisationKind.RENAME
    assert rename.effective_date == D(2016, 1, 1)
    successor = queries.successor_on(groesbeek, D(2016, 1, 1))
    assert (successor.code, successor.name) == ("GM1945", "Berg en Dal")


def test_boundary_correction_does_not_end_slochteren_but_the_2018_merger_does():
    slochteren = _member("GM0040")
    assert slochteren.is_active_on(D(2017, 6, 1))
    assert queries.successor_on(slochteren, D(2017, 6, 1)) is None
    kinds = [r.kind for r in queries.reorganisations_of(slochteren)]
    assert kinds == [ReorganisationKind.BOUNDARY_CORRECTION, ReorganisationKind.MERGER]
    assert queries.successor_on(slochteren, D(2018, 1, 1)).code == "GM1952"
    assert not slochteren.is_active_on(D(2018, 1, 1))


def test_split_littenseradiel_names_the_largest_share_as_successor():
    littenseradiel = _member("GM0140")
    shares = {r.to_member.code: r.address_share for r in queries.successions(littenseradiel)}
    assert shares == {
        "GM0080": Decimal("0.3094"),
        "GM1900": Decimal("0.5120"),
        "GM1949": Decimal("0.1786"),
    }
    assert sum(shares.values()) == Decimal("1.0000")
    assert queries.successor_on(littenseradiel, D(2018, 1, 1)).code == "GM1900"


def test_successor_follows_a_chain_of_reorganisations():
    a = Member(code="GM9901", kind=MemberKind.MUNICIPALITY, name="A", valid_to=D(2019, 12, 31))
    b = Member(
        code="GM9902",
        kind=MemberKind.MUNICIPALITY,
        name="B",
        valid_from=D(2020, 1, 1),
        valid_to=D(2020, 12, 31),
    )
    c = Member(code="GM9903", kind=MemberKind.MUNICIPALITY, name="C", valid_from=D(2021, 1, 1))
    db.session.add_all(
        [
            a,
            b,
            c,
            Reorganisation(
                effective_date=D(2020, 1, 1),
                kind=ReorganisationKind.MERGER,
                from_member=a,
                to_member=b,
                address_share=Decimal(1),
            ),
            Reorganisation(
                effective_date=D(2021, 1, 1),
                kind=ReorganisationKind.MERGER,
                from_member=b,
                to_member=c,
                address_share=Decimal(1),
            ),
        ]
    )
    db.session.flush()
    assert queries.successor_on(a, D(2020, 6, 1)) is b
    assert queries.successor_on(a, D(2021, 1, 1)) is c
    assert queries.successor_on(c, D(2030, 1, 1)) is None


def test_new_2018_municipality_has_no_invented_figures():
    waadhoeke = _member("GM1949")
    assert waadhoeke.valid_from == D(2018, 1, 1)
    assert waadhoeke.province == "Friesland"
    (facts,) = queries.member_facts([waadhoeke], D(2018, 1, 1))
    assert facts.population is None
    assert facts.votes is None


def test_search_matches_name_alias_and_code():
    def codes(search):
        stmt = queries.member_select(active_on=D(2016, 1, 1), search=search)
        return {m.code for m in db.session.scalars(stmt)}

    assert "GM0518" in codes("den haag")
    assert codes("GM0363") == {"GM0363"}
    assert "GM0363" in codes("AMSTER")
