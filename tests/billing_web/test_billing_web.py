"""Billing through the portal and the API: tenant scoping, the documented JSON, quotes, the
subscribe flow with its cost preview, finance actions, and the scheduler process."""

import datetime as dt
import re
import threading

import pytest
import sqlalchemy as sa

from billing.models import Invoice, InvoiceStatus, Reminder, Subscription, SubscriptionStatus
from billing.services.invoices import finalize
from billing.services.runs import run_invoices
from governance import queries
from portal.audit import Actor
from portal.auth import services as accounts
from portal.auth.models import Role
from portal.db import db
from portal.scheduler import JOBS, build_scheduler

ACTOR = Actor.system("test")


def _user(role: Role, member: str | None = None):
    user, _ = accounts.create_user(
        ACTOR, f"{role.value}.{member or 'vng'}@web.example", {role}, member, "wachtwoord-12345"
    )
    return user


def _login(client, user):
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_fresh"] = True


def _token(user) -> dict:
    return {"Authorization": f"Bearer {accounts.issue_token(ACTOR, user)}"}


def _csrf(client, url: str) -> str:
    html = client.get(url).get_data(as_text=True)
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)


@pytest.fixture
def invoices_2018():
    run_invoices(ACTOR, 2018, finalize_on=dt.date(2017, 12, 1))
    db.session.flush()
    return {
        code: db.session.scalar(
            sa.select(Invoice).where(
                Invoice.member_id == queries.member_by_code(code).id, Invoice.year == 2018
            )
        )
        for code in ("GM0344", "GM0088")
    }


def test_invoice_json_is_the_documented_shape_with_decimal_strings(client, invoices_2018):
    utrecht = invoices_2018["GM0344"]
    body = client.get(
        f"/api/v1/invoices/{utrecht.number}", headers=_token(_user(Role.GEMEENTE_FINANCE, "GM0344"))
    ).get_json()
    assert body["number"] == utrecht.number and body["kind"] == "invoice"
    assert (body["issuer"], body["member"], body["status"]) == ("AWT", "GM0344", "open")
    assert (body["issue_date"], body["due_date"]) == ("2017-12-01", "2017-12-31")
    assert body["currency"] == "EUR" and body["total"] == "230830.27"
    first = body["lines"][0]
    assert first["unit_price"] == "0.44" and first["amount"] == "150936.72"
    assert first["quantity"] == "343038" and first["vat_category"] == "O"
    assert "BALV 30 november 2016" in first["legal_basis"]
    assert [line["unit_price"] for line in body["lines"]] == ["0.44", "0.23", "0.0029"]
    assert body["vat"] == [{"category": "O", "rate": "0.00", "base": "230830.27", "amount": "0.00"}]


def test_a_municipality_never_sees_another_municipalitys_invoice(client, invoices_2018):
    utrecht_finance = _user(Role.GEMEENTE_FINANCE, "GM0344")
    headers = _token(utrecht_finance)
    foreign = invoices_2018["GM0088"].number
    assert client.get(f"/api/v1/invoices/{foreign}", headers=headers).status_code == 404
    listed = client.get("/api/v1/invoices?year=2018", headers=headers).get_json()
    assert {i["member"] for i in listed["items"]} == {"GM0344"}
    assert client.get("/api/v1/invoices?member=GM0088", headers=headers).status_code == 404
    _login(client, utrecht_finance)
    assert client.get(f"/facturen/{foreign}").status_code == 404
    page = client.get("/facturen/").get_data(as_text=True)
    assert invoices_2018["GM0344"].number in page and foreign not in page


def test_vng_finance_sees_every_member(client, invoices_2018):
    headers = _token(_user(Role.VNG_FINANCE))
    body = client.get("/api/v1/invoices?year=2018&member=GM0088", headers=headers).get_json()
    assert [i["number"] for i in body["items"]] == [invoices_2018["GM0088"].number]
    assert body["items"][0]["total"] == "868.45"


def test_quote_prices_exactly_like_the_run_and_stores_nothing(client):
    headers = _token(_user(Role.GEMEENTE_IT, "GM0344"))
    before = db.session.scalar(sa.select(sa.func.count()).select_from(Invoice))
    response = client.post(
        "/api/v1/quotes",
        headers=headers,
        json={"member": "GM0344", "product": "vertrouwenswerk", "year": 2018},
    )
    assert response.status_code == 200
    body = response.get_json()
    assert body["total"] == "150936.72" and body["lines"][0]["unit_price"] == "0.44"
    exempt = client.post(
        "/api/v1/quotes",
        headers=headers,
        json={"member": "GM0344", "product": "luisterend-oor", "year": 2018},
    )
    assert exempt.get_json()["total"] == "0.00" and "vrijgesteld" in exempt.get_json()["note"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Invoice)) == before


@pytest.mark.parametrize(
    ("body", "parameter"),
    [
        ({"product": "vertrouwenswerk", "year": 2018}, "member"),
        ({"member": "GM0344", "year": 2018}, "product"),
        ({"member": "GM0344", "product": "vertrouwenswerk", "year": "2018"}, "year"),
        ({"member": "GM0344", "product": "vertrouwenswerk", "year": 1900}, "year"),
        (
            {"member": "GM0344", "product": "vertrouwenswerk", "year": 2018, "quantity": -1},
            "quantity",
        ),
    ],
)
def test_bad_quotes_name_the_parameter(client, body, parameter):
    response = client.post(
        "/api/v1/quotes", json=body, headers=_token(_user(Role.GEMEENTE_IT, "GM0344"))
    )
    assert response.status_code == 400
    assert response.get_json()["error"]["parameter"] == parameter


def test_a_quote_for_another_member_is_not_found(client):
    response = client.post(
        "/api/v1/quotes",
        headers=_token(_user(Role.GEMEENTE_IT, "GM0344")),
        json={"member": "GM0088", "product": "vertrouwenswerk", "year": 2018},
    )
    assert response.status_code == 404


def test_subscribing_shows_the_cost_before_and_creates_a_request(client):
    it = _user(Role.GEMEENTE_IT, "GM0088")
    _login(client, it)
    token = _csrf(client, "/abonnementen/nieuw")
    form = {
        "csrf_token": token,
        "product": "govroam-gebruik",
        "start_date": "2026-04-01",
        "quantity": "800",
        "buyer_reference": "PO-2026-17",
    }
    preview = client.post("/abonnementen/nieuw", data={**form, "action": "berekenen"})
    html = preview.get_data(as_text=True).replace("\xa0", " ")
    assert preview.status_code == 200
    assert "9/12 jaar" in html and "€ 750,00" in html  # 1000 a year, 9 months
    assert (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Subscription)
            .where(
                Subscription.member_id == it.member_id,
                Subscription.product.has(code="govroam-gebruik"),
            )
        )
        == 0
    )
    done = client.post("/abonnementen/nieuw", data={**form, "action": "aanvragen"})
    assert done.status_code == 302
    created = db.session.scalar(
        sa.select(Subscription).where(
            Subscription.member_id == it.member_id, Subscription.product.has(code="govroam-gebruik")
        )
    )
    assert created.status is SubscriptionStatus.REQUESTED
    assert created.buyer_reference == "PO-2026-17" and created.quantity == 800


def test_subscribe_without_order_number_changes_nothing(client):
    _login(client, _user(Role.GEMEENTE_IT, "GM0088"))
    token = _csrf(client, "/abonnementen/nieuw")
    response = client.post(
        "/abonnementen/nieuw",
        data={
            "csrf_token": token,
            "product": "govroam-aansluiting",
            "start_date": "2026-04-01",
            "buyer_reference": "",
            "action": "aanvragen",
        },
    )
    assert response.status_code == 400
    assert "Inkoopordernummer" in response.get_data(as_text=True)


def test_finance_registers_a_payment_and_the_invoice_is_paid(client, invoices_2018):
    _login(client, _user(Role.VNG_FINANCE))
    invoice = invoices_2018["GM0088"]
    token = _csrf(client, f"/financien/facturen/{invoice.number}")
    response = client.post(
        f"/financien/facturen/{invoice.number}/betaling",
        data={"csrf_token": token, "amount": "868.45", "paid_on": "2018-01-15", "reference": "x"},
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Invoice, invoice.id).status is InvoiceStatus.PAID


def test_finance_run_page_creates_drafts(client):
    _login(client, _user(Role.VNG_FINANCE))
    token = _csrf(client, "/financien/")
    response = client.post(
        "/financien/", data={"csrf_token": token, "year": "2018", "issuer": "AWT"}
    )
    assert response.status_code == 200
    assert "nieuwe facturen" in response.get_data(as_text=True)
    assert (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Invoice)
            .where(Invoice.year == 2018, Invoice.status == InvoiceStatus.DRAFT)
        )
        == 380
    )


def test_reconciliation_page_shows_the_unreconciled_tariff(client):
    _login(client, _user(Role.VNG_FINANCE))
    page = client.get("/financien/reconciliatie/wettelijke-taken-jeugd/2018")
    html = page.get_data(as_text=True).replace("\xa0", " ")
    assert "€ 0,90" in html and "€ 0,9229" in html and "€ 0,0229" in html
    assert "€ 7.500.000,00" in html and "€ 7.515.863,08" in html


def test_the_web_app_never_starts_the_scheduler(app):
    assert not [t for t in threading.enumerate() if "APScheduler" in t.name]


def test_scheduler_jobs_have_fixed_ids_and_run_one_at_a_time(app):
    scheduler = build_scheduler(app)
    jobs = {job.id: job for job in scheduler.get_jobs()}
    assert set(jobs) == set(JOBS)
    for job in jobs.values():
        assert job.coalesce is True and job.max_instances == 1


def test_the_overdue_job_is_idempotent(app, invoices_2018):
    from billing.tasks import daily_overdue_check

    daily_overdue_check(app, dt.date(2018, 1, 20))
    daily_overdue_check(app, dt.date(2018, 1, 20))
    invoice_ids = [i.id for i in invoices_2018.values()]
    reminders = db.session.scalars(sa.select(Reminder).where(Reminder.invoice_id.in_(invoice_ids)))
    assert sorted(r.level for r in reminders) == [1, 1]


def test_finalised_invoice_numbers_are_gapless_per_issuer(invoices_2018):
    numbers = sorted(
        db.session.scalars(
            sa.select(Invoice.number).where(Invoice.year == 2018, Invoice.number.like("AWT-2018-%"))
        )
    )
    assert numbers == [f"AWT-2018-{n:05d}" for n in range(1, len(numbers) + 1)]
    assert len(numbers) == 380
    with pytest.raises(Exception, match="al definitief"):
        finalize(ACTOR, invoices_2018["GM0344"], dt.date(2018, 1, 1))


def test_the_finance_invoice_page_has_unique_ids_and_labels_that_point_at_them(
    client, invoices_2018
):
    """Several action forms on one page (payment, credit note, void, uncollectible): each
    label must name its own field for screen readers, so no id repeats."""
    import re
    from collections import Counter

    invoice = invoices_2018["GM0088"]  # open: every action form is on the page
    _login(client, _user(Role.VNG_FINANCE))
    page = client.get(f"/financien/facturen/{invoice.number}").get_data(as_text=True)
    ids = Counter(re.findall(r'\bid="([^"]+)"', page))
    assert [i for i, n in ids.items() if n > 1] == []
    for target in re.findall(r'<label for="([^"]+)"', page):
        assert ids[target] == 1, target
    assert "vervallen-reason" in ids and "oninbaar-reason" in ids
