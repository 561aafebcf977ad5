"""The rules that keep the College's decisions honest: quorum, no position on a text the member
has not seen, sending back, what a rejection stores, the decision date, and amounts as Dutch
users type them (or as an attacker does)."""

import datetime as dt

import pytest
import sqlalchemy as sa

from billing.models import Product, Subscription, SubscriptionStatus
from billing.services.subscriptions import subscribe
from catalogue.models import Facility
from catalogue.queries import criteria
from college.models import BoardDecision, CollegePosition, RequestStatus, ScaleUpRequest
from college.services import adoption
from governance import queries as registry
from portal.audit import Actor
from portal.auth.models import Role
from portal.db import db
from tests.college.conftest import browser_for, make_user
from tests.college.test_scale_up_walk import _post, decide, submit, walk_to_board


def _fresh_request_at_college(app, users) -> ScaleUpRequest:
    from college.services import requests as request_service

    _, response = submit(app, users["it"], title="Voor het College")
    item = db.session.get(ScaleUpRequest, int(response.headers["Location"].rsplit("/", 1)[-1]))
    tf = Actor.for_user(users["task_force"])
    request_service.start_assessment(tf, item)
    scores = {c.id: (min(3, c.scale_max), "") for c in criteria()}
    request_service.save_assessment(tf, item, scores, "impact", "conclusie")
    request_service.complete_assessment(tf, item)
    db.session.commit()
    return item


ADVICE = {
    "advies-rollout": "Alle gemeenten.",
    "advies-timeline": "2017.",
    "advies-start_date": "2017-04-01",
    "advies-end_date": "2017-12-31",
    "advies-binding_level": "vrij",
    "advies-cooperation_form": "Convenant",
    "advies-execution_structure": "regionaal",
    "advies-fund_allocation": "",
    "advies-fund_year": "",
    "advies-fund_compartment": "",
}


def test_an_advice_needs_more_than_half_of_the_college(app, users):
    make_user(Role.COLLEGE, name="college-d")
    make_user(Role.COLLEGE, name="college-e")  # five members: three positions needed
    db.session.commit()
    item = _fresh_request_at_college(app, users)
    page = f"/opschaling/{item.id}"
    chair = browser_for(app, users["college_a"])
    assert _post(chair, f"{page}/advies", f"{page}/advies", ADVICE, "advies").status_code == 303
    for key in ("college_a", "college_b"):
        data = {"standpunt-position": "eens", "standpunt-revision": "1"}
        member = browser_for(app, users[key])
        assert _post(member, page, f"{page}/standpunt", data, "standpunt").status_code == 303
    response = _post(chair, page, f"{page}/advies/vaststellen", {}, "actie")
    assert response.status_code == 400
    assert "2 van de 5 leden hebben een standpunt" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(ScaleUpRequest, item.id).status is RequestStatus.ADVIES_COLLEGE


def test_a_position_on_an_older_text_is_refused_and_a_change_voids_positions(app, users):
    item = _fresh_request_at_college(app, users)
    page = f"/opschaling/{item.id}"
    chair = browser_for(app, users["college_a"])
    _post(chair, f"{page}/advies", f"{page}/advies", ADVICE, "advies")
    member = browser_for(app, users["college_b"])
    data = {"standpunt-position": "eens", "standpunt-revision": "1"}
    assert _post(member, page, f"{page}/standpunt", data, "standpunt").status_code == 303
    # The chair changes the text: B's position no longer counts and B is asked again.
    changed = {**ADVICE, "advies-timeline": "Heel 2017 en 2018.", "advies-revision": "1"}
    assert _post(chair, f"{page}/advies", f"{page}/advies", changed, "advies").status_code == 303
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count(CollegePosition.id))) == 0
    assert db.session.get(ScaleUpRequest, item.id).advice.revision == 2
    # C read revision 1 and agrees: refused, the text changed under them.
    other = browser_for(app, users["college_c"])
    response = _post(other, page, f"{page}/standpunt", data, "standpunt")
    assert response.status_code == 400
    assert "intussen gewijzigd" in response.get_data(as_text=True)
    # And an edit started from revision 1 does not overwrite revision 2.
    stale = {**ADVICE, "advies-timeline": "Oud.", "advies-revision": "1"}
    response = _post(other, f"{page}/advies", f"{page}/advies", stale, "advies")
    assert response.status_code == 400
    db.session.expire_all()
    assert db.session.get(ScaleUpRequest, item.id).advice.timeline == "Heel 2017 en 2018."


def test_the_college_sends_a_request_back_to_the_task_force(app, users):
    item = _fresh_request_at_college(app, users)
    page = f"/opschaling/{item.id}"
    college = browser_for(app, users["college_a"])
    empty = {"terugsturen-note": ""}
    assert _post(college, page, f"{page}/terugsturen", empty, "terugsturen").status_code == 400
    data = {"terugsturen-note": "Kosten voor kleine gemeenten ontbreken."}
    assert _post(college, page, f"{page}/terugsturen", data, "terugsturen").status_code == 303
    db.session.expire_all()
    item = db.session.get(ScaleUpRequest, item.id)
    assert item.status is RequestStatus.IN_BEOORDELING
    assert item.transitions[-1].note == "Kosten voor kleine gemeenten ontbreken."


def test_a_rejection_stores_no_terms_and_the_decision_date_is_checked(app, users):
    item = walk_to_board(app, users)
    response = decide(app, users, item, **{"besluit-decided_on": "2016-11-29"})
    assert response.status_code == 400
    assert "kies een datum van 30-11-2016 tot en met vandaag" in response.get_data(as_text=True)
    tomorrow = (dt.date.today() + dt.timedelta(days=2)).isoformat()
    assert decide(app, users, item, **{"besluit-decided_on": tomorrow}).status_code == 400
    assert decide(app, users, item, outcome="verworpen").status_code == 303
    decision = db.session.scalar(sa.select(BoardDecision))
    assert (decision.binding_level, decision.execution_structure) == (None, None)
    assert decision.fund_allocation_cents == 0


def test_a_subscription_only_requested_is_not_joined(app, users):
    govroam = db.session.scalar(sa.select(Facility).where(Facility.slug == "govroam"))
    product = db.session.scalar(sa.select(Product).where(Product.code == "govroam-aansluiting"))
    utrecht = registry.member_by_code("GM0344")
    subscribe(Actor.system("test"), utrecht, product, dt.date(2017, 1, 1))
    assert adoption.statuses_on(govroam, dt.date(2017, 6, 30)) == {}
    subscription = db.session.scalar(sa.select(Subscription))
    subscription.status = SubscriptionStatus.ACTIVE
    assert adoption.statuses_on(govroam, dt.date(2017, 6, 30)) == {utrecht.id: adoption.JOINED}


@pytest.mark.parametrize(
    "typed, cents",
    [("250.000,00", 25_000_000), ("1234,5", 123_450), ("1234.56", 123_456), ("0", 0)],
)
def test_amounts_are_read_as_dutch_users_type_them(app, users, typed, cents):
    _, response = submit(app, users["it"], expected_costs=typed)
    assert response.status_code == 303, response.get_data(as_text=True)
    item = db.session.scalar(sa.select(ScaleUpRequest).order_by(ScaleUpRequest.id.desc()))
    assert item.expected_costs_cents == cents


@pytest.mark.parametrize("typed", ["1e40", "1" + "0" * 30, "12,345", "NaN", "-0,01"])
def test_impossible_amounts_are_refused_not_crashed(app, users, typed):
    count = db.session.scalar(sa.select(sa.func.count(ScaleUpRequest.id)))
    _, response = submit(app, users["it"], expected_costs=typed)
    assert response.status_code == 400
    assert db.session.scalar(sa.select(sa.func.count(ScaleUpRequest.id))) == count


def test_a_document_must_be_what_its_name_says(app, users):
    import io

    client, response = submit(app, users["it"])
    page = response.headers["Location"]
    from tests.college.conftest import csrf

    def upload(name, content, mimetype):
        token = csrf(client.get(page))
        return client.post(
            f"{page}/documenten",
            data={"doc-csrf_token": token, "doc-document": (io.BytesIO(content), name, mimetype)},
            content_type="multipart/form-data",
        )

    # A ZIP named .pdf, a PDF named .exe, a PDF declared as Word: all refused.
    assert upload("plan.pdf", b"PK\x03\x04zip", "application/pdf").status_code == 400
    assert upload("plan.exe", b"%PDF-1.4", "application/pdf").status_code == 400
    word = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    assert upload("plan.pdf", b"%PDF-1.4", word).status_code == 400
    assert upload("plan.docx", b"PK\x03\x04docx", word).status_code == 303


def test_the_contribution_follows_the_alv_and_the_board_and_is_invoiced_to_everyone(app, users):
    from billing.models import Invoice, InvoiceLine
    from billing.services.runs import run_invoices
    from college.services import fund as fund_service
    from tests.college.conftest import authorise_fund_year

    finance = browser_for(app, users["finance"])
    fund = fund_service.fund_year(2018)
    # Not before the board authorised the year and the ALV approved the plan.
    response = _post(finance, "/fonds/2018", "/fonds/2018/bijdrage", {}, "actie")
    assert response.status_code == 400
    assert "niet geautoriseerd" in response.get_data(as_text=True)
    authorise_fund_year(2018)
    response = _post(finance, "/fonds/2018", "/fonds/2018/bijdrage", {}, "actie")
    assert "de ALV heeft nog niet ingestemd" in response.get_data(as_text=True)
    fund_service.link_plan(Actor.system("test"), fund.plan, None, dt.date(2017, 6, 14))
    db.session.commit()
    response = _post(finance, "/fonds/2018", "/fonds/2018/bijdrage", {}, "actie")
    assert response.status_code == 303, response.get_data(as_text=True)
    price = fund_service.contribution_price(fund_service.fund_year(2018))
    assert price.budget_cents == 5_075_200_000  # the whole 2018 budget, € 50.752.000
    assert price.valid_to == dt.date(2018, 12, 31)
    # Twice is refused.
    response = _post(finance, "/fonds/2018", "/fonds/2018/bijdrage", {}, "actie")
    assert "al vastgesteld" in response.get_data(as_text=True)

    report = run_invoices(
        Actor.system("test"), 2018, issuer_code="VNG", finalize_on=dt.date(2017, 12, 1)
    )
    assert report.refused == [] and report.finalized == 380
    lines = db.session.scalars(
        sa.select(InvoiceLine)
        .join(Invoice)
        .where(InvoiceLine.product_id == price.product_id, Invoice.year == 2018)
    ).all()
    assert len(lines) == 380  # every municipality of 1 January 2018
    figures = fund_service.figures(fund_service.fund_year(2018))
    assert figures.contributions_invoiced_cents == sum(line.amount_cents for line in lines)
    # Shared by inhabitants: the total is the budget up to the documented rounding (rate to
    # 0.000001 euro per inhabitant, each line to the cent).
    assert abs(figures.contributions_invoiced_cents - 5_075_200_000) < 380 * 100
    assert figures.contributions_received_cents == 0


def test_the_task_force_sets_a_coverage_target_and_the_page_measures_it(app, users):
    from college.models import AdoptionTarget

    tf = browser_for(app, users["task_force"])
    page = "/voorzieningen/govroam/adoptie"
    data = {"doel-target_date": "2018-12-31", "doel-share": "75", "doel-source": "Besluit"}
    assert _post(tf, page, f"{page}/doel", data, "doel").status_code == 303
    target = db.session.scalar(
        sa.select(AdoptionTarget).where(AdoptionTarget.target_date == dt.date(2018, 12, 31))
    )
    assert target.municipality_share == 75
    html = tf.get(page).get_data(as_text=True).replace("\xa0", " ")
    assert "75% van de gemeenten aangesloten op 31 december 2018" in html
    # Bad input changes nothing; only the Task Force and VNG set targets.
    for share in ("0", "100.01", "-5"):
        bad = {**data, "doel-share": share}
        assert _post(tf, page, f"{page}/doel", bad, "doel").status_code == 400
    assert target.municipality_share == 75
    it = browser_for(app, users["it"])
    assert _post(it, page, f"{page}/doel", data, "doel").status_code == 403


def test_a_document_over_the_size_limit_gets_a_dutch_page_and_nothing_is_stored(app, users):
    from college.models import RequestDocument

    client, response = submit(app, users["it"])
    page = response.headers["Location"]
    # A body announced as 11 MB is refused before it is read (MAX_CONTENT_LENGTH, 10 MB).
    response = client.post(
        f"{page}/documenten",
        data=b"--x--",
        content_type="multipart/form-data; boundary=x",
        environ_overrides={"CONTENT_LENGTH": str(11 * 1024 * 1024)},
    )
    assert response.status_code == 413
    assert "te groot (hooguit 10 MB)" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(RequestDocument.id))) == 0
    # Werkzeug's English defaults never reach a page: a forbidden step says it in Dutch.
    path = page.replace("http://localhost", "")
    forbidden = _post(client, path, f"{path}/beoordeling/starten", {}, "actie")
    assert forbidden.status_code == 403
    assert "geen toegang" in forbidden.get_data(as_text=True)
    assert "permission" not in forbidden.get_data(as_text=True)
