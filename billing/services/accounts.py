"""Members' invoice details (factuurgegevens): validated, logged, and seeded as examples
until finance enters the real ones."""

import re

import sqlalchemy as sa

from billing.models import BillingAccount
from billing.services.errors import BillingError
from billing.services.log import billing_event
from governance.models import Member, MemberKind
from portal.audit import Actor
from portal.db import db

POSTAL_CODE = re.compile(r"^[1-9]\d{3} ?[A-Z]{2}$")
KVK = re.compile(r"^\d{8}$")
OIN = re.compile(r"^\d{20}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
FIELDS = (
    "legal_name",
    "street",
    "postal_code",
    "city",
    "kvk",
    "buyer_reference",
    "contact_name",
    "email",
)


def validated_account_fields(fields: dict) -> dict:
    """Normalised invoice details, or BillingError naming the field that is wrong."""
    clean = {key: (fields.get(key) or "").strip() for key in FIELDS}
    for key, label in (("legal_name", "naam"), ("street", "adres"), ("city", "plaats")):
        if not clean[key]:
            raise BillingError(f"{label} is verplicht op een e-factuur")
    clean["postal_code"] = clean["postal_code"].upper()
    if not POSTAL_CODE.match(clean["postal_code"]):
        raise BillingError(f"postcode {clean['postal_code']!r} is geen Nederlandse postcode")
    if clean["kvk"] and not KVK.match(clean["kvk"]):
        raise BillingError(f"KvK-nummer {clean['kvk']!r} moet 8 cijfers zijn")
    if clean["email"] and not EMAIL.match(clean["email"]):
        raise BillingError(f"e-mailadres {clean['email']!r} is ongeldig")
    clean["kvk"] = clean["kvk"] or None
    return clean


def validated_oin(oin: str | None) -> str | None:
    oin = (oin or "").strip() or None
    if oin and not OIN.match(oin):
        raise BillingError(f"OIN {oin!r} moet 20 cijfers zijn")
    return oin


def save_account(actor: Actor, member: Member, oin: str | None = None, **fields) -> BillingAccount:
    """Create or replace a member's invoice details (no longer an example once saved)."""
    clean = validated_account_fields(fields)
    oin = validated_oin(oin)
    if not oin and not clean["kvk"]:
        raise BillingError("een e-factuur aan een gemeente noemt haar OIN of KvK-nummer")
    account = db.session.scalar(sa.select(BillingAccount).where(BillingAccount.member == member))
    before = {k: getattr(account, k) for k in FIELDS} | {"oin": member.oin} if account else None
    if account is None:
        account = BillingAccount(member=member)
        db.session.add(account)
    for key, value in clean.items():
        setattr(account, key, value)
    account.is_example = False
    member.oin = oin
    db.session.flush()
    billing_event(
        actor,
        "billing_account.updated",
        before=before,
        data={"member": member.code, "oin": oin, **clean},
    )
    return account


def seed_example_accounts(actor: Actor) -> int:
    """Example invoice details for every municipality that has none: the source and the
    reference data hold no addresses, so these are marked as examples (postcode 9999 ZZ,
    KvK 9000 + CBS number) and shown as such until finance replaces them."""
    have = set(db.session.scalars(sa.select(BillingAccount.member_id)))
    members = db.session.execute(
        sa.select(Member.id, Member.code, Member.name).where(Member.kind == MemberKind.MUNICIPALITY)
    ).all()
    rows = [
        {
            "member_id": member_id,
            "legal_name": f"Gemeente {name}",
            "street": "Postbus 1 (voorbeeldadres)",
            "postal_code": "9999 ZZ",
            "city": name,
            "country": "NL",
            "kvk": f"9000{code[2:]}",
            "buyer_reference": f"VOORBEELD-{code}",
            "contact_name": "Crediteurenadministratie (voorbeeld)",
            "email": f"facturen@{code.lower()}.example",
            "is_example": True,
        }
        for member_id, code, name in members
        if member_id not in have
    ]
    if rows:
        db.session.execute(sa.insert(BillingAccount), rows)
        billing_event(actor, "billing_account.examples_seeded", data={"accounts": len(rows)})
    return len(rows)
