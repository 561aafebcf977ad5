"""`samen import-population`: all rows checked, one bad row imports nothing, reruns replace."""

import datetime as dt

import pytest
import sqlalchemy as sa

from governance import queries
from governance.models import InhabitantCount, PopulationChange, PopulationImport
from governance.population_import import PopulationImportError, import_population
from portal.audit import Actor
from portal.db import db

REF_2017 = dt.date(2017, 1, 1)
ACTOR = Actor.system("test")


def _counts() -> dict[tuple[int, dt.date], tuple[int, str]]:
    rows = db.session.scalars(sa.select(InhabitantCount))
    return {(c.member_id, c.reference_date): (c.inhabitants, c.source) for c in rows}


def _imports() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(PopulationImport))


def _inhabitants(code: str, day: dt.date) -> int | None:
    return queries.inhabitants_at(queries.member_by_code(code), day)


def _import(runner, tmp_path, text: str, *args: str):
    path = tmp_path / "inwoners.csv"
    path.write_text(text, encoding="utf-8")
    return runner.invoke(args=["import-population", str(path), *args])


def test_one_bad_row_among_good_ones_changes_nothing_and_names_the_line(runner, tmp_path):
    before, imports = _counts(), _imports()
    text = (
        "code,naam,inwoners\n"
        "GM0363,Amsterdam,850000\n"  # line 2: good
        "GM0344,Utrecht,drie\n"  # line 3: not a number
        "GM0088,Schiermonnikoog,930\n"  # line 4: good
    )
    result = _import(
        runner,
        tmp_path,
        text,
        "--reference-date",
        "2017-01-01",
        "--source",
        "CBS, 1-1-2017 (correctie)",
    )
    assert result.exit_code != 0
    assert "regel 3" in result.output
    assert "GM0344" in result.output
    assert "niets geïmporteerd" in result.output
    assert _counts() == before
    assert _imports() == imports
    assert _inhabitants("GM0363", REF_2017) == 844_947


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        ("GM0344,Utrecht,-5", "geen geheel getal"),
        ("GM0344,Utrecht,12.5", "geen geheel getal"),
        ("GM0344,Utrecht,", "geen geheel getal"),
        ("XX0344,Utrecht,100", "geen gemeentecode"),
        ("GM9999,Nergenshuizen,100", "onbekende gemeentecode"),
        ("GM0381,Bussum,100", "bestaat niet op peildatum"),
        ("GM0363,Amsterdam,100", "dubbel, staat al op regel 2"),
        ("GM0344,Utrecht", "kolommen"),
    ],
)
def test_every_kind_of_bad_row_is_refused_with_its_reason(row, reason):
    text = f"code,naam,inwoners\nGM0363,Amsterdam,850000\n{row}\n"
    before = _counts()
    with pytest.raises(PopulationImportError) as error:
        import_population(ACTOR, text, REF_2017, "test", "inwoners.csv")
    (bad,) = error.value.errors
    assert bad.line == 3
    assert reason in bad.reason
    assert _counts() == before


def test_header_without_required_columns_is_refused():
    with pytest.raises(PopulationImportError) as error:
        import_population(ACTOR, "gemeente;aantal\nGM0363;5\n", REF_2017, "test", "x.csv")
    (bad,) = error.value.errors
    assert bad.line == 1 and "kopregel" in bad.reason


def test_source_is_required():
    with pytest.raises(PopulationImportError):
        import_population(
            ACTOR, "code,naam,inwoners\nGM0363,Amsterdam,1\n", REF_2017, "  ", "x.csv"
        )


def test_rerun_for_the_same_date_replaces_and_records_what_changed(runner, tmp_path):
    text = "gm_code;naam;inwoners\nGM0363;Amsterdam;845000\nGM0088;Schiermonnikoog;923\n"
    args = ("--reference-date", "2017-01-01", "--source", "CBS, 1-1-2017 (herzien)")
    result = _import(runner, tmp_path, text, *args)
    assert result.exit_code == 0, result.output
    assert "2 vervangen" in result.output
    assert "386 gemeente(n) op peildatum ontbreken" in result.output
    assert _inhabitants("GM0363", REF_2017) == 845_000
    latest = db.session.scalars(
        sa.select(PopulationImport).order_by(PopulationImport.id.desc())
    ).first()
    changes = {(c.member.code, c.old_inhabitants, c.new_inhabitants) for c in latest.changes}
    assert changes == {("GM0363", 844_947, 845_000), ("GM0088", 941, 923)}
    assert all(c.old_source.startswith("CBS wijk- en buurtkaart") for c in latest.changes)
    rows_per_date = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(InhabitantCount)
        .where(InhabitantCount.reference_date == REF_2017)
    )
    assert rows_per_date == 388

    imports, changes_before = (
        _imports(),
        db.session.scalar(sa.select(sa.func.count()).select_from(PopulationChange)),
    )
    again = _import(runner, tmp_path, text, *args)
    assert again.exit_code == 0
    assert "0 nieuw, 0 vervangen, 2 ongewijzigd" in again.output
    assert _imports() == imports
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PopulationChange)) == (
        changes_before
    )


def test_new_year_is_added_for_the_municipalities_of_that_date(runner, tmp_path):
    text = "code,naam,inwoners\nGM1949,Waadhoeke,46000\nGM0363,Amsterdam,854047\n"
    result = _import(
        runner, tmp_path, text, "--reference-date", "2018-01-01", "--source", "CBS, 1-1-2018"
    )
    assert result.exit_code == 0, result.output
    assert "2 nieuw" in result.output
    waadhoeke = queries.member_by_code("GM1949")
    population = queries.population_on(waadhoeke, dt.date(2018, 6, 1))
    assert (population.inhabitants, population.source) == (46_000, "CBS, 1-1-2018")
    (facts,) = queries.member_facts([waadhoeke], dt.date(2018, 6, 1))
    assert facts.votes == 75


def test_cli_refuses_a_malformed_reference_date(runner, tmp_path):
    result = _import(
        runner, tmp_path, "code,naam,inwoners\n", "--reference-date", "1-1-2018", "--source", "CBS"
    )
    assert result.exit_code == 2
    assert "JJJJ-MM-DD" in result.output
