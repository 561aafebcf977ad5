"""`samen seed`: the shipped reference data, loaded once; running it again changes nothing."""

import datetime as dt

import sqlalchemy as sa

from governance import queries
from governance.models import (
    GewestMembership,
    InhabitantCount,
    Member,
    PopulationImport,
    Reorganisation,
)
from portal.db import db

TABLES = (Member, InhabitantCount, Reorganisation, GewestMembership, PopulationImport)


def _row_counts() -> dict[str, int]:
    return {
        t.__tablename__: db.session.scalar(sa.select(sa.func.count()).select_from(t))
        for t in TABLES
    }


def test_seed_twice_changes_nothing(runner):
    before = _row_counts()
    result = runner.invoke(args=["seed"])
    assert result.exit_code == 0, result.output
    assert "er is niets gewijzigd" in result.output
    assert _row_counts() == before
    assert before == {
        "members": 390 + 1 + 17 + 5,  # 2016, Meierijstad 2017, reorganisation-only, gewesten
        "inhabitant_counts": 390 + 388,
        "reorganisations": 57,
        "gewest_memberships": 45,
        "population_imports": 2,
    }


def test_seed_keeps_an_administrators_correction(runner):
    utrecht = queries.member_by_code("GM0344")
    utrecht.province = "Utrecht (gecorrigeerd)"
    db.session.flush()
    assert runner.invoke(args=["seed"]).exit_code == 0
    db.session.expire_all()
    assert queries.member_by_code("GM0344").province == "Utrecht (gecorrigeerd)"


def test_figures_keep_their_source():
    amsterdam = queries.member_by_code("GM0363")
    sources = {c.reference_date: c.source for c in amsterdam.inhabitant_counts}
    assert sources[dt.date(2016, 1, 1)].startswith("CBS")
    assert sources[dt.date(2017, 1, 1)].startswith("CBS")


def test_names_and_aliases_from_cbs():
    assert queries.member_by_code("GM0518").name == "'s-Gravenhage"
    assert queries.member_by_code("GM0518").alias == "Den Haag"
    assert queries.member_by_code("GM1900").name == "Súdwest-Fryslân"
    assert queries.member_by_code("GM1961").province == "Utrecht"
