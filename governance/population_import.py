"""Yearly population import: a CBS table (code, name, inhabitants) for one reference date.

All or nothing: every row is checked first and a single bad row imports nothing, because a
half-imported year would bill some municipalities on old figures without anybody noticing.
Importing the same date again replaces the figures and records each change; nothing duplicates.
"""

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass, field

import sqlalchemy as sa

from governance.models import (
    InhabitantCount,
    Member,
    MemberKind,
    PopulationChange,
    PopulationImport,
)
from governance.queries import members_active_on
from portal import audit
from portal.audit import Actor
from portal.db import db

CODE_COLUMNS = ("code", "gm_code", "gemeentecode")
NAME_COLUMNS = ("naam", "name", "gemeente", "gemeentenaam")
INHABITANT_COLUMNS = ("inwoners", "inhabitants", "aantal_inwoners")
GM_CODE = re.compile(r"^GM\d{4}$")


@dataclass(frozen=True)
class PopulationRow:
    line: int
    code: str
    name: str
    inhabitants: int


@dataclass(frozen=True)
class RowError:
    line: int
    reason: str

    def __str__(self) -> str:
        return f"regel {self.line}: {self.reason}"


class PopulationImportError(ValueError):
    """The file was refused; `errors` names every bad line and why. Nothing was written."""

    def __init__(self, errors: list[RowError]):
        self.errors = errors
        super().__init__(f"{len(errors)} foute regel(s); er is niets geïmporteerd")


@dataclass
class ImportResult:
    reference_date: dt.date
    rows: int
    added: int = 0
    replaced: int = 0
    unchanged: int = 0
    warnings: list[str] = field(default_factory=list)
    population_import: PopulationImport | None = None

    @property
    def changed(self) -> bool:
        return bool(self.added or self.replaced)


def _pick(header: list[str], names: tuple[str, ...], prefix: str | None = None) -> int | None:
    lowered = [h.strip().lower() for h in header]
    for name in names:
        if name in lowered:
            return lowered.index(name)
    if prefix:
        matches = [i for i, h in enumerate(lowered) if h.startswith(prefix)]
        if len(matches) == 1:
            return matches[0]
    return None


#: Far above any municipality (Amsterdam: 854 047 in 2017), far below the column's limit.
MAX_INHABITANTS = 5_000_000


def parse_population_csv(text: str) -> tuple[list[PopulationRow], list[RowError]]:
    """Rows and format errors of a CSV text (comma or semicolon separated, optional BOM)."""
    text = text.lstrip("\ufeff")
    if not text.strip():
        return [], [RowError(1, "het bestand is leeg")]
    header_line = text.splitlines()[0]
    delimiter = ";" if header_line.count(";") > header_line.count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    header = next(reader)
    columns = (
        _pick(header, CODE_COLUMNS),
        _pick(header, NAME_COLUMNS),
        _pick(header, INHABITANT_COLUMNS, prefix="inwoners"),
    )
    if None in columns:
        return [], [
            RowError(
                1,
                "kopregel mist een kolom; verwacht code (of gm_code), naam en inwoners, "
                f"gevonden: {', '.join(header)}",
            )
        ]
    code_col, name_col, count_col = columns
    rows, errors, first_line = [], [], {}
    for record in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in record):
            continue
        if len(record) != len(header):
            errors.append(RowError(line, f"{len(record)} kolommen, verwacht {len(header)}"))
            continue
        code = record[code_col].strip().upper()
        if code.isdigit() and len(code) == 4:
            code = "GM" + code
        count_text = record[count_col].strip()
        if not GM_CODE.match(code):
            errors.append(
                RowError(line, f"{code or '(leeg)'}: geen gemeentecode van de vorm GM1234")
            )
        elif code in first_line:
            errors.append(RowError(line, f"{code}: dubbel, staat al op regel {first_line[code]}"))
        elif not count_text.isdigit() or not count_text.isascii():
            errors.append(
                RowError(line, f"{code}: inwoners {count_text!r} is geen geheel getal ≥ 0")
            )
        elif int(count_text) > MAX_INHABITANTS:
            errors.append(
                RowError(line, f"{code}: inwoners {count_text} is onwaarschijnlijk groot")
            )
        else:
            first_line[code] = line
            rows.append(PopulationRow(line, code, record[name_col].strip(), int(count_text)))
    if not rows and not errors:
        errors.append(RowError(2, "het bestand bevat geen gegevensregels"))
    return rows, errors


def check_against_registry(
    rows: list[PopulationRow], reference_date: dt.date
) -> tuple[dict[str, Member], list[RowError], list[str]]:
    """Match codes to the municipalities that exist on the reference date."""
    known = {m.code: m for m in db.session.scalars(sa.select(Member))}
    active = {m.code for m in members_active_on(reference_date, MemberKind.MUNICIPALITY)}
    matched, errors, warnings = {}, [], []
    for row in rows:
        member = known.get(row.code)
        if member is None or member.kind is not MemberKind.MUNICIPALITY:
            errors.append(
                RowError(
                    row.line,
                    f"{row.code}: onbekende gemeentecode; registreer eerst de herindeling "
                    "die deze gemeente instelt",
                )
            )
        elif row.code not in active:
            errors.append(
                RowError(
                    row.line,
                    f"{row.code} ({member.name}) bestaat niet op peildatum "
                    f"{reference_date.isoformat()}",
                )
            )
        else:
            matched[row.code] = member
            if row.name and row.name.lower() not in {
                member.name.lower(),
                (member.alias or "").lower(),
            }:
                warnings.append(
                    f"regel {row.line}: {row.code} heet in het register {member.name!r}, "
                    f"in het bestand {row.name!r}"
                )
    missing = sorted(active - {r.code for r in rows})
    if missing:
        warnings.append(
            f"{len(missing)} gemeente(n) op peildatum ontbreken in het bestand: "
            + ", ".join(missing)
        )
    return matched, errors, warnings


def import_population(
    actor: Actor, text: str, reference_date: dt.date, source: str, filename: str
) -> ImportResult:
    """Check the whole file, then add or replace the figures for `reference_date`.

    Raises PopulationImportError (and writes nothing) if any row is bad. Writes no import record
    when every figure was already there, so re-running a seed or an import changes nothing.
    """
    source = source.strip()
    if not source:
        raise PopulationImportError([RowError(0, "geef de bron van de cijfers op (--source)")])
    rows, errors = parse_population_csv(text)
    matched, registry_errors, warnings = check_against_registry(rows, reference_date)
    errors = sorted(errors + registry_errors, key=lambda e: e.line)
    if errors:
        raise PopulationImportError(errors)

    existing = {
        c.member_id: c
        for c in db.session.scalars(
            sa.select(InhabitantCount).where(InhabitantCount.reference_date == reference_date)
        )
    }
    result = ImportResult(reference_date, len(rows), warnings=warnings)
    changes = []
    for row in rows:
        member = matched[row.code]
        count = existing.get(member.id)
        if count is None:
            db.session.add(
                InhabitantCount(
                    member=member,
                    reference_date=reference_date,
                    inhabitants=row.inhabitants,
                    source=source,
                )
            )
            changes.append(PopulationChange(member=member, new_inhabitants=row.inhabitants))
            result.added += 1
        elif count.inhabitants != row.inhabitants or count.source != source:
            changes.append(
                PopulationChange(
                    member=member,
                    old_inhabitants=count.inhabitants,
                    old_source=count.source,
                    new_inhabitants=row.inhabitants,
                )
            )
            count.inhabitants, count.source = row.inhabitants, source
            result.replaced += 1
        else:
            result.unchanged += 1
    if changes:
        result.population_import = PopulationImport(
            reference_date=reference_date,
            source=source,
            filename=filename[:255],
            row_count=len(rows),
            changes=changes,
        )
        db.session.add(result.population_import)
        db.session.flush()
        audit.record(
            actor,
            "population.import",
            "population_import",
            result.population_import.id,
            after={
                "reference_date": reference_date,
                "source": source,
                "filename": filename,
                "added": result.added,
                "replaced": result.replaced,
            },
        )
    db.session.flush()
    return result
