"""The portal in a real browser (Debian's Chromium driven by Playwright): a newcomer finds a
facility, reads its factsheet and follows a decision; axe-core checks every public page type
for serious and critical accessibility violations (WCAG 2.1 AA rules)."""

import os
import threading
from pathlib import Path

import flask_migrate
import pytest
from werkzeug.serving import make_server

from billing.reference_data import seed_billing
from catalogue.reference_data import seed_catalogue
from college.reference_data import seed_college
from governance.meeting_history import seed_meetings
from governance.reference_data import seed_reference_data
from portal import create_app
from portal.audit import Actor
from portal.db import db

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = pytest.mark.no_transaction

if not CHROMIUM.exists():
    if os.environ.get("CI") == "true":
        raise RuntimeError(
            "CI needs /usr/bin/chromium for the browser tests (scripts/ensure-system-packages)"
        )
    pytest.skip(
        "Debian's chromium is not installed (run scripts/ensure-system-packages)",
        allow_module_level=True,
    )

from axe_playwright_python.sync_playwright import Axe  # noqa: E402
from playwright.sync_api import expect, sync_playwright  # noqa: E402


@pytest.fixture(scope="module")
def base_url(tmp_path_factory):
    """The portal with the reference data on its own SQLite file, served on a free port."""
    path = tmp_path_factory.mktemp("browser") / "browser.sqlite"
    app = create_app({"SAMEN_ENV": "testing", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}"})
    with app.app_context():
        flask_migrate.upgrade()
        seed_reference_data(Actor.system("test"))
        seed_catalogue(Actor.system("test"))
        seed_meetings(Actor.system("test"))
        seed_billing(Actor.system("test"))
        seed_college(Actor.system("test"))
        _college_request()
        db.session.commit()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()
    with app.app_context():
        db.engine.dispose()


PROCESS_USER, PROCESS_PASSWORD = "proces@browser.example", "browser-wachtwoord-123"


def _college_request() -> None:
    """One account with every process role, and a request at the College with a draft advice,
    so that every form of the process is on the pages the accessibility check reads."""
    import datetime as dt

    import sqlalchemy as sa

    from catalogue.models import BindingLevel, ExecutionStructure, Facility
    from college.models import RequesterKind
    from college.services import advice, requests
    from portal.auth import services
    from portal.auth.models import Role

    user, _ = services.create_user(
        Actor.system("test"),
        PROCESS_USER,
        {Role.TASK_FORCE, Role.COLLEGE, Role.BOARD, Role.VNG_ADMIN},
        None,
        PROCESS_PASSWORD,
        name="Proces",
    )
    actor = Actor.for_user(user)
    govroam = db.session.scalar(sa.select(Facility).where(Facility.slug == "govroam"))
    request = requests.submit(
        actor,
        facility=govroam,
        title="Govroam overal",
        requester_kind=RequesterKind.TASK_FORCE,
        member=None,
        problem="Probleem.",
        proposed_rollout="Uitrol.",
        front_runners=[],
        expected_costs_cents=100_000,
        expected_benefits_cents=0,
        societal_benefits="Baten.",
        requested_contribution_cents=0,
        requested_compartment=None,
    )
    requests.start_assessment(actor, request)
    request.impact_analysis, request.assessment_conclusion = "Impact.", "Conclusie."
    requests.move(actor, request, request.status.ADVIES_COLLEGE)
    advice.save_advice(
        actor,
        request,
        rollout="Alle gemeenten.",
        timeline="2017.",
        start_date=dt.date(2017, 4, 1),
        end_date=dt.date(2017, 12, 31),
        binding_level=BindingLevel.VRIJ,
        cooperation_form="Convenant",
        execution_structure=ExecutionStructure.LANDELIJK,
        fund_allocation_cents=None,
        fund_year=None,
        fund_compartment=None,
    )


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="nl-NL")
    page = context.new_page()
    yield page
    context.close()


def test_newcomer_finds_govroam_reads_its_factsheet_and_follows_a_decision(page, base_url):
    page.goto(base_url + "/")
    page.get_by_role("link", name="Voorzieningen", exact=True).first.click()
    page.get_by_label("Zoeken", exact=True).fill("govroam")
    page.get_by_role("button", name="Zoeken").click()
    expect(page.get_by_text("1 voorziening gevonden")).to_be_visible()
    page.get_by_role("link", name="Govroam").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Govroam")
    for question in (
        "Wie heeft het ontwikkeld?",
        "Wat is het precies?",
        "Wie gaat het gebruiken?",
        "Wat moet je als gemeente doen voor de implementatie?",
        "Wat kost het gebruik en wat levert het op?",
    ):
        expect(page.get_by_role("heading", name=question)).to_be_visible()
    expect(page.get_by_text("€ 1500 voor de aansluiting").first).to_be_visible()
    timeline = page.locator("ol.timeline")
    decision_link = timeline.get_by_role("link").first
    title = decision_link.inner_text()
    decision_link.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    expect(page.get_by_role("link", name="Govroam")).to_be_visible()


def test_keyboard_user_can_skip_to_the_content(page, base_url):
    page.goto(base_url + "/voorzieningen/")
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Naar de inhoud")).to_be_focused()


PUBLIC_PAGES = [
    "/",
    "/voorzieningen/",
    "/voorzieningen/?q=xyz-onvindbaar",
    "/voorzieningen/gibit",
    "/voorzieningen/gibit/versies",
    "/routekaart",
    "/collectieve-activiteiten",
    "/leden/",
    "/leden/GM0363",
    "/leden/GM0381",
    "/leden/GW0002",
    "/inloggen",
    "/bestaat-niet",
    "/vergaderingen/",
    "/vergaderingen/1",
    "/vergaderingen/1/scherm",
    "/vergaderingen/1/notulen",
    "/voorzieningen/?phase=onzin",
]


def serious_violations(page) -> list[str]:
    results = Axe().run(
        page,
        options={
            "runOnly": {
                "type": "tag",
                "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"],
            }
        },
    )
    return [
        f"{v['id']} ({v['impact']}): {v['help']} – {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_public_pages_have_no_serious_accessibility_violations(page, base_url, path):
    page.goto(base_url + path)
    serious = serious_violations(page)
    assert serious == [], "\n".join(serious)


PROCESS_PAGES = [
    "/opschaling/",
    "/opschaling/nieuw",
    "/opschaling/1",
    "/opschaling/1/beoordeling",
    "/opschaling/1/advies",
    "/college/",
    "/bestuur/",
    "/fonds/2018",
    "/adoptie/",
    "/voorzieningen/govroam/adoptie",
]


def test_the_college_process_pages_have_no_serious_accessibility_violations(page, base_url):
    page.goto(base_url + "/inloggen")
    page.get_by_label("E-mailadres").fill(PROCESS_USER)
    page.get_by_label("Wachtwoord").fill(PROCESS_PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    expect(page.get_by_role("link", name="Werkvoorraad College")).to_be_visible()
    failures = []
    for path in PROCESS_PAGES:
        page.goto(base_url + path)
        assert page.title(), path
        failures += [f"{path}: {v}" for v in serious_violations(page)]
    assert failures == [], "\n".join(failures)


def test_decision_page_is_accessible(page, base_url):
    page.goto(base_url + "/voorzieningen/govroam")
    page.locator("ol.timeline").get_by_role("link").first.click()
    results = Axe().run(page)
    assert [
        v["id"] for v in results.response["violations"] if v["impact"] in ("serious", "critical")
    ] == []


def test_the_accessibility_check_can_fail(page, base_url):
    """An image without alternative text is reported as critical: the check above is live."""
    page.goto(base_url + "/")
    page.evaluate("document.querySelector('main').insertAdjacentHTML('beforeend', '<img src=x>')")
    results = Axe().run(page)
    assert "image-alt" in {v["id"] for v in results.response["violations"]}
