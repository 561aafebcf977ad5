"""The catalogue services and queries: factsheet versions, phases, decisions, the assessment and
its priority score, the roadmap order, search and filters; every change audited. Scores are
worked out here with Decimal, and search results from the JSON file, not by the code under test.
"""

import datetime as dt
import json
from decimal import ROUND_HALF_UP, Decimal

import pytest
import sqlalchemy as sa

from catalogue import queries, services
from catalogue.assessment import priority_score
from catalogue.models import (
    AssessmentCriterion,
    AssessmentScore,
    CostKind,
    Decision,
    DecisionBody,
    DecisionKind,
    Facility,
    Phase,
    Track,
)
from catalogue.services import CatalogueError
from portal.audit import Actor
from portal.db import db

ACTOR = Actor(None, "redacteur@vng.example", "192.0.2.7")
PRIORITY = ["waarde", "noodzaak_landelijk", "urgentie"]
FIELDS = ["developed_by", "what_it_is", "who_uses_it", "implementation", "costs_and_benefits"]
ANSWER_KEYS = ["wie_ontwikkeld", "wat_is_het", "wie_gebruikt", "implementatie", "kosten_baten"]


def _criterion(code: str) -> AssessmentCriterion:
    return db.session.scalar(sa.select(AssessmentCriterion).where(AssessmentCriterion.code == code))


def _answers(facility: Facility) -> dict[str, str]:
    return {f: getattr(facility.factsheet, f) for f in FIELDS}


def _expected_score(lines: list[tuple[Decimal, int, int]]) -> Decimal:
    """100 × Σ(weight × value/scale) / Σ weight, rounded half-up to one decimal."""
    numerator = sum((w * Decimal(v) / Decimal(s) for w, v, s in lines), Decimal(0))
    total = sum((w for w, _, _ in lines), Decimal(0))
    return (Decimal(100) * numerator / total).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _score(facility, values: dict[str, int | None]) -> None:
    services.set_scores(
        ACTOR, facility, {_criterion(c).id: (v, f"toelichting {c}") for c, v in values.items()}
    )


def _weights(**weights) -> None:
    for code, weight in weights.items():
        c = _criterion(code)
        services.update_criterion(ACTOR, c, c.name, c.description, Decimal(weight))


# --- factsheet versions -----------------------------------------------------------------------


def test_a_factsheet_edit_makes_version_2_and_keeps_version_1(facility, audit_events):
    govroam = facility("govroam")
    original = _answers(govroam)
    changed = {**original, "who_uses_it": "Alle gemeenten en hun ketenpartners."}

    version = services.save_factsheet(ACTOR, govroam, changed, "  gebruikers aangevuld  ")
    db.session.commit()

    govroam = facility("govroam")
    assert [v.version for v in govroam.factsheet_versions] == [1, 2]
    first, second = govroam.factsheet_versions
    assert {f: getattr(first, f) for f in FIELDS} == original
    assert {f: getattr(second, f) for f in FIELDS} == changed
    assert govroam.factsheet.id == version.id == second.id
    assert second.author_label == "redacteur@vng.example"
    assert second.change_note == "gebruikers aangevuld"
    assert first.change_note == "eerste versie"
    assert first.author_label.startswith("Bron: BALV-voorstel")

    events = audit_events(action="factsheet.version", object_id="govroam")
    assert len(events) == 1
    assert events[0].after["version"] == 2
    assert events[0].after["changed"] == ["who_uses_it"]
    assert events[0].actor_label == "redacteur@vng.example"
    assert events[0].source_address == "192.0.2.7"


def test_every_changed_question_is_listed_in_the_audit_event(facility, audit_events):
    gibit = facility("gibit")
    answers = _answers(gibit)
    changed = {**answers, "developed_by": "KING.", "costs_and_benefits": "Gratis."}
    services.save_factsheet(ACTOR, gibit, changed, "twee antwoorden")
    db.session.commit()
    (event,) = audit_events(action="factsheet.version", object_id="gibit")
    assert sorted(event.after["changed"]) == ["costs_and_benefits", "developed_by"]


def test_saving_the_same_text_makes_no_version(facility, audit_events):
    gon = facility("gon")
    same = _answers(gon)
    assert services.save_factsheet(ACTOR, gon, same, "niets") is None
    padded = {f: f"  {a}\n" for f, a in same.items()}
    assert services.save_factsheet(ACTOR, gon, padded, "witruimte") is None
    db.session.commit()
    assert [v.version for v in facility("gon").factsheet_versions] == [1]
    assert audit_events(action="factsheet.version", object_id="gon") == []


@pytest.mark.parametrize("blank", ["", "   ", None])
def test_an_empty_answer_is_refused(facility, audit_events, blank):
    rijbewijzen = facility("rijbewijzen")
    answers = _answers(rijbewijzen)
    if blank is None:
        del answers["implementation"]
    else:
        answers["implementation"] = blank
    with pytest.raises(CatalogueError, match="implementatie"):
        services.save_factsheet(ACTOR, rijbewijzen, answers, "leeg")
    db.session.rollback()
    assert [v.version for v in facility("rijbewijzen").factsheet_versions] == [1]
    assert audit_events(action="factsheet.version", object_id="rijbewijzen") == []


def test_a_first_factsheet_for_a_candidate_is_version_1(facility):
    gbi = facility("gbi")
    answers = {f: f"Antwoord op {f}." for f in FIELDS}
    version = services.save_factsheet(ACTOR, gbi, answers, "eerste opzet")
    db.session.commit()
    assert version.version == 1
    assert facility("gbi").factsheet.what_it_is == "Antwoord op what_it_is."


# --- phases -----------------------------------------------------------------------------------


def test_change_phase_appends_a_dated_change(facility, audit_events):
    gibit = facility("gibit")
    services.change_phase(ACTOR, gibit, Phase.BEHEER, dt.date(2017, 6, 1), "in beheer genomen")
    db.session.commit()

    gibit = facility("gibit")
    assert gibit.phase is Phase.BEHEER
    assert [(c.phase, c.effective_date, c.note) for c in gibit.phase_changes] == [
        (Phase.OPSCHALING, dt.date(2016, 11, 30), gibit.phase_changes[0].note),
        (Phase.BEHEER, dt.date(2017, 6, 1), "in beheer genomen"),
    ]
    (event,) = audit_events(action="facility.phase", object_id="gibit")
    assert event.before == {"phase": "opschaling"}
    assert event.after == {"phase": "beheer", "effective_date": "2017-06-01"}


def test_a_phase_cannot_start_before_the_last_change(facility, audit_events):
    gibit = facility("gibit")
    with pytest.raises(CatalogueError, match="2016-11-30"):
        services.change_phase(ACTOR, gibit, Phase.BEHEER, dt.date(2016, 11, 29))
    db.session.rollback()
    gibit = facility("gibit")
    assert gibit.phase is Phase.OPSCHALING
    assert len(gibit.phase_changes) == 1
    assert audit_events(action="facility.phase") == []


def test_the_same_phase_again_is_refused(facility):
    gibit = facility("gibit")
    with pytest.raises(CatalogueError, match="opschaling"):
        services.change_phase(ACTOR, gibit, Phase.OPSCHALING, dt.date(2017, 3, 1))
    db.session.rollback()
    assert len(facility("gibit").phase_changes) == 1


def test_a_phase_may_change_on_the_same_day_as_the_last_change(facility):
    gon = facility("gon")
    services.change_phase(ACTOR, gon, Phase.OPSCHALING, dt.date(2016, 11, 30))
    db.session.commit()
    assert [c.phase for c in facility("gon").phase_changes] == [
        Phase.ONTWIKKELING,
        Phase.OPSCHALING,
    ]


# --- facility fields --------------------------------------------------------------------------


def test_update_facility_saves_and_audits_only_what_changed(facility, audit_events):
    gon = facility("gon")
    services.update_facility(
        ACTOR,
        gon,
        name="GON",
        cost_kind=CostKind.VAST,
        track=Track.SPOOR_2,  # unchanged
        available_from=dt.date(2017, 7, 1),
    )
    db.session.commit()
    gon = facility("gon")
    assert (gon.name, gon.cost_kind, gon.available_from) == (
        "GON",
        CostKind.VAST,
        dt.date(2017, 7, 1),
    )
    (event,) = audit_events(action="facility.update", object_id="gon")
    assert event.before == {
        "name": "Gemeentelijke Overheid Netwerk (GON)",
        "cost_kind": "onbekend",
        "available_from": None,
    }
    assert event.after == {"name": "GON", "cost_kind": "vast", "available_from": "2017-07-01"}


def test_update_facility_without_a_change_writes_no_audit_event(facility, audit_events):
    gon = facility("gon")
    services.update_facility(ACTOR, gon, name=gon.name, track=gon.track)
    db.session.commit()
    assert audit_events(action="facility.update") == []


@pytest.mark.parametrize("changes", [{"name": ""}, {"name": "   "}, {"slug": "x"}, {"phase": "x"}])
def test_update_facility_refuses_an_empty_name_and_unknown_fields(facility, changes):
    gon = facility("gon")
    with pytest.raises(CatalogueError):
        services.update_facility(ACTOR, gon, **changes)
    db.session.rollback()
    gon = facility("gon")
    assert gon.name == "Gemeentelijke Overheid Netwerk (GON)"
    assert (gon.slug, gon.phase) == ("gon", Phase.ONTWIKKELING)


# --- decisions --------------------------------------------------------------------------------


def _decide(kind=DecisionKind.STANDAARDVERKLARING, facilities=(), **fields):
    return services.record_decision(
        ACTOR,
        date=fields.get("date", dt.date(2017, 6, 14)),
        body=fields.get("body", DecisionBody.ALV),
        kind=kind,
        title=fields.get("title", "Govroam tot standaard verklaard"),
        text=fields.get("text", "De ALV verklaart Govroam tot standaard."),
        reference=fields.get("reference", "ALV 14 juni 2017"),
        facilities=list(facilities),
        decision=fields.get("decision"),
    )


def test_a_standard_declaration_without_facilities_is_refused(audit_events):
    before = db.session.scalar(sa.select(sa.func.count()).select_from(Decision))
    with pytest.raises(CatalogueError, match="voorziening"):
        _decide(facilities=[])
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Decision)) == before
    assert audit_events(action="decision.create") == []


@pytest.mark.parametrize("field", ["title", "text"])
def test_a_decision_needs_a_title_and_a_text(facility, field):
    with pytest.raises(CatalogueError):
        _decide(facilities=[facility("govroam")], **{field: "  "})


def test_a_standard_declaration_makes_the_facility_a_standard(facility, audit_events, client):
    decision = _decide(facilities=[facility("govroam")])
    db.session.commit()

    govroam = facility("govroam")
    assert govroam.standard_decision.id == decision.id
    assert facility("gibit").standard_decision is None
    (event,) = audit_events(action="decision.create", object_id=str(decision.id))
    assert event.after["kind"] == "standaardverklaring"
    assert event.after["facilities"] == ["govroam"]

    api = client.get("/api/v1/facilities/govroam").get_json()
    assert api["standard"] is True
    items = client.get("/api/v1/facilities").get_json()["items"]
    listed = {i["slug"]: i["standard"] for i in items}
    assert listed["govroam"] is True
    assert not any(v for k, v in listed.items() if k != "govroam")

    page = client.get("/voorzieningen/govroam").get_data(as_text=True)
    assert f'href="/besluiten/{decision.id}"' in page
    assert "nog niet tot standaard verklaard" not in page


def test_correcting_a_decision_audits_before_and_after(facility, audit_events):
    decision = _decide(kind=DecisionKind.BESLUIT, facilities=[facility("govroam")])
    db.session.commit()
    _decide(
        kind=DecisionKind.BESLUIT,
        facilities=[facility("govroam"), facility("gon")],
        title="Govroam en GON",
        decision=decision,
    )
    db.session.commit()
    (event,) = audit_events(action="decision.update", object_id=str(decision.id))
    assert event.before["title"] == "Govroam tot standaard verklaard"
    assert event.before["facilities"] == ["govroam"]
    assert event.after["title"] == "Govroam en GON"
    assert sorted(event.after["facilities"]) == ["gon", "govroam"]
    assert "Govroam en GON" in [d.title for d in facility("gon").decisions]


# --- assessment and priority score ------------------------------------------------------------


def test_scores_outside_1_to_scale_max_are_refused(facility):
    govroam = facility("govroam")
    for code, value in [("waarde", 0), ("waarde", 6), ("urgentie", -1), ("impact_it", 4)]:
        with pytest.raises(CatalogueError, match="kies 1 t/m"):
            _score(govroam, {code: value})
        db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AssessmentScore)) == 0


def test_an_unknown_criterion_is_refused(facility):
    with pytest.raises(CatalogueError):
        services.set_scores(ACTOR, facility("govroam"), {999_999: (3, "")})


def test_the_priority_score_with_unequal_weights(facility):
    _weights(waarde=2, noodzaak_landelijk=1, urgentie=1)
    govroam = facility("govroam")
    _score(govroam, {"waarde": 5, "noodzaak_landelijk": 3, "urgentie": 1})
    db.session.commit()

    expected = _expected_score(
        [(Decimal(2), 5, 5), (Decimal(1), 3, 5), (Decimal(1), 1, 5)]
    )  # 100 × (2 + 0,6 + 0,2) / 4
    assert expected == Decimal("70.0")
    score = priority_score(facility("govroam"), queries.criteria())
    assert score.value == expected
    assert score.formula == "100 × (2 × 5/5 + 1 × 3/5 + 1 × 1/5) / 4 = 70"


def test_the_priority_score_rounds_half_up_to_one_decimal(facility):
    _weights(waarde=11, noodzaak_landelijk=3, urgentie=2)
    gon = facility("gon")
    _score(gon, {"waarde": 1, "noodzaak_landelijk": 2, "urgentie": 2})
    db.session.commit()
    # 100 × (11/5 + 6/5 + 4/5) / 16 = 26,25 exactly: half-up gives 26,3 (half-even 26,2).
    expected = _expected_score([(Decimal(11), 1, 5), (Decimal(3), 2, 5), (Decimal(2), 2, 5)])
    assert expected == Decimal("26.3")
    assert priority_score(facility("gon"), queries.criteria()).value == expected


def test_the_priority_score_with_equal_weights(facility):
    gibit = facility("gibit")
    _score(gibit, {"waarde": 5, "noodzaak_landelijk": 4, "urgentie": 4})
    db.session.commit()
    expected = _expected_score([(Decimal(1), 5, 5), (Decimal(1), 4, 5), (Decimal(1), 4, 5)])
    assert expected == Decimal("86.7")
    assert priority_score(facility("gibit"), queries.criteria()).value == expected


def test_characterisation_scores_do_not_count_in_the_priority_score(facility):
    gibit = facility("gibit")
    _score(gibit, {"waarde": 4, "noodzaak_landelijk": 4, "urgentie": 4, "impact_it": 1})
    db.session.commit()
    assert priority_score(facility("gibit"), queries.criteria()).value == Decimal("80.0")


def test_incomplete_scores_give_no_score(facility):
    gon = facility("gon")
    _score(gon, {"waarde": 5, "noodzaak_landelijk": 5})
    db.session.commit()
    score = priority_score(facility("gon"), queries.criteria())
    assert score.value is None
    assert score.formula == "nog niet volledig beoordeeld"


def test_clearing_a_value_removes_the_score(facility, audit_events):
    gon = facility("gon")
    _score(gon, {"waarde": 5, "noodzaak_landelijk": 5, "urgentie": 5})
    db.session.commit()
    _score(facility("gon"), {"urgentie": None})
    db.session.commit()
    gon = facility("gon")
    assert sorted(s.criterion.code for s in gon.scores) == ["noodzaak_landelijk", "waarde"]
    assert priority_score(gon, queries.criteria()).value is None
    events = audit_events(action="assessment.update", object_id="gon")
    assert len(events) == 2
    assert "urgentie" in events[1].before and "urgentie" not in events[1].after


def test_setting_scores_is_audited_with_values_and_reasoning(facility, audit_events):
    _score(facility("gibit"), {"waarde": 4})
    db.session.commit()
    (event,) = audit_events(action="assessment.update", object_id="gibit")
    assert event.before == {}
    assert event.after == {"waarde": [4, "toelichting waarde"]}
    assert event.actor_label == ACTOR.label


# --- the assessment method --------------------------------------------------------------------


def test_update_criterion_saves_and_audits(audit_events):
    waarde = _criterion("waarde")
    services.update_criterion(ACTOR, waarde, " Waarde ", " Nieuwe omschrijving ", Decimal("2.5"))
    db.session.commit()
    db.session.expire_all()
    waarde = _criterion("waarde")
    assert (waarde.name, waarde.description, waarde.weight) == (
        "Waarde",
        "Nieuwe omschrijving",
        Decimal("2.5"),
    )
    (event,) = audit_events(action="criterion.update", object_id="waarde")
    assert event.before["weight"] == "1.00"
    assert Decimal(event.after["weight"]) == Decimal("2.5")


@pytest.mark.parametrize(
    ("name", "weight"), [("Urgentie", Decimal("-1")), ("Urgentie", Decimal("-0.01")), ("  ", 1)]
)
def test_update_criterion_refuses_negative_weights_and_empty_names(audit_events, name, weight):
    urgentie = _criterion("urgentie")
    with pytest.raises(CatalogueError):
        services.update_criterion(ACTOR, urgentie, name, "", Decimal(weight))
    db.session.rollback()
    db.session.expire_all()
    assert _criterion("urgentie").weight == Decimal(1)
    assert _criterion("urgentie").name == "Urgentie"
    assert audit_events(action="criterion.update") == []


def test_a_weight_of_zero_leaves_a_criterion_out_of_the_score(facility):
    _weights(urgentie=0)
    gon = facility("gon")
    _score(gon, {"waarde": 5, "noodzaak_landelijk": 3, "urgentie": 1})
    db.session.commit()
    expected = _expected_score([(Decimal(1), 5, 5), (Decimal(1), 3, 5), (Decimal(0), 1, 5)])
    assert expected == Decimal("80.0")
    assert priority_score(facility("gon"), queries.criteria()).value == expected


# --- roadmap ----------------------------------------------------------------------------------


def test_roadmap_puts_scored_facilities_first_by_score(facility, data):
    _score(facility("rijbewijzen"), {"waarde": 2, "noodzaak_landelijk": 2, "urgentie": 2})
    _score(facility("gbi"), {"waarde": 5, "noodzaak_landelijk": 4, "urgentie": 5})
    _score(facility("gon"), {"waarde": 3, "noodzaak_landelijk": 4, "urgentie": 3})
    _score(facility("gibit"), {"waarde": 5, "noodzaak_landelijk": 5})  # incomplete
    db.session.commit()

    entries = queries.roadmap()
    slugs = [e.facility.slug for e in entries]
    assert slugs[:3] == ["gbi", "gon", "rijbewijzen"]
    assert [e.score.value for e in entries[:3]] == [Decimal("93.3"), Decimal("66.7"), Decimal(40)]
    assert all(e.score.value is None for e in entries[3:])
    assert "gibit" in slugs[3:]
    all_slugs = [f["slug"] for f in data["facilities"] + data["candidates"]]
    assert sorted(slugs) == sorted(all_slugs)


def test_roadmap_leaves_out_phased_out_facilities(facility):
    services.change_phase(ACTOR, facility("pgb"), Phase.UITGEFASEERD, dt.date(2017, 3, 1))
    db.session.commit()
    slugs = [e.facility.slug for e in queries.roadmap()]
    assert "pgb" not in slugs
    assert len(slugs) == 8


# --- search and filters -----------------------------------------------------------------------


def _searchable(item: dict) -> str:
    """All text a facility can be found by, from the JSON: own fields and factsheet."""
    parts = [
        item["name"],
        item.get("short_description") or item.get("description") or "",
        ", ".join(item.get("developed_by") or []),
        item.get("users") or "",
        item.get("cost_model") or "",
        item.get("benefits") or "",
        *(item.get("factsheet") or {}).values(),
    ]
    return " ".join(parts).lower()


def _expected(data, *words) -> list[str]:
    items = data["facilities"] + data["candidates"]
    found = [i for i in items if all(w.lower() in _searchable(i) for w in words)]
    return [i["slug"] for i in sorted(found, key=lambda i: i["name"].lower())]


def _search(**filters) -> list[str]:
    stmt = queries.facility_select(queries.FacilityFilter(**filters))
    return [f.slug for f in db.session.scalars(stmt)]


def test_no_filter_lists_everything_by_name(data):
    items = data["facilities"] + data["candidates"]
    assert _search() == [i["slug"] for i in sorted(items, key=lambda i: i["name"].lower())]


@pytest.mark.parametrize("q", ["govroam", "Govroam", "GOVROAM", "  govroam  "])
def test_searching_govroam_finds_govroam(data, q):
    assert _expected(data, "govroam") == ["govroam"]
    assert _search(q=q) == ["govroam"]


def test_a_word_only_in_a_factsheet_answer_finds_the_facility(data):
    govroam = next(f for f in data["facilities"] if f["slug"] == "govroam")
    own_fields = json.dumps(
        {k: v for k, v in govroam.items() if k != "factsheet"}, ensure_ascii=False
    )
    assert "eduroam" not in own_fields.lower()
    assert "eduroam" in govroam["factsheet"]["wat_is_het"]
    assert _search(q="eduroam") == _expected(data, "eduroam") == ["govroam"]


def test_only_the_current_factsheet_is_searched(facility):
    govroam = facility("govroam")
    answers = _answers(govroam)
    answers["what_it_is"] = answers["what_it_is"].replace("eduroam", "een onderwijsdienst")
    services.save_factsheet(ACTOR, govroam, answers, "eduroam weggelaten")
    db.session.commit()
    assert _search(q="eduroam") == []
    assert _search(q="onderwijsdienst") == ["govroam"]


def test_every_word_must_match(data):
    assert _search(q="govroam gratis") == _expected(data, "govroam", "gratis") == []
    both = _expected(data, "gratis", "koppelvlak")
    assert both  # the two e-forms
    assert _search(q="gratis koppelvlak") == both
    assert _search(q="koppelvlak gratis") == both
    assert set(_search(q="gratis")) >= set(both)


def test_filters_narrow_the_list(data):
    items = data["facilities"] + data["candidates"]

    def expected(**where):
        found = [
            i
            for i in items
            if all(
                (i.get(k) or ("initiatief" if k == "phase" else None)) == v
                for k, v in where.items()
            )
        ]
        return sorted(i["slug"] for i in found)

    assert sorted(_search(phase=Phase.OPSCHALING)) == expected(phase="opschaling")
    assert expected(phase="opschaling") == ["digitale-overlijdensaangifte", "gibit", "govroam"]
    assert sorted(_search(track=Track.SPOOR_2)) == expected(track="spoor 2")
    assert len(expected(track="spoor 2")) == 6
    assert sorted(_search(track=Track.SPOOR_1)) == ["gbi", "omgevingswet", "pgb"]
    assert _search(cost_kind=CostKind.STAFFEL) == expected(cost_kind="staffel") == ["govroam"]
    assert sorted(_search(phase=Phase.OPSCHALING, cost_kind=CostKind.GEEN)) == expected(
        phase="opschaling", cost_kind="geen"
    )
    assert _search(phase=Phase.OPSCHALING, q="netwerk wifi") == []
    assert _search(phase=Phase.BEHEER) == []


@pytest.mark.parametrize("q", ["%", "_", "80%", "8_%", "%govroam%", "wi_fi", "\\"])
def test_percent_and_underscore_are_literal(data, q):
    assert _search(q=q) == _expected(data, q)


def test_percent_finds_only_text_with_a_percent_sign(data):
    assert _expected(data, "%")  # GIBIT: "Bijna 80% van de gemeenten"
    assert "gibit" in _search(q="80%")
    assert _search(q="8_%") == []
    assert len(_search(q="%")) < len(_search())
