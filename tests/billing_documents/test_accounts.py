"""Members' invoice details: every municipality starts with an example account; saving real
details checks what an e-invoice needs (Dutch postcode, OIN of 20 digits or KvK number of 8)
and refuses with a clear Dutch message, changing nothing."""

import pytest
import sqlalchemy as sa

from billing.models import BillingAccount
from billing.services.accounts import save_account, validated_account_fields
from billing.services.errors import BillingError
from governance.models import Member, MemberKind
from portal.db import db
from tests.billing.conftest import member
from tests.billing_documents.conftest import ACTOR, account, event_baseline, events_since

UTRECHT = "GM0344"
FIELDS = {
    "legal_name": "Gemeente Utrecht",
    "street": "Stadsplateau 1",
    "postal_code": "3521 AZ",
    "city": "Utrecht",
    "kvk": "30280353",
    "buyer_reference": "INK-2018-0042",
    "contact_name": "Crediteurenadministratie",
    "email": "facturen@utrecht.example",
}
OIN = "00000001002220647000"


def snapshot_of(code: str) -> dict:
    db.session.flush()
    found = account(code)
    columns = [c.key for c in sa.inspect(BillingAccount).column_attrs]
    return {key: getattr(found, key) for key in columns} | {"oin": member(code).oin}


def test_every_municipality_has_an_example_account():
    municipalities = db.session.scalar(
        sa.select(sa.func.count(Member.id)).where(Member.kind == MemberKind.MUNICIPALITY)
    )
    accounts = db.session.scalars(sa.select(BillingAccount)).all()
    assert len(accounts) == municipalities
    assert all(a.is_example for a in accounts)
    utrecht = account(UTRECHT)
    assert (utrecht.postal_code, utrecht.kvk, utrecht.buyer_reference, utrecht.email) == (
        "9999 ZZ",
        "90000344",
        "VOORBEELD-GM0344",
        "facturen@gm0344.example",
    )


def test_saving_real_details_replaces_the_example():
    baseline = event_baseline()
    saved = save_account(ACTOR, member(UTRECHT), oin=f" {OIN} ", **FIELDS)
    db.session.flush()
    db.session.expire_all()
    assert saved.id == account(UTRECHT).id  # replaced, not added
    assert account(UTRECHT).is_example is False
    for key, value in FIELDS.items():
        assert getattr(account(UTRECHT), key) == value, key
    assert member(UTRECHT).oin == OIN
    (event,) = events_since(baseline, "billing_account.updated")
    assert event.data["member"] == UTRECHT and event.data["oin"] == OIN


def test_postcode_is_normalised_and_kvk_is_optional_with_an_oin():
    save_account(
        ACTOR, member(UTRECHT), oin=OIN, **(FIELDS | {"postal_code": "3521 az", "kvk": ""})
    )
    assert account(UTRECHT).postal_code == "3521 AZ"
    assert account(UTRECHT).kvk is None


@pytest.mark.parametrize(
    ("oin", "changes", "message"),
    [
        (OIN, {"postal_code": "0123 AB"}, "postcode '0123 AB' is geen Nederlandse postcode"),
        (OIN, {"postal_code": "35211"}, "postcode '35211' is geen Nederlandse postcode"),
        ("1234567890", {}, "OIN '1234567890' moet 20 cijfers zijn"),
        (OIN + "1", {}, f"OIN '{OIN}1' moet 20 cijfers zijn"),
        (None, {"kvk": "1234567"}, "KvK-nummer '1234567' moet 8 cijfers zijn"),
        (None, {"kvk": "3028035A"}, "KvK-nummer '3028035A' moet 8 cijfers zijn"),
        (None, {"kvk": ""}, "een e-factuur aan een gemeente noemt haar OIN of KvK-nummer"),
        ("  ", {"kvk": "  "}, "een e-factuur aan een gemeente noemt haar OIN of KvK-nummer"),
        (OIN, {"street": " "}, "adres is verplicht op een e-factuur"),
        (OIN, {"legal_name": ""}, "naam is verplicht op een e-factuur"),
        (OIN, {"city": ""}, "plaats is verplicht op een e-factuur"),
        (OIN, {"email": "facturen.utrecht"}, "e-mailadres 'facturen.utrecht' is ongeldig"),
    ],
    ids=[
        "postcode-leading-zero",
        "postcode-without-letters",
        "oin-too-short",
        "oin-too-long",
        "kvk-too-short",
        "kvk-not-digits",
        "no-oin-no-kvk",
        "blank-oin-and-kvk",
        "no-street",
        "no-name",
        "no-city",
        "bad-email",
    ],
)
def test_bad_details_are_refused_and_nothing_changes(oin, changes, message):
    before = snapshot_of(UTRECHT)
    baseline = event_baseline()
    with pytest.raises(BillingError) as refused:
        save_account(ACTOR, member(UTRECHT), oin=oin, **(FIELDS | changes))
    assert str(refused.value) == message
    db.session.expire_all()
    assert snapshot_of(UTRECHT) == before
    assert account(UTRECHT).is_example is True
    assert events_since(baseline, "billing_account.updated") == []


def test_validated_fields_name_the_first_problem():
    with pytest.raises(BillingError, match=r"^postcode '9999' is geen Nederlandse postcode$"):
        validated_account_fields(FIELDS | {"postal_code": "9999"})
    clean = validated_account_fields(FIELDS | {"street": "  Stadsplateau 1  ", "kvk": None})
    assert clean["street"] == "Stadsplateau 1"
    assert clean["kvk"] is None
