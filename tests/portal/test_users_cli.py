"""`samen users ...` and `samen seed --demo` as an operator uses them, and the API tokens they
hand out as a script uses them (`Authorization: Bearer ...` on /api/v1/me)."""

import hashlib
import re

import pytest
import sqlalchemy as sa

from governance.models import Member, MemberKind
from portal.auth.demo import DEMO_ACCOUNTS
from portal.auth.models import ApiToken, Role, User
from portal.auth.services import user_by_email
from portal.db import db

ME = "/api/v1/me"


def users(*args: str) -> list[str]:
    return ["users", *args]


def generated_password(output: str) -> str:
    (password,) = re.findall(r"^Wachtwoord: (\S+)$", output, re.MULTILINE)
    return password


def user_count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(User))


def gewest_code(name: str) -> str:
    code = db.session.scalar(
        sa.select(Member.code).where(Member.kind == MemberKind.GEWEST, Member.name == name)
    )
    assert code and code.startswith("GW"), (name, code)
    return code


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


# --- users create -------------------------------------------------------------------------------


def test_create_with_roles_and_member_prints_a_password_that_logs_in(
    runner, browser, login, whoami, audit_events
):
    result = runner.invoke(
        args=users(
            "create",
            "IT@Utrecht.example",
            "--role",
            "gemeente_it",
            "--role",
            "stemgerechtigde",
            "--member",
            "gm0344",
            "--name",
            "Ina Tenbroek",
        )
    )
    assert result.exit_code == 0, result.output
    assert "it@utrecht.example aangemaakt" in result.output
    password = generated_password(result.output)
    assert len(password) >= 12

    user = user_by_email("it@utrecht.example")
    assert user.roles == {Role.GEMEENTE_IT, Role.STEMGERECHTIGDE}
    assert user.member.code == "GM0344"
    assert user.name == "Ina Tenbroek"
    assert user.active
    assert password not in user.password_hash
    assert user.password_hash.startswith("scrypt:")

    assert login(browser, "it@utrecht.example", password).status_code == 302
    assert whoami(browser) == "it@utrecht.example"

    (event,) = audit_events(action="user.create", object_id=str(user.id))
    assert event.actor_id is None
    assert event.actor_label == "cli"
    assert event.object_type == "user"
    assert event.before is None
    assert event.after == {
        "email": "it@utrecht.example",
        "name": "Ina Tenbroek",
        "active": True,
        "roles": ["gemeente_it", "stemgerechtigde"],
        "member": "GM0344",
    }


def test_create_a_vng_account_without_member(runner):
    result = runner.invoke(args=users("create", "staf@vng.example", "--role", "vng_finance"))
    assert result.exit_code == 0, result.output
    user = user_by_email("staf@vng.example")
    assert user.roles == {Role.VNG_FINANCE}
    assert user.member is None


def test_create_with_a_chosen_password_prompts_and_does_not_print_it(
    runner, browser, login, whoami
):
    chosen = "chosen-by-the-operator"
    result = runner.invoke(
        args=users("create", "chosen@vng.example", "--role", "college", "--password"),
        input=f"{chosen}\n{chosen}\n",
    )
    assert result.exit_code == 0, result.output
    assert chosen not in result.output
    assert re.findall(r"^Wachtwoord: (\S+)$", result.output, re.MULTILINE) == []
    assert login(browser, "chosen@vng.example", chosen).status_code == 302


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--role", "gemeente_it"], "hoort bij een lid"),
        (["--role", "gemeente_finance"], "hoort bij een lid"),
        (["--role", "stemgerechtigde"], "hoort bij een lid"),
        (["--role", "vng_admin", "--role", "gemeente_it"], "hoort bij een lid"),
        (["--role", "gemeente_it", "--member", "GM9999"], "geen lid met code GM9999"),
        (["--role", "nonsense"], "nonsense"),
        ([], "--role"),
    ],
)
def test_create_refuses_and_creates_nothing(runner, audit_events, args, message):
    before = user_count()
    result = runner.invoke(args=users("create", "refused@utrecht.example", *args))
    assert result.exit_code != 0
    assert message in result.output
    assert "Traceback" not in result.output
    assert user_by_email("refused@utrecht.example") is None
    assert user_count() == before
    assert audit_events(action="user.create") == []


@pytest.mark.parametrize("role", ["gemeente_it", "gemeente_finance"])
def test_municipal_roles_cannot_be_bound_to_a_gewest(runner, audit_events, role):
    achterhoek = gewest_code("Regio Achterhoek")
    result = runner.invoke(
        args=users("create", "it@achterhoek.example", "--role", role, "--member", achterhoek)
    )
    assert result.exit_code != 0
    assert "hoort bij een gemeente, niet bij een gewest" in result.output
    assert user_by_email("it@achterhoek.example") is None
    assert audit_events(action="user.create") == []


def test_a_voting_representative_may_act_for_a_gewest(runner):
    achterhoek = gewest_code("Regio Achterhoek")
    result = runner.invoke(
        args=users(
            "create", "stem@achterhoek.example", "--role", "stemgerechtigde", "--member", achterhoek
        )
    )
    assert result.exit_code == 0, result.output
    assert user_by_email("stem@achterhoek.example").member.name == "Regio Achterhoek"


def test_create_refuses_a_duplicate_email(runner, make_user, audit_events):
    make_user("dup@vng.example", Role.VNG_ADMIN)
    before = user_count()
    result = runner.invoke(args=users("create", "DUP@vng.example", "--role", "college"))
    assert result.exit_code != 0
    assert "er bestaat al een account voor dup@vng.example" in result.output
    assert user_count() == before
    assert user_by_email("dup@vng.example").roles == {Role.VNG_ADMIN}
    assert len(audit_events(action="user.create", object_type="user")) == 1  # make_user's


def test_create_refuses_an_invalid_email(runner):
    result = runner.invoke(args=users("create", "not-an-address", "--role", "college"))
    assert result.exit_code != 0
    assert "geen geldig e-mailadres" in result.output


# --- tokens -------------------------------------------------------------------------------------


@pytest.fixture
def it_manager(make_user):
    return make_user("it@utrecht.example", Role.GEMEENTE_IT, member="GM0344")


def issue(runner, email: str) -> str:
    result = runner.invoke(args=users("token", email))
    assert result.exit_code == 0, result.output
    return result.output.strip()


def test_a_token_authenticates_the_api_as_its_user(runner, browser, it_manager, audit_events):
    token = issue(runner, "it@utrecht.example")
    assert token.startswith("samen_")
    assert len(token) > 40

    response = browser.get(ME, headers=bearer(token))
    assert response.status_code == 200
    assert response.json == {
        "email": "it@utrecht.example",
        "name": it_manager.name,
        "roles": ["gemeente_it"],
        "member": {"code": "GM0344", "name": "Utrecht"},
    }

    (event,) = audit_events(action="api_token.issue")
    assert event.object_type == "user"
    assert event.object_id == str(it_manager.id)
    assert event.actor_label == "cli"
    assert event.after == {"prefix": token[:12]}


def test_a_vng_token_has_no_member(runner, browser, make_user):
    make_user("staf@vng.example", Role.VNG_FINANCE, Role.BOARD)
    response = browser.get(ME, headers=bearer(issue(runner, "staf@vng.example")))
    assert response.status_code == 200
    assert response.json["roles"] == ["board", "vng_finance"]
    assert response.json["member"] is None


def test_only_the_sha256_of_a_token_is_stored(runner, it_manager):
    token = issue(runner, "it@utrecht.example")
    (row,) = db.session.execute(sa.text("SELECT * FROM api_tokens")).mappings().all()
    stored = " ".join(str(value) for value in row.values())
    assert token not in stored
    assert token[len("samen_") :] not in stored
    assert row["token_hash"] == hashlib.sha256(token.encode()).hexdigest()
    assert row["user_id"] == it_manager.id
    assert row["revoked_at"] is None


def test_each_token_is_new(runner, browser, it_manager):
    first, second = issue(runner, "it@utrecht.example"), issue(runner, "it@utrecht.example")
    assert first != second
    assert browser.get(ME, headers=bearer(first)).status_code == 200
    assert browser.get(ME, headers=bearer(second)).status_code == 200


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": ""},
        {"Authorization": "Bearer"},
        {"Authorization": "Bearer "},
        {"Authorization": "Bearer samen_not-a-real-token"},
        {"Authorization": "Bearer not-even-the-prefix"},
        {"Authorization": "Basic aXRAdXRyZWNodC5leGFtcGxlOnBhc3N3b3Jk"},
        {"Authorization": "Token samen_x"},
    ],
)
def test_no_valid_token_is_401_json_with_www_authenticate(browser, it_manager, headers):
    response = browser.get(ME, headers=headers)
    assert response.status_code == 401
    assert response.mimetype == "application/json"
    assert response.json["error"]["status"] == 401
    assert response.json["error"]["message"]
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_tampered_token_is_refused(runner, browser, it_manager):
    token = issue(runner, "it@utrecht.example")
    tampered = token[:-1] + ("A" if token[-1] != "A" else "B")
    assert browser.get(ME, headers=bearer(tampered)).status_code == 401


def test_a_session_cookie_is_not_an_api_credential(browser, it_manager, login, password):
    login(browser, "it@utrecht.example", password)
    response = browser.get(ME)
    assert response.status_code == 401
    assert response.mimetype == "application/json"


def test_revoke_tokens_makes_them_401(runner, browser, it_manager, audit_events):
    tokens = [issue(runner, "it@utrecht.example") for _ in range(2)]
    result = runner.invoke(args=users("revoke-tokens", "it@utrecht.example"))
    assert result.exit_code == 0, result.output
    assert "2 token(s) ingetrokken" in result.output
    for token in tokens:
        response = browser.get(ME, headers=bearer(token))
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert all(t.revoked_at is not None for t in db.session.scalars(sa.select(ApiToken)))

    (event,) = audit_events(action="api_token.revoke")
    assert event.object_id == str(it_manager.id)
    assert event.actor_label == "cli"
    assert event.after == {"revoked": 2}

    # A token issued afterwards works again.
    assert browser.get(ME, headers=bearer(issue(runner, "it@utrecht.example"))).status_code == 200


def test_a_disabled_account_gets_no_token(runner, it_manager):
    assert runner.invoke(args=users("disable", "it@utrecht.example")).exit_code == 0
    result = runner.invoke(args=users("token", "it@utrecht.example"))
    assert result.exit_code != 0
    assert "uitgeschakeld" in result.output
    assert db.session.scalars(sa.select(ApiToken)).all() == []


@pytest.mark.parametrize("command", ["token", "revoke-tokens", "disable"])
def test_commands_on_an_unknown_account_fail_clearly(runner, command):
    result = runner.invoke(args=users(command, "nobody@vng.example"))
    assert result.exit_code != 0
    assert "geen account voor nobody@vng.example" in result.output


# --- seed --demo --------------------------------------------------------------------------------


def test_seed_demo_is_refused_in_production(app, runner, monkeypatch, audit_events):
    monkeypatch.setitem(app.config, "SAMEN_ENV", "production")
    before = user_count()
    result = runner.invoke(args=["seed", "--demo"])
    assert result.exit_code != 0
    assert "nooit in productie" in result.output
    assert user_count() == before
    for email, *_ in DEMO_ACCOUNTS:
        assert user_by_email(email) is None
    assert audit_events(action="user.create") == []


def _printed_accounts(output: str) -> dict[str, tuple[str, str]]:
    """email -> (password, roles) from the table `seed --demo` prints."""
    accounts = {}
    for line in output.splitlines():
        fields = line.split()
        if len(fields) >= 3 and "@" in fields[0]:
            accounts[fields[0]] = (fields[1], " ".join(fields[2:]))
    return accounts


def test_seed_demo_in_development_creates_the_demo_accounts(
    app, runner, monkeypatch, browser, login, whoami
):
    monkeypatch.setitem(app.config, "SAMEN_ENV", "development")
    result = runner.invoke(args=["seed", "--demo"])
    assert result.exit_code == 0, result.output
    printed = _printed_accounts(result.output)
    assert set(printed) == {email for email, *_ in DEMO_ACCOUNTS}

    for email, _name, roles, member in DEMO_ACCOUNTS:
        user = user_by_email(email)
        assert user is not None and user.active, email
        assert user.roles == roles, email
        assert printed[email][1] == ", ".join(sorted(r.value for r in roles))
        if member is None:
            assert user.member is None, email
        elif member.startswith("GM"):
            assert user.member.code == member, email
        else:
            assert user.member.name == member and user.member.kind is MemberKind.GEWEST, email

    password = printed["it@utrecht.example"][0]
    assert login(browser, "it@utrecht.example", password).status_code == 302
    assert whoami(browser) == "it@utrecht.example"


def test_seed_demo_again_gives_new_passwords(app, runner, monkeypatch, make_browser, login):
    monkeypatch.setitem(app.config, "SAMEN_ENV", "development")
    first = _printed_accounts(runner.invoke(args=["seed", "--demo"]).output)
    second = _printed_accounts(runner.invoke(args=["seed", "--demo"]).output)
    assert set(first) == set(second)
    old, new = first["beheer@vng.example"][0], second["beheer@vng.example"][0]
    assert old != new
    assert login(make_browser(), "beheer@vng.example", old).status_code == 200
    assert login(make_browser(), "beheer@vng.example", new).status_code == 302
