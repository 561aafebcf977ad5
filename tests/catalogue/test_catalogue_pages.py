"""The catalogue as people use it in a browser: the list with search and filters, a facility's
page with its factsheet and timeline, the decisions, the factsheet history, the roadmap, and the
administrator's forms (filled in from the page like a browser would, CSRF token included)."""

import datetime as dt
import re
from decimal import ROUND_HALF_UP, Decimal

import pytest
import sqlalchemy as sa

from catalogue import services
from catalogue.models import (
    AssessmentCriterion,
    AssessmentScore,
    Decision,
    DecisionBody,
    DecisionKind,
    Phase,
)
from portal.audit import Actor
from portal.db import db

QUESTIONS = [
    "Wie heeft het ontwikkeld?",
    "Wat is het precies?",
    "Wie gaat het gebruiken?",
    "Wat moet je als gemeente doen voor de implementatie?",
    "Wat kost het gebruik en wat levert het op?",
]
ANSWER_KEYS = ["wie_ontwikkeld", "wat_is_het", "wie_gebruikt", "implementatie", "kosten_baten"]
FIELDS = ["developed_by", "what_it_is", "who_uses_it", "implementation", "costs_and_benefits"]
MONTHS = {
    m: i + 1
    for i, m in enumerate(
        [
            *("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus"),
            *("september", "oktober", "november", "december"),
        ]
    )
}
FACILITY_LINK = re.compile(r"^/voorzieningen/([^/?#]+)$")
ACTOR = Actor.system("redacteur")


def _items(data):
    return data["facilities"] + data["candidates"]


def _facility_links(response, html) -> list[str]:
    """The facilities a page links to, in page order, once each."""
    slugs = []
    for href in html.page(response).hrefs():
        match = FACILITY_LINK.match(href)
        if match and match.group(1) not in slugs:
            slugs.append(match.group(1))
    return slugs


def _timeline_dates(response, html) -> list[dt.date]:
    dates = []
    for entry in html.page(response).timeline:
        day, month, year = re.match(r"(\d{1,2}) (\w+) (\d{4})", entry).groups()
        dates.append(dt.date(int(year), MONTHS[month], int(day)))
    return dates


def _criterion(code: str) -> AssessmentCriterion:
    db.session.expire_all()
    return db.session.scalar(sa.select(AssessmentCriterion).where(AssessmentCriterion.code == code))


def _decision_count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Decision))


# --- the list, search and filters -------------------------------------------------------------


def test_the_list_shows_every_facility_with_a_link(client, html, data):
    response = client.get("/voorzieningen/")
    assert response.status_code == 200
    page = html.page(response)
    expected = sorted(_items(data), key=lambda i: i["name"].lower())
    assert _facility_links(response, html) == [i["slug"] for i in expected]
    for item in expected:
        assert (f"/voorzieningen/{item['slug']}", item["name"]) in page.links
    assert f"{len(expected)} voorzieningen gevonden" in page.main


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("q=govroam", ["govroam"]),
        ("q=eduroam", ["govroam"]),  # only in Govroam's factsheet
        ("q=govroam+gratis", []),
        ("phase=opschaling", ["digitale-overlijdensaangifte", "gibit", "govroam"]),
        ("cost_kind=staffel", ["govroam"]),
        ("track=spoor_1", ["gbi", "omgevingswet", "pgb"]),
        ("phase=opschaling&cost_kind=geen", ["digitale-overlijdensaangifte", "gibit"]),
        ("q=8_%25", []),  # literal: no text holds "8_%"
        ("q=80%25", ["gibit"]),
        ("phase=&track=&q=", None),  # the blank choices: everything
    ],
)
def test_search_and_filters_on_the_page(client, html, data, query, expected):
    response = client.get(f"/voorzieningen/?{query}")
    assert response.status_code == 200
    found = _facility_links(response, html)
    if expected is None:
        expected = [i["slug"] for i in _items(data)]
    assert sorted(found) == sorted(expected)
    noun = "voorziening" if len(expected) == 1 else "voorzieningen"
    assert f"{len(expected)} {noun} gevonden" in html.page(response).main


def test_spoor_2_on_the_page_lists_the_six(client, html, data):
    response = client.get("/voorzieningen/?track=spoor_2")
    assert sorted(_facility_links(response, html)) == sorted(f["slug"] for f in data["facilities"])


def test_the_page_keeps_the_chosen_filters_in_the_form(client, html):
    response = client.get("/voorzieningen/?q=wifi&phase=opschaling")
    fields = dict(html.page(response).form("q")["fields"])
    assert fields["q"] == "wifi"
    assert fields["phase"] == "opschaling"


def test_the_filter_fields_follow_each_request_however_often_they_are_rendered(client, html):
    """The rendered filter fields are kept per combination of values (catalogue.views): the
    same values give the same fields, other values never get an earlier request's fields."""
    for _ in range(2):
        for query, q, phase in [
            ("", "", ""),
            ("q=wifi&phase=opschaling", "wifi", "opschaling"),
            ("phase=beheer", "", "beheer"),
            ("q=wifi", "wifi", ""),
            ("q=&phase=", "", ""),
        ]:
            fields = dict(html.page(client.get(f"/voorzieningen/?{query}")).form("q")["fields"])
            assert (fields["q"], fields["phase"]) == (q, phase), query
    invalid = client.get("/voorzieningen/?phase=bestaat-niet")
    assert invalid.status_code == 400 and 'id="phase-fout"' in invalid.get_data(as_text=True)
    assert 'id="phase-fout"' not in client.get("/voorzieningen/").get_data(as_text=True)


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("phase=bestaat-niet", "phase"),
        ("track=spoor_3", "track"),
        ("cost_kind=duur", "cost_kind"),
        ("binding_level=x", "binding_level"),
        ("execution_structure=x", "execution_structure"),
        ("q=" + "a" * 101, "q"),
    ],
)
def test_an_invalid_filter_gives_400_with_a_visible_field_error(client, html, query, field):
    response = client.get(f"/voorzieningen/?{query}")
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    page = html.page(response)
    assert page.field_errors, "no field error shown"
    assert f'id="{field}-fout"' in text
    assert re.search(rf'<(?:select|input)[^>]*aria-invalid="true"[^>]*name="{field}"', text) or (
        re.search(rf'name="{field}"[^>]*aria-invalid="true"', text)
    )
    assert "Controleer de filters" in page.errors
    assert _facility_links(response, html) == []


# --- a facility's page ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "slug",
        ["rijbewijzen", "digitale-overlijdensaangifte", "digitale-verhuisservice", "gibit", "gon",
         "govroam"],
)  # fmt: skip
def test_the_facility_page_shows_the_five_questions_and_answers(client, html, data, slug):
    item = next(f for f in data["facilities"] if f["slug"] == slug)
    response = client.get(f"/voorzieningen/{slug}")
    assert response.status_code == 200
    page = html.page(response)
    assert ("h1", item["name"]) in page.headings
    assert [t for tag, t in page.headings if tag == "h3"] == QUESTIONS
    text = page.main
    for key in ANSWER_KEYS:
        for paragraph in item["factsheet"][key].split("\n\n"):
            assert " ".join(paragraph.split()) in text
    assert "Versie 1" in text
    assert (f"/voorzieningen/{slug}/versies", "alle versies en wijzigingen") in page.links


def test_a_candidate_page_says_there_is_no_factsheet_yet(client, html):
    page = html.page(client.get("/voorzieningen/gbi"))
    assert "Voor deze voorziening is nog geen factsheet." in page.main
    assert [t for tag, t in page.headings if tag == "h3"] == []


def test_the_timeline_links_every_decision_and_the_decision_links_back(client, html, data):
    rows = [r for r in data["decisions"] if "govroam" in r["facility_slugs"]]
    response = client.get("/voorzieningen/govroam")
    page = html.page(response)
    decision_links = [(h, t) for h, t in page.links if h.startswith("/besluiten/")]
    assert sorted(t for _, t in decision_links) == sorted(r["title"] for r in rows)
    for href, title in decision_links:
        row = next(r for r in rows if r["title"] == title)
        decision = client.get(href)
        assert decision.status_code == 200
        shown = html.page(decision)
        assert ("h1", title) in shown.headings
        for paragraph in row["text"].split("\n\n"):
            assert " ".join(paragraph.split()) in shown.main
        assert "30 november 2016" in shown.main
        for slug in row["facility_slugs"]:
            assert f"/voorzieningen/{slug}" in shown.hrefs()
    for entry in page.timeline:
        assert entry.startswith("30 november 2016")


def test_the_timeline_stays_in_date_order(client, html, facility):
    """Phases and decisions on one dated timeline: a later phase change and an earlier decision
    must each take their place by date."""
    services.change_phase(ACTOR, facility("govroam"), Phase.BEHEER, dt.date(2018, 1, 1))
    services.record_decision(
        ACTOR,
        date=dt.date(2016, 6, 8),
        body=DecisionBody.ALV,
        kind=DecisionKind.KENNISNAME,
        title="Kennisname Govroam",
        text="De ALV neemt kennis van Govroam.",
        facilities=[facility("govroam")],
    )
    services.record_decision(
        ACTOR,
        date=dt.date(2017, 6, 14),
        body=DecisionBody.ALV,
        kind=DecisionKind.BESLUIT,
        title="Govroam landelijk",
        text="Besluit.",
        facilities=[facility("govroam")],
    )
    db.session.commit()
    dates = _timeline_dates(client.get("/voorzieningen/govroam"), html)
    assert len(dates) == 6
    assert dates == sorted(dates), dates


def test_the_facility_page_says_whether_it_is_a_standard(client, html, facility):
    assert "nog niet tot standaard verklaard" in html.page(client.get("/voorzieningen/gon")).main
    decision = services.record_decision(
        ACTOR,
        date=dt.date(2017, 6, 14),
        body=DecisionBody.ALV,
        kind=DecisionKind.STANDAARDVERKLARING,
        title="GON tot standaard verklaard",
        text="De ALV verklaart het GON tot standaard.",
        facilities=[facility("gon")],
    )
    db.session.commit()
    page = html.page(client.get("/voorzieningen/gon"))
    assert "Standaard ja, ALV 14 juni 2017" in page.main
    assert (f"/besluiten/{decision.id}", "ALV 14 juni 2017") in page.links


def test_versions_page_lists_versions_newest_first_with_what_changed(client, html, facility):
    govroam = facility("govroam")
    answers = {f: getattr(govroam.factsheet, f) for f in FIELDS}
    second = {**answers, "who_uses_it": "Gemeenten, provincies en ketenpartners"}
    services.save_factsheet(Actor.system("eerste redacteur"), govroam, second, "provincies")
    third = {**second, "developed_by": "Stichting Govroam."}
    services.save_factsheet(Actor.system("tweede redacteur"), facility("govroam"), third, "kort")
    db.session.commit()

    response = client.get("/voorzieningen/govroam/versies")
    assert response.status_code == 200
    page = html.page(response)
    assert [t for tag, t in page.headings if tag == "h2"] == ["Versie 3", "Versie 2", "Versie 1"]
    text = page.main
    assert text.index("Versie 3") < text.index("tweede redacteur: kort")
    assert text.index("tweede redacteur: kort") < text.index("Versie 2")
    v3 = text[text.index("Versie 3") : text.index("Versie 2")]
    assert "Wie heeft het ontwikkeld?" in v3
    assert "Wie gaat het gebruiken?" not in v3
    assert "toegevoegd: Stichting Govroam." in v3
    v2 = text[text.index("Versie 2") : text.index("Versie 1")]
    assert "eerste redacteur: provincies" in v2
    assert "Wie gaat het gebruiken?" in v2
    assert "Wie heeft het ontwikkeld?" not in v2
    assert "verwijderd: Gemeenten toegevoegd: Gemeenten, provincies" in v2


# --- roadmap, home, not found -----------------------------------------------------------------


def test_the_roadmap_lists_every_facility_not_phased_out(client, html, data, facility):
    response = client.get("/routekaart")
    assert response.status_code == 200
    assert sorted(_facility_links(response, html)) == sorted(i["slug"] for i in _items(data))

    services.change_phase(ACTOR, facility("pgb"), Phase.UITGEFASEERD, dt.date(2017, 3, 1))
    db.session.commit()
    links = _facility_links(client.get("/routekaart"), html)
    assert "pgb" not in links
    assert len(links) == len(_items(data)) - 1


def test_the_roadmap_shows_scored_facilities_first(client, html, facility):
    codes = ["waarde", "noodzaak_landelijk", "urgentie"]
    for slug, values in [("gon", (3, 3, 3)), ("gbi", (5, 5, 4))]:
        services.set_scores(
            ACTOR,
            facility(slug),
            {_criterion(c).id: (v, "") for c, v in zip(codes, values, strict=True)},
        )
    db.session.commit()
    response = client.get("/routekaart")
    assert _facility_links(response, html)[:2] == ["gbi", "gon"]
    text = html.page(response).main
    assert "93,3" in text and "60" in text


def test_every_facility_is_linked_from_the_home_page(client, html, data):
    home = client.get("/")
    assert home.status_code == 200
    linked = _facility_links(home, html)
    assert sorted(linked) == sorted(i["slug"] for i in _items(data))
    for item in data["facilities"]:  # one click further: the factsheet
        page = html.page(client.get(f"/voorzieningen/{item['slug']}"))
        assert ("h2", "Factsheet") in page.headings
        assert [t for tag, t in page.headings if tag == "h3"] == QUESTIONS


@pytest.mark.parametrize(
    "url",
    ["/voorzieningen/bestaat-niet", "/voorzieningen/bestaat-niet/versies", "/besluiten/999999"],
)
def test_unknown_pages_are_404_pages(client, html, url):
    response = client.get(url)
    assert response.status_code == 404
    assert "text/html" in response.content_type
    assert "Pagina niet gevonden" in html.page(response).main


# --- administrator: facility fields and phase -------------------------------------------------


def test_the_facility_page_has_admin_links_for_an_administrator_only(client, admin, html):
    edit = "/voorzieningen/govroam/bewerken"
    assert edit in html.page(admin.get("/voorzieningen/govroam")).hrefs()
    assert edit not in html.page(client.get("/voorzieningen/govroam")).hrefs()


def test_editing_facility_fields_saves_and_audits(admin, html, facility, audit_events):
    response = html.submit(
        admin,
        "/voorzieningen/govroam/bewerken",
        "name",
        {"name": "Govroam (wifi)", "binding_level": "vrij", "available_from": "2017-01-15"},
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/voorzieningen/govroam")
    govroam = facility("govroam")
    assert govroam.name == "Govroam (wifi)"
    assert govroam.binding_level.value == "vrij"
    assert govroam.available_from == dt.date(2017, 1, 15)
    assert govroam.cost_kind.value == "staffel"  # untouched fields stay as they were
    assert govroam.track.value == "spoor_2"

    (event,) = audit_events(action="facility.update", object_id="govroam")
    assert event.actor_id == admin.user.id
    assert set(event.after) == {"name", "binding_level", "available_from"}
    page = html.page(admin.get("/voorzieningen/govroam"))
    assert ("h1", "Govroam (wifi)") in page.headings
    assert "Govroam (wifi) is opgeslagen." in page.main


@pytest.mark.parametrize("slug", ["govroam", "gibit", "gon", "gbi"])
def test_saving_the_facility_form_unchanged_changes_nothing(admin, html, audit_events, slug):
    response = html.submit(admin, f"/voorzieningen/{slug}/bewerken", "name")
    assert response.status_code == 302
    assert audit_events(action="facility.update") == []


def test_an_empty_name_is_refused_with_a_message(admin, html, facility, audit_events):
    response = html.submit(admin, "/voorzieningen/govroam/bewerken", "name", {"name": "  "})
    assert response.status_code == 400
    page = html.page(response)
    assert "Naam" in page.errors
    assert page.field_errors
    assert facility("govroam").name == "Govroam"
    assert audit_events(action="facility.update") == []


def test_the_phase_form_adds_a_dated_phase(admin, html, facility, audit_events):
    response = html.submit(
        admin,
        "/voorzieningen/govroam/bewerken",
        "fase-phase",
        {"fase-phase": "beheer", "fase-effective_date": "2017-12-31", "fase-note": "landelijk"},
    )
    assert response.status_code == 302
    govroam = facility("govroam")
    assert govroam.phase is Phase.BEHEER
    assert [(c.phase.value, c.effective_date) for c in govroam.phase_changes] == [
        ("opschaling", dt.date(2016, 11, 30)),
        ("beheer", dt.date(2017, 12, 31)),
    ]
    (event,) = audit_events(action="facility.phase", object_id="govroam")
    assert event.actor_id == admin.user.id
    assert "31 december 2017" in html.page(admin.get("/voorzieningen/govroam")).main


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"fase-phase": "beheer", "fase-effective_date": "2016-01-01"}, "vóór de vorige"),
        ({"fase-phase": "opschaling", "fase-effective_date": "2017-01-01"}, "al in fase"),
        ({"fase-phase": "beheer", "fase-effective_date": ""}, "Met ingang van"),
        ({"fase-phase": "nergens", "fase-effective_date": "2017-01-01"}, "Nieuwe fase"),
    ],
)
def test_a_refused_phase_change_gives_400_and_changes_nothing(
    admin, html, facility, audit_events, changes, message
):
    response = html.submit(admin, "/voorzieningen/govroam/bewerken", "fase-phase", changes)
    assert response.status_code == 400
    assert message in html.page(response).errors
    govroam = facility("govroam")
    assert govroam.phase is Phase.OPSCHALING
    assert len(govroam.phase_changes) == 1
    assert audit_events(action="facility.phase") == []


# --- administrator: factsheet -----------------------------------------------------------------


def test_the_factsheet_form_makes_a_new_version(admin, html, facility, audit_events):
    govroam = facility("govroam")
    old_answer = govroam.factsheet.who_uses_it
    response = html.submit(
        admin,
        "/voorzieningen/govroam/factsheet",
        "what_it_is",
        {"who_uses_it": "Alle gemeenten en ketenpartners.", "change_note": "gebruikers"},
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/voorzieningen/govroam/versies")
    govroam = facility("govroam")
    assert [v.version for v in govroam.factsheet_versions] == [1, 2]
    first, second = govroam.factsheet_versions
    assert first.who_uses_it == old_answer
    assert second.who_uses_it == "Alle gemeenten en ketenpartners."
    assert second.author_label == admin.user.email
    assert second.author_id == admin.user.id
    assert second.change_note == "gebruikers"
    for field in ("developed_by", "what_it_is", "implementation", "costs_and_benefits"):
        assert getattr(second, field) == getattr(first, field), field
    (event,) = audit_events(action="factsheet.version", object_id="govroam")
    assert event.after["changed"] == ["who_uses_it"]

    versions = html.page(admin.get("/voorzieningen/govroam/versies")).main
    assert f"door {admin.user.email}: gebruikers" in versions
    assert "Alle gemeenten en ketenpartners." in html.page(admin.get("/voorzieningen/govroam")).main


@pytest.mark.parametrize("slug", ["govroam", "gibit", "digitale-overlijdensaangifte"])
def test_saving_the_factsheet_form_unchanged_makes_no_version(admin, html, facility, slug):
    """Answers with paragraphs come back from a browser with CRLF line breaks: that is not a
    change of the text."""
    response = html.submit(
        admin, f"/voorzieningen/{slug}/factsheet", "what_it_is", {"change_note": "niets"}
    )
    assert response.status_code == 302
    assert [v.version for v in facility(slug).factsheet_versions] == [1]


def test_an_empty_factsheet_answer_is_refused(admin, html, facility, audit_events):
    response = html.submit(
        admin,
        "/voorzieningen/govroam/factsheet",
        "what_it_is",
        {"implementation": "   ", "change_note": "leeg"},
    )
    assert response.status_code == 400
    assert "Wat moet je als gemeente doen voor de implementatie?" in html.page(response).errors
    assert [v.version for v in facility("govroam").factsheet_versions] == [1]
    assert audit_events(action="factsheet.version") == []


# --- administrator: assessment and method -----------------------------------------------------


def _score_form(admin, html, slug, values: dict[str, str]):
    changes = {f"value_{_criterion(code).id}": value for code, value in values.items()}
    return html.submit(admin, f"/voorzieningen/{slug}/beoordeling", next(iter(changes)), changes)


def test_the_assessment_form_saves_scores_and_the_page_shows_the_formula(
    admin, html, facility, audit_events
):
    for code, weight in [("waarde", "2"), ("noodzaak_landelijk", "1"), ("urgentie", "1")]:
        response = html.submit(
            admin, f"/beheer/duidingsmethodiek/{code}", "weight", {"weight": weight}
        )
        assert response.status_code == 302
    response = _score_form(
        admin, html, "govroam", {"waarde": "5", "noodzaak_landelijk": "3", "urgentie": "1"}
    )
    assert response.status_code == 302
    scores = {s.criterion.code: s.value for s in facility("govroam").scores}
    assert scores == {"waarde": 5, "noodzaak_landelijk": 3, "urgentie": 1}
    assert len(audit_events(action="assessment.update", object_id="govroam")) == 1

    weighted = [(Decimal(2), 5, 5), (Decimal(1), 3, 5), (Decimal(1), 1, 5)]
    raw = sum(w * v / s for w, v, s in weighted) / sum(w for w, _, _ in weighted)
    value = (100 * raw).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    assert value == Decimal("70.0")
    text = html.page(admin.get("/voorzieningen/govroam")).main
    assert "Prioriteitsscore: 100 × (2 × 5/5 + 1 × 3/5 + 1 × 1/5) / 4 = 70" in text


def test_an_assessment_value_above_the_scale_is_refused(admin, html, facility, audit_events):
    response = _score_form(admin, html, "govroam", {"waarde": "6", "impact_it": "2"})
    assert response.status_code == 400
    assert "Waarde voor dienstverlening en bedrijfsvoering" in html.page(response).errors
    response = _score_form(admin, html, "govroam", {"impact_it": "4"})  # impact: 1-3
    assert response.status_code == 400
    assert facility("govroam").scores == []
    assert audit_events(action="assessment.update") == []


def test_the_criterion_form_changes_the_weight(admin, html, audit_events):
    response = html.submit(admin, "/beheer/duidingsmethodiek/urgentie", "weight", {"weight": "3"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/beheer/duidingsmethodiek")
    assert _criterion("urgentie").weight == Decimal(3)
    (event,) = audit_events(action="criterion.update", object_id="urgentie")
    assert event.actor_id == admin.user.id
    method = html.page(admin.get("/beheer/duidingsmethodiek")).main
    assert "Criterium Urgentie opgeslagen." in method


@pytest.mark.parametrize(
    ("changes", "message"),
    [({"weight": "-1"}, "Gewicht"), ({"weight": "veel"}, "Gewicht"), ({"name": ""}, "Naam")],
)
def test_an_invalid_criterion_is_refused(admin, html, audit_events, changes, message):
    response = html.submit(admin, "/beheer/duidingsmethodiek/urgentie", "weight", changes)
    assert response.status_code == 400
    assert message in html.page(response).errors
    criterion = _criterion("urgentie")
    assert (criterion.name, criterion.weight) == ("Urgentie", Decimal(1))
    assert audit_events(action="criterion.update") == []


# --- administrator: decisions -----------------------------------------------------------------

NEW_DECISION = {
    "date": "2017-06-14",
    "body": "alv",
    "kind": "standaardverklaring",
    "title": "Govroam tot standaard verklaard",
    "text": "De ALV verklaart Govroam tot standaard.\r\n\r\nIngangsdatum 1 januari 2018.",
    "reference": "ALV 14 juni 2017",
    "facilities": ["govroam"],
}


def test_recording_a_decision_through_the_form(admin, html, facility, audit_events):
    response = html.submit(admin, "/besluiten/nieuw", "title", NEW_DECISION)
    assert response.status_code == 302
    decision_id = int(re.search(r"/besluiten/(\d+)$", response.headers["Location"]).group(1))
    shown = html.page(admin.get(f"/besluiten/{decision_id}"))
    assert ("h1", "Govroam tot standaard verklaard") in shown.headings
    assert "De ALV verklaart Govroam tot standaard." in shown.main
    assert "/voorzieningen/govroam" in shown.hrefs()

    assert facility("govroam").standard_decision.id == decision_id
    page = html.page(admin.get("/voorzieningen/govroam"))
    assert f"/besluiten/{decision_id}" in page.hrefs()
    assert any("Govroam tot standaard verklaard" in e for e in page.timeline)
    (event,) = audit_events(action="decision.create", object_id=str(decision_id))
    assert event.actor_id == admin.user.id


def test_a_decision_keeps_its_paragraphs(admin, html):
    response = html.submit(admin, "/besluiten/nieuw", "title", NEW_DECISION)
    decision_id = int(response.headers["Location"].rsplit("/", 1)[1])
    text = admin.get(f"/besluiten/{decision_id}").get_data(as_text=True)
    assert "<p>De ALV verklaart Govroam tot standaard.</p><p>Ingangsdatum 1 januari 2018.</p>" in (
        text
    )


def test_a_standard_declaration_without_facilities_is_refused_in_the_form(
    admin, html, audit_events
):
    before = _decision_count()
    response = html.submit(admin, "/besluiten/nieuw", "title", {**NEW_DECISION, "facilities": []})
    assert response.status_code == 400
    assert "minstens één voorziening" in html.page(response).errors
    assert _decision_count() == before
    assert audit_events(action="decision.create") == []


@pytest.mark.parametrize(
    ("changes", "message"),
    [({"title": ""}, "Titel"), ({"date": "14-06-2017"}, "Datum"), ({"kind": "wet"}, "Soort")],
)
def test_an_invalid_decision_is_refused(admin, html, changes, message):
    before = _decision_count()
    response = html.submit(admin, "/besluiten/nieuw", "title", {**NEW_DECISION, **changes})
    assert response.status_code == 400
    assert message in html.page(response).errors
    assert _decision_count() == before


def test_correcting_a_decision_through_the_form(admin, html, facility, audit_events):
    created = html.submit(admin, "/besluiten/nieuw", "title", NEW_DECISION)
    decision_id = int(created.headers["Location"].rsplit("/", 1)[1])
    response = html.submit(
        admin,
        f"/besluiten/{decision_id}/bewerken",
        "title",
        {"title": "Govroam is de standaard"},
    )
    assert response.status_code == 302, html.page(response).errors
    db.session.expire_all()
    decision = db.session.get(Decision, decision_id)
    assert decision.title == "Govroam is de standaard"
    assert [f.slug for f in decision.facilities] == ["govroam"]  # kept by the form
    (event,) = audit_events(action="decision.update", object_id=str(decision_id))
    assert event.before["title"] == "Govroam tot standaard verklaard"
    assert "Govroam is de standaard" in html.page(admin.get("/voorzieningen/govroam")).main


def test_correcting_a_seeded_decision_title_keeps_its_text(admin, html, data):
    row = next(r for r in data["decisions"] if "govroam" in r["facility_slugs"])
    decision = db.session.scalar(sa.select(Decision).where(Decision.title == row["title"]))
    decision_id, text = decision.id, decision.text
    assert "\n\n" in text  # the source text and its note
    response = html.submit(
        admin, f"/besluiten/{decision_id}/bewerken", "title", {"title": "Voorstel A"}
    )
    assert response.status_code == 302
    db.session.expire_all()
    corrected = db.session.get(Decision, decision_id)
    assert corrected.title == "Voorstel A"
    assert corrected.text == text
    assert sorted(f.slug for f in corrected.facilities) == sorted(row["facility_slugs"])


def test_the_decision_edit_form_shows_its_facilities_checked(admin, html, data):
    row = next(r for r in data["decisions"] if "govroam" in r["facility_slugs"])
    decision = db.session.scalar(sa.select(Decision).where(Decision.title == row["title"]))
    form = html.page(admin.get(f"/besluiten/{decision.id}/bewerken")).form("title")
    checked = [value for name, value in form["fields"] if name == "facilities"]
    assert sorted(checked) == sorted(row["facility_slugs"])


# --- administrator: CSRF and access -----------------------------------------------------------

ADMIN_POSTS = [
    ("/voorzieningen/govroam/bewerken", {"name": "Zonder token", "cost_kind": "geen"}),
    ("/voorzieningen/govroam/fase", {"fase-phase": "beheer", "fase-effective_date": "2017-06-01"}),
    (
        "/voorzieningen/govroam/factsheet",
        {**{f: "Tekst." for f in FIELDS}, "change_note": "zonder token"},
    ),
    ("/voorzieningen/govroam/beoordeling", {"value_5": "5"}),
    ("/besluiten/nieuw", {k: v for k, v in NEW_DECISION.items()}),
    ("/beheer/duidingsmethodiek/urgentie", {"name": "Urgentie", "weight": "7"}),
]


def _state(slug="govroam") -> tuple:
    db.session.expire_all()
    from catalogue.models import Facility

    facility = db.session.scalar(sa.select(Facility).where(Facility.slug == slug))
    return (
        facility.name,
        facility.phase,
        len(facility.phase_changes),
        len(facility.factsheet_versions),
        db.session.scalar(sa.select(sa.func.count()).select_from(AssessmentScore)),
        _decision_count(),
        _criterion("urgentie").weight,
    )


@pytest.mark.parametrize(("url", "form"), ADMIN_POSTS, ids=[u for u, _ in ADMIN_POSTS])
@pytest.mark.parametrize("token", ["missing", "forged"])
def test_a_post_without_a_valid_csrf_token_is_refused(admin, audit_events, url, form, token):
    before = _state()
    admin.get(url if not url.endswith("/fase") else "/voorzieningen/govroam/bewerken")
    data = dict(form)
    if token == "forged":
        data["csrf_token" if not url.endswith("/fase") else "fase-csrf_token"] = "vervalst"
    response = admin.post(url, data=data)
    assert response.status_code == 400
    assert _state() == before
    assert [e for e in audit_events() if e.action != "user.create"] == []


ADMIN_PAGES = [
    "/voorzieningen/govroam/bewerken",
    "/voorzieningen/govroam/factsheet",
    "/voorzieningen/govroam/beoordeling",
    "/besluiten/nieuw",
    "/besluiten/1/bewerken",
    "/beheer/duidingsmethodiek",
    "/beheer/duidingsmethodiek/urgentie",
]


@pytest.mark.parametrize("url", ADMIN_PAGES)
def test_a_gemeente_it_user_gets_403_on_admin_pages(gemeente_it, url):
    assert gemeente_it.get(url).status_code == 403


@pytest.mark.parametrize(("url", "form"), ADMIN_POSTS, ids=[u for u, _ in ADMIN_POSTS])
def test_a_gemeente_it_user_cannot_post_admin_forms(gemeente_it, html, url, form):
    before = _state()
    token = html.csrf(gemeente_it.get("/account"))
    data = {**form, "csrf_token": token, "fase-csrf_token": token}
    assert gemeente_it.post(url, data=data).status_code == 403
    assert _state() == before


@pytest.mark.parametrize("url", ADMIN_PAGES)
def test_anonymous_visitors_are_sent_to_the_login_page(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert "/inloggen" in response.headers["Location"]


def test_an_admin_can_open_every_admin_page(admin):
    for url in ADMIN_PAGES:
        assert admin.get(url).status_code == 200, url
