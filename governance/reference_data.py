"""Loads the shipped reference data (governance/data/) into the registry, idempotently.

Existing rows are left as they are, so an administrator's correction survives a re-seed;
inhabitants go through the same checked import as a yearly CBS file.
"""

import csv
import datetime as dt
import logging
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import sqlalchemy as sa

from governance.models import (
    GewestMembership,
    Member,
    MemberKind,
    Reorganisation,
    ReorganisationKind,
)
from governance.population_import import ImportResult, import_population
from portal import audit
from portal.audit import Actor
from portal.db import db

logger = logging.getLogger(__name__)

DATA_DIR = Path(__file__).resolve().parent / "data"
GEWEST_MEMBERSHIP_FROM = dt.date(2016, 1, 1)
POPULATION_FILES = (
    ("gemeenten_2016.csv", dt.date(2016, 1, 1), "CBS StatLine, bevolking op 1-1-2016"),
    ("gemeenten_2017.csv", dt.date(2017, 1, 1), "CBS wijk- en buurtkaart 2017, 1-1-2017"),
)
_KIND_BY_WORD = {
    "samenvoeging": ReorganisationKind.MERGER,
    "naamswijziging": ReorganisationKind.RENAME,
    "opsplitsing": ReorganisationKind.SPLIT,
    "grenscorrectie": ReorganisationKind.BOUNDARY_CORRECTION,
}


@dataclass
class SeedReport:
    members_added: int = 0
    reorganisations_added: int = 0
    memberships_added: int = 0
    populations: list[ImportResult] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(
            self.members_added
            or self.reorganisations_added
            or self.memberships_added
            or any(p.changed for p in self.populations)
        )


def _rows(name: str) -> list[dict[str, str]]:
    with open(DATA_DIR / name, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def seed_reference_data(actor: Actor) -> SeedReport:
    report = SeedReport()
    members = {m.code: m for m in db.session.scalars(sa.select(Member))}
    _seed_municipalities(members, report)
    _seed_reorganisations(members, report)
    _seed_gewesten(members, report)
    db.session.flush()
    for filename, reference_date, source in POPULATION_FILES:
        text = (DATA_DIR / filename).read_text(encoding="utf-8")
        report.populations.append(import_population(actor, text, reference_date, source, filename))
    if report.members_added or report.reorganisations_added or report.memberships_added:
        audit.record(
            actor,
            "reference_data.seed",
            "reference_data",
            None,
            after={
                "members_added": report.members_added,
                "reorganisations_added": report.reorganisations_added,
                "memberships_added": report.memberships_added,
            },
        )
    return report


def _add_member(members: dict[str, Member], report: SeedReport, **fields) -> None:
    if fields["code"] in members:
        return
    member = Member(**fields)
    db.session.add(member)
    members[member.code] = member
    report.members_added += 1


def _seed_municipalities(members: dict[str, Member], report: SeedReport) -> None:
    for row in _rows("gemeenten_2016.csv") + _rows("gemeenten_2017.csv"):
        alias = row.get("naam_alias_odf")
        _add_member(
            members,
            report,
            code=row["gm_code"],
            kind=MemberKind.MUNICIPALITY,
            name=row["naam"],
            alias=alias if alias and alias != row["naam"] else None,
            province=row["provincie"],
        )
    for row in _rows("gemeenten_aanvulling.csv"):
        _add_member(
            members,
            report,
            code=row["gm_code"],
            kind=MemberKind.MUNICIPALITY,
            name=row["naam"],
            province=row["provincie"],
        )
        member = members[row["gm_code"]]
        if row["geldig_vanaf"] and member.valid_from is None:
            member.valid_from = dt.date.fromisoformat(row["geldig_vanaf"])


def _seed_reorganisations(members: dict[str, Member], report: SeedReport) -> None:
    db.session.flush()
    existing = set(
        tuple(row)
        for row in db.session.execute(
            sa.select(
                Reorganisation.effective_date,
                Reorganisation.from_member_id,
                Reorganisation.to_member_id,
            )
        ).all()
    )
    for row in _rows("herindelingen_2016_2019.csv"):
        date = dt.date.fromisoformat(row["ingangsdatum"])
        old, new = members[row["oude_code"]], members[row["nieuwe_code"]]
        if (date, old.id, new.id) in existing:
            continue
        kind = _KIND_BY_WORD[row["soort"].split("/")[0].split(" ")[0]]
        db.session.add(
            Reorganisation(
                effective_date=date,
                kind=kind,
                from_member=old,
                to_member=new,
                address_share=Decimal(row["aandeel_adressen"]),
                description=row["soort"],
            )
        )
        if kind.ends_old_member and old.valid_to is None:
            old.valid_to = date - dt.timedelta(days=1)
        report.reorganisations_added += 1


def _seed_gewesten(members: dict[str, Member], report: SeedReport) -> None:
    rows = _rows("gewesten_2016.csv")
    gewest_codes = {m.name: m.code for m in members.values() if m.kind is MemberKind.GEWEST}
    next_number = len(gewest_codes) + 1
    for name in dict.fromkeys(row["gewest"] for row in rows):
        if name in gewest_codes:
            continue
        provinces = {members[r["gm_code"]].province for r in rows if r["gewest"] == name}
        code = f"GW{next_number:04d}"
        next_number += 1
        _add_member(
            members,
            report,
            code=code,
            kind=MemberKind.GEWEST,
            name=name,
            province=provinces.pop() if len(provinces) == 1 else None,
        )
        gewest_codes[name] = code
    db.session.flush()
    existing = set(
        tuple(row)
        for row in db.session.execute(
            sa.select(GewestMembership.gewest_id, GewestMembership.municipality_id)
        ).all()
    )
    for row in rows:
        gewest, municipality = members[gewest_codes[row["gewest"]]], members[row["gm_code"]]
        if (gewest.id, municipality.id) in existing:
            continue
        db.session.add(
            GewestMembership(
                gewest=gewest,
                municipality=municipality,
                valid_from=GEWEST_MEMBERSHIP_FROM,
                valid_to=municipality.valid_to,
                basis=row["basis_lidmaatschap"],
            )
        )
        report.memberships_added += 1
