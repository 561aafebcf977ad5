"""One scale-up request walked through the portal by the users of each role, from submission to
an adopted board decision, and what that decision changes: the catalogue, the subscriptions,
the fund and the coverage. Plus the refusals along the way, each of which changes nothing."""

import datetime as dt
import re

import pytest
import sqlalchemy as sa

from billing.models import OutboxMessage, Product, Subscription
from catalogue.models import BindingLevel, DecisionKind, ExecutionStructure, Facility
from catalogue.queries import criteria
from college.models import Compartment, FundAllocation, RequestStatus, ScaleUpRequest
from college.services import fund as fund_service
from governance import queries as registry
from governance.models import MemberKind
from portal.audit import Actor
from portal.db import db
from tests.college.conftest import browser_for, csrf


def _facility(slug: str) -> Facility:
    return db.session.scalar(sa.select(Facility).where(Facility.slug == slug))


def _outbox(subject_part: str) -> set[str]:
    return {
        m.recipient
        for m in db.session.scalars(sa.select(OutboxMessage))
        if subject_part in m.subject
    }


def _post(client, page_url: str, url: str, data: dict, prefix: str = ""):
    page = client.get(page_url)
    assert page.status_code == 200, page.get_data(as_text=True)[:500]
    key = f"{prefix}-csrf_token" if prefix else "csrf_token"
    return client.post(url, data={key: csrf(page), **data})


def submit(app, user, **overrides):
    client = browser_for(app, user)
    data = {
        "facility": str(_facility("govroam").id),
        "title": "Govroam in elke gemeente",
        "problem": "Medewerkers kunnen bij andere gemeenten niet veilig inloggen.",
        "proposed_rollout": "Aansluiten in drie tranches via de regio's.",
        "front_runners": "GM0344, gm0363",
        "expected_costs": "585000.00",
        "expected_benefits": "120000.00",
        "societal_benefits": "Veilig en gemakkelijk samenwerken tussen overheden.",
        "requested_contribution": "250000.00",
        "requested_compartment": "innovatie",
        **overrides,
    }
    response = _post(client, "/opschaling/nieuw", "/opschaling/nieuw", data)
    return client, response


def walk_to_board(app, users, allocation="250000.00"):
    """Submission, assessment and an adopted College advice; returns the request."""
    _, response = submit(app, users["it"])
    assert response.status_code == 303, response.get_data(as_text=True)
    request_id = int(response.headers["Location"].rsplit("/", 1)[-1])
    page = f"/opschaling/{request_id}"
    tf = browser_for(app, users["task_force"])
    assert _post(tf, page, f"{page}/beoordeling/starten", {}, "actie").status_code == 303
    scores = {}
    for c in criteria():
        scores[f"value_{c.id}"] = str(min(4, c.scale_max))
        scores[f"note_{c.id}"] = f"toelichting {c.code}"
    scores["impact_analysis"] = "Weinig impact op IT; netwerkinstellingen aanpassen."
    scores["conclusion"] = "Rijp voor landelijke opschaling."
    assert _post(tf, f"{page}/beoordeling", f"{page}/beoordeling", scores).status_code == 303
    assert _post(tf, page, f"{page}/beoordeling/afronden", {}, "actie").status_code == 303
    chair = browser_for(app, users["college_a"])
    advice = {
        "advies-rollout": "Alle gemeenten sluiten aan; de kopgroep helpt hun regio.",
        "advies-timeline": "April tot en met december 2017.",
        "advies-start_date": "2017-04-01",
        "advies-end_date": "2017-12-31",
        "advies-binding_level": "algemeen_bindend",
        "advies-cooperation_form": "Stichting Govroam met VNG Realisatie",
        "advies-execution_structure": "landelijk",
        "advies-fund_allocation": allocation,
        "advies-fund_year": "2018",
        "advies-fund_compartment": "innovatie",
    }
    response = _post(chair, f"{page}/advies", f"{page}/advies", advice, "advies")
    assert response.status_code == 303, response.get_data(as_text=True)
    for key, position, comment in (
        ("college_a", "eens", ""),
        ("college_b", "eens_met_kanttekening", "Let op kleine gemeenten."),
        ("college_c", "oneens", "Eerst de regio's."),
    ):
        member = browser_for(app, users[key])
        data = {"standpunt-position": position, "standpunt-comment": comment}
        response = _post(member, "/college/", f"{page}/standpunt", data, "standpunt")
        assert response.status_code == 303, response.get_data(as_text=True)
    assert _post(chair, page, f"{page}/advies/vaststellen", {}, "actie").status_code == 303
    return db.session.get(ScaleUpRequest, request_id)


def decide(app, users, item, outcome="overgenomen", **extra):
    board = browser_for(app, users["board"])
    page = f"/opschaling/{item.id}"
    data = {
        "besluit-outcome": outcome,
        "besluit-decided_on": "2017-03-15",
        "besluit-text": "Het bestuur neemt het advies van het College over.",
        **extra,
    }
    return _post(board, page, f"{page}/besluit", data, "besluit")


def test_a_request_walks_from_submission_to_an_adopted_decision(app, users):
    item = walk_to_board(app, users)
    assert item.status is RequestStatus.BESLUIT_BESTUUR
    assert {m.code for m in item.front_runners} == {"GM0344", "GM0363"}
    assert item.expected_costs_cents == 58_500_000
    assert item.requested_contribution_cents == 25_000_000
    # Notifications were queued for each next body (sent by the outbox after commit).
    assert "taskforce@college.example" in _outbox("Nieuw opschalingsverzoek")
    assert {"college-a@college.example", "college-b@college.example"} <= _outbox("Ter advisering")
    assert "bestuur@college.example" in _outbox("Advies College ter besluitvorming")
    board_page = browser_for(app, users["board"]).get("/bestuur/").get_data(as_text=True)
    assert item.reference in board_page

    response = decide(app, users, item)
    assert response.status_code == 303, response.get_data(as_text=True)
    db.session.expire_all()
    item = db.session.get(ScaleUpRequest, item.id)
    assert item.status is RequestStatus.IN_UITVOERING

    # Catalogue: binding level, structure and a standard declaration in the timeline.
    govroam = _facility("govroam")
    assert govroam.binding_level is BindingLevel.ALGEMEEN_BINDEND
    assert govroam.execution_structure is ExecutionStructure.LANDELIJK
    declaration = govroam.standard_decision
    assert declaration is not None and declaration.kind is DecisionKind.STANDAARDVERKLARING
    assert declaration.reference == item.reference
    assert declaration.date == dt.date(2017, 3, 15)

    # Subscriptions: every municipality that exists when the rollout starts, per product.
    start = dt.date(2017, 4, 1)
    municipalities = {m.id for m in registry.members_active_on(start, MemberKind.MUNICIPALITY)}
    assert len(municipalities) == 388
    products = db.session.scalars(sa.select(Product).where(Product.facility_id == govroam.id))
    for product in products:
        assert product.automatic
        subscribed = set(
            db.session.scalars(
                sa.select(Subscription.member_id).where(Subscription.product_id == product.id)
            )
        )
        assert subscribed == municipalities
    assert item.decision.subscriptions_created == 2 * 388
    # Making the products automatic is a billing change, logged as one.
    from billing.models import BillingEvent

    logged = db.session.scalars(
        sa.select(BillingEvent).where(BillingEvent.type == "product.automatic")
    ).all()
    assert sorted(e.data["product"] for e in logged) == ["govroam-aansluiting", "govroam-gebruik"]
    assert {e.data["decision"] for e in logged} == {item.reference}

    # Fund: the allocation is committed in 2018's innovation compartment.
    fund = fund_service.fund_year(2018)
    allocation = db.session.scalar(
        sa.select(FundAllocation).where(FundAllocation.request_id == item.id)
    )
    assert allocation.amount_cents == 25_000_000
    figures = {c.compartment.value: c for c in fund_service.figures(fund).compartments}
    assert figures["innovatie"].free_cents == 200_000_000 - 25_000_000

    # Adoption: everyone has joined by the target date; the map and the table say so.
    viewer = browser_for(app, users["it_other"])
    page = viewer.get("/voorzieningen/govroam/adoptie?datum=2017-12-31")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert re.search(
        r"Aangesloten \(abonnement, incl. in gebruik\)</th><td class=\"num\">388<", html
    )
    assert "gehaald" in html and "niet gehaald" not in html
    assert html.count("<path") >= 388 and 'role="img"' in html


def test_roles_are_enforced_and_steps_out_of_order_change_nothing(app, users):
    _, response = submit(app, users["it"])
    request_id = int(response.headers["Location"].rsplit("/", 1)[-1])
    page = f"/opschaling/{request_id}"
    # A municipality cannot assess; the College cannot advise before the Task Force is done.
    it = browser_for(app, users["it"])
    assert _post(it, page, f"{page}/beoordeling/starten", {}, "actie").status_code == 403
    college = browser_for(app, users["college_a"])
    response = _post(college, page, f"{page}/advies/vaststellen", {}, "actie")
    assert response.status_code == 400
    assert "niet bij het College" in response.get_data(as_text=True)
    # Completing an assessment without scores is refused with the reason.
    tf = browser_for(app, users["task_force"])
    _post(tf, page, f"{page}/beoordeling/starten", {}, "actie")
    for c in criteria():
        db.session.execute(
            sa.text("DELETE FROM assessment_scores WHERE criterion_id = :c"), {"c": c.id}
        )
    response = _post(tf, page, f"{page}/beoordeling/afronden", {}, "actie")
    assert response.status_code == 400
    assert "prioriteitenweging is nog niet" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(ScaleUpRequest, request_id).status is RequestStatus.IN_BEOORDELING


def test_other_municipalities_do_not_see_the_request(app, users):
    _, response = submit(app, users["it"], front_runners="GM0344")
    request_id = int(response.headers["Location"].rsplit("/", 1)[-1])
    other = browser_for(app, users["it_other"])
    assert other.get(f"/opschaling/{request_id}").status_code == 404
    assert "Govroam in elke gemeente" not in other.get("/opschaling/").get_data(as_text=True)
    own = browser_for(app, users["it"])
    assert own.get(f"/opschaling/{request_id}").status_code == 200


def test_an_advice_without_a_majority_is_not_adopted(app, users):
    item = walk_to_board(app, users)  # 2 in favour, 1 against: adopted
    assert item.status is RequestStatus.BESLUIT_BESTUUR
    assert item.advice.status.value == "vastgesteld"
    # A second request where the College is divided the other way.
    _, response = submit(app, users["it"], title="Tweede verzoek")
    second = db.session.get(ScaleUpRequest, int(response.headers["Location"].rsplit("/", 1)[-1]))
    from college.services import advice as advice_service
    from college.services import requests as request_service
    from portal.audit import Actor

    tf, chair = Actor.for_user(users["task_force"]), Actor.for_user(users["college_a"])
    request_service.start_assessment(tf, second)
    second.impact_analysis, second.assessment_conclusion = "impact", "conclusie"
    request_service.complete_assessment(tf, second)
    advice_service.save_advice(
        chair,
        second,
        rollout="uitrol",
        timeline="2017",
        start_date=dt.date(2017, 4, 1),
        end_date=dt.date(2017, 12, 31),
        binding_level=BindingLevel.VRIJ,
        cooperation_form="convenant",
        execution_structure=ExecutionStructure.REGIONAAL,
        fund_allocation_cents=None,
        fund_year=None,
        fund_compartment=None,
    )
    db.session.commit()
    for key, position in (("college_a", "eens"), ("college_b", "oneens"), ("college_c", "oneens")):
        member = browser_for(app, users[key])
        data = {"standpunt-position": position, "standpunt-comment": "toelichting"}
        page = f"/opschaling/{second.id}"
        assert _post(member, page, f"{page}/standpunt", data, "standpunt").status_code == 303
    chair_browser = browser_for(app, users["college_a"])
    page = f"/opschaling/{second.id}"
    response = _post(chair_browser, page, f"{page}/advies/vaststellen", {}, "actie")
    assert response.status_code == 400
    assert "geen meerderheid: 1 eens, 2 oneens" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(ScaleUpRequest, second.id).status is RequestStatus.ADVIES_COLLEGE


def test_an_advice_beyond_the_free_budget_is_refused_when_drafted(app, users):
    with pytest.raises(AssertionError) as refused:  # the advice's page answered 400
        walk_to_board(app, users, allocation="2500000.00")  # € 2,5 mln > € 2 mln free
    message = str(refused.value).replace("\xa0", " ")
    assert "innovatie 2018: nog € 2.000.000,00 vrij, gevraagd € 2.500.000,00" in message
    assert (
        db.session.scalar(
            sa.select(sa.func.count(FundAllocation.id)).where(
                FundAllocation.request_id.is_not(None)
            )
        )
        == 0
    )


def test_an_allocation_beyond_the_budget_refuses_the_whole_decision(app, users):
    item = walk_to_board(app, users)  # € 250.000 advised
    # Meanwhile the College commits most of what was free in innovatie.
    fund_service.allocate_in_proposal(
        Actor.for_user(users["college_a"]),
        fund_service.fund_year(2018),
        Compartment.INNOVATIE,
        "Andere activiteit",
        190_000_000,
    )
    db.session.commit()
    govroam = _facility("govroam")
    before = (govroam.binding_level, len(govroam.decisions))
    subscriptions = db.session.scalar(sa.select(sa.func.count(Subscription.id)))
    response = decide(app, users, item)
    assert response.status_code == 400
    text = response.get_data(as_text=True).replace("\xa0", " ")
    assert "innovatie 2018: nog € 100.000,00 vrij, gevraagd € 250.000,00" in text
    db.session.expire_all()
    govroam = _facility("govroam")
    assert (govroam.binding_level, len(govroam.decisions)) == before
    assert db.session.scalar(sa.select(sa.func.count(Subscription.id))) == subscriptions
    assert db.session.get(ScaleUpRequest, item.id).status is RequestStatus.BESLUIT_BESTUUR


def test_a_rejected_advice_changes_nothing_in_the_catalogue(app, users):
    item = walk_to_board(app, users)
    fund = fund_service.fund_year(2018)
    committed = fund_service.figures(fund).committed_cents
    subscriptions = db.session.scalar(sa.select(sa.func.count(Subscription.id)))
    response = decide(app, users, item, outcome="verworpen")
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(ScaleUpRequest, item.id).status is RequestStatus.AFGEWEZEN
    govroam = _facility("govroam")
    assert govroam.binding_level is None and govroam.standard_decision is None
    assert fund_service.figures(fund_service.fund_year(2018)).committed_cents == committed
    assert db.session.scalar(sa.select(sa.func.count(Subscription.id))) == subscriptions


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("title", "", "Titel"),
        ("expected_costs", "-5", "Verwachte kosten"),
        ("expected_costs", "12.345", "hooguit twee cijfers"),
        ("front_runners", "GM12", "geen CBS-code"),
        ("front_runners", "GM9999", "onbekende gemeente"),
        ("requested_compartment", "", "compartiment"),
    ],
)
def test_bad_input_on_submission_gives_a_message_and_stores_nothing(
    app, users, field, value, message
):
    count = db.session.scalar(sa.select(sa.func.count(ScaleUpRequest.id)))
    _, response = submit(app, users["it"], **{field: value})
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(ScaleUpRequest.id))) == count


def test_the_college_commits_money_to_an_activity_within_the_free_budget(app, users):
    college = browser_for(app, users["college_a"])
    data = {
        "toezegging-compartment": "innovatie",
        "toezegging-activity": "Pilot digitale handtekening",
        "toezegging-amount": "150000.00",
    }
    response = _post(college, "/fonds/2018", "/fonds/2018/toezeggingen", data, "toezegging")
    assert response.status_code == 303
    fund = fund_service.fund_year(2018)
    innovation = {c.compartment.value: c for c in fund_service.figures(fund).compartments}
    assert innovation["innovatie"].free_cents == 200_000_000 - 15_000_000
    data["toezegging-amount"] = "1850000.01"  # one cent more than is free
    response = _post(college, "/fonds/2018", "/fonds/2018/toezeggingen", data, "toezegging")
    assert response.status_code == 400
    assert "nog € 1.850.000,00 vrij" in response.get_data(as_text=True).replace("\xa0", " ")
    assert fund_service.figures(fund).committed_cents == fund_service.figures(fund).budget_cents - (
        200_000_000 - 15_000_000
    )
    # Only the College commits.
    finance = browser_for(app, users["finance"])
    response = _post(finance, "/fonds/2018", "/fonds/2018/toezeggingen", data, "toezegging")
    assert response.status_code == 403


def test_once_proposed_the_college_no_longer_commits_money_itself(app, users):
    fund = fund_service.fund_year(2018)
    from portal.audit import Actor

    fund_service.propose(Actor.for_user(users["college_a"]), fund)
    db.session.commit()
    college = browser_for(app, users["college_a"])
    data = {
        "toezegging-compartment": "innovatie",
        "toezegging-activity": "Na het voorstel",
        "toezegging-amount": "1000.00",
    }
    committed = fund_service.figures(fund).committed_cents
    response = _post(college, "/fonds/2018", "/fonds/2018/toezeggingen", data, "toezegging")
    assert response.status_code == 400
    assert "loopt nu via een besluit van het bestuur" in response.get_data(as_text=True)
    assert fund_service.figures(fund).committed_cents == committed


def test_documents_are_checked_and_only_the_requests_readers_download_them(app, users):
    client, response = submit(app, users["it"], front_runners="")
    request_id = int(response.headers["Location"].rsplit("/", 1)[-1])
    page = f"/opschaling/{request_id}"
    import io

    def upload(name, content, mimetype):
        data = {"doc-document": (io.BytesIO(content), name, mimetype)}
        token = csrf(client.get(page))
        return client.post(
            f"{page}/documenten",
            data={"doc-csrf_token": token, **data},
            content_type="multipart/form-data",
        )

    refused = upload("virus.pdf", b"MZ\x90\x00 not a pdf", "application/pdf")
    assert refused.status_code == 400
    assert "alleen PDF-" in refused.get_data(as_text=True)
    assert upload("business case.pdf", b"%PDF-1.4 plan", "application/pdf").status_code == 303
    item = db.session.get(ScaleUpRequest, request_id)
    [document] = item.documents
    url = f"{page}/documenten/{document.id}"
    download = client.get(url)
    assert download.status_code == 200 and download.data == b"%PDF-1.4 plan"
    assert "attachment" in download.headers["Content-Disposition"]
    assert browser_for(app, users["it_other"]).get(url).status_code == 404
    assert browser_for(app, users["college_a"]).get(url).status_code == 200


def test_the_municipality_withdraws_and_the_task_force_completes(app, users):
    client, response = submit(app, users["it"])
    request_id = int(response.headers["Location"].rsplit("/", 1)[-1])
    page = f"/opschaling/{request_id}"
    response = _post(client, page, f"{page}/intrekken", {"intrekken-note": "dubbel"}, "intrekken")
    assert response.status_code == 303
    db.session.expire_all()
    item = db.session.get(ScaleUpRequest, request_id)
    assert item.status is RequestStatus.INGETROKKEN
    assert item.transitions[-1].note == "dubbel"
    # A withdrawn request cannot be taken up again.
    tf = browser_for(app, users["task_force"])
    response = _post(tf, page, f"{page}/beoordeling/starten", {}, "actie")
    assert response.status_code == 400
    # An adopted one is completed by the Task Force, with a note.
    adopted = walk_to_board(app, users)
    assert decide(app, users, adopted).status_code == 303
    page = f"/opschaling/{adopted.id}"
    assert _post(tf, page, f"{page}/afronden", {"afronden-note": ""}, "afronden").status_code == 400
    data = {"afronden-note": "Alle gemeenten aangesloten."}
    assert _post(tf, page, f"{page}/afronden", data, "afronden").status_code == 303
    db.session.expire_all()
    assert db.session.get(ScaleUpRequest, adopted.id).status is RequestStatus.AFGEROND
