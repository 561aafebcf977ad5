"""Hardening of the two file imports against the files people really upload.

(1) `samen import-population FILE.csv` (governance/population_import.py, governance/cli.py) and
(2) camt.053 bank statements (billing/services/payments.py, the page /financien/bankafschrift).

Every bad file - truncated, Windows-1252, duplicates, swapped columns or values, empty, binary,
well-formed XML of another kind - must be refused with a clear Dutch message (naming the line or
element where that applies), a non-zero exit code or a re-rendered page (never a 5xx), and must
change nothing: the relevant tables are compared by row count and checksum before and after.
Good-but-odd files (UTF-8 with BOM from Excel, semicolons, CRLF line endings, a declared
Windows-1252 XML) must import with exact numbers.
"""

import datetime as dt
import hashlib
import html
import io
import re

import pytest
import sqlalchemy as sa
from werkzeug.security import generate_password_hash

from billing.models import BankStatement, BillingEvent, Invoice, InvoiceStatus, Payment
from billing.services import BillingError
from billing.services import invoices as invoice_service
from billing.services import payments as payment_service
from governance import queries
from governance.models import InhabitantCount, PopulationChange, PopulationImport
from governance.population_import import PopulationImportError, import_population
from portal.audit import AuditEvent
from portal.auth.models import Role, User, UserRole
from portal.db import db
from tests.billing.conftest import ACTOR, camt053, open_invoice

REF_2018 = dt.date(2018, 1, 1)
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10\x00\x00\x00\x10\x08\x06" + bytes(
    range(256)
)


def _table_state(*models) -> dict[str, tuple[int, str]]:
    """Per table: (row count, sha256 over every column of every row, in primary-key order)."""
    state = {}
    for model in models:
        table = model.__table__
        rows = db.session.execute(sa.select(table).order_by(*table.primary_key.columns)).all()
        digest = hashlib.sha256(repr([tuple(row) for row in rows]).encode()).hexdigest()
        state[table.name] = (len(rows), digest)
    return state


# === (1) population CSV =========================================================================


def _population_state() -> dict[str, tuple[int, str]]:
    state = _table_state(InhabitantCount, PopulationImport, PopulationChange)
    state["audit population.import"] = (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "population.import")
        ),
        "",
    )
    return state


def _cli_import(runner, tmp_path, content: bytes, reference_date: str = "2018-01-01"):
    path = tmp_path / "inwoners.csv"
    path.write_bytes(content)
    return runner.invoke(
        args=[
            "import-population",
            str(path),
            "--reference-date",
            reference_date,
            "--source",
            "CBS, 1-1-2018",
        ]
    )


def _count(code: str, day: dt.date = REF_2018) -> tuple[int, str] | None:
    row = db.session.scalar(
        sa.select(InhabitantCount).where(
            InhabitantCount.member_id == queries.member_by_code(code).id,
            InhabitantCount.reference_date == day,
        )
    )
    return (row.inhabitants, row.source) if row else None


HEADER = "code,naam,inwoners\n"
GOOD_ROW = "GM0363,Amsterdam,854047\n"

BAD_CSV = [
    pytest.param(
        (HEADER + GOOD_ROW + "GM0344,Utr").encode(),
        ["regel 3", "kolommen", "niets geïmporteerd"],
        id="truncated-mid-row",
    ),
    pytest.param(
        (HEADER + GOOD_ROW + 'GM0820,"Nuenen, Gerw').encode(),
        ["regel 3", "kolommen", "niets geïmporteerd"],
        id="truncated-inside-a-quoted-name",
    ),
    pytest.param(
        (HEADER + GOOD_ROW + "GM1900,Sú").encode()[:-1],
        ["UTF-8"],
        id="truncated-mid-utf8-character",
    ),
    pytest.param(
        ("code;naam;inwoners\nGM1900;Súdwest-Fryslân;89583\n").encode("cp1252"),
        ["UTF-8"],
        id="windows-1252-accented-name",
    ),
    pytest.param(
        ('code,naam,inwoners\nGM0820,"Nuenen, Gerwen en Nederwetten",22800\n').encode("cp1252")
        + "GM1900,Súdwest-Fryslân,89583\n".encode("cp1252"),
        ["UTF-8"],
        id="windows-1252-second-line",
    ),
    pytest.param(
        (HEADER + GOOD_ROW).encode("utf-16"),
        ["UTF-8"],
        id="utf-16-excel-unicode-text",
    ),
    pytest.param(
        (HEADER + GOOD_ROW + "0363,Amsterdam,854048\n").encode(),
        ["regel 3", "GM0363", "dubbel", "regel 2"],
        id="duplicate-as-bare-number",
    ),
    pytest.param(
        (HEADER + GOOD_ROW + "gm0363,amsterdam,854047\n").encode(),
        ["regel 3", "GM0363", "dubbel", "regel 2"],
        id="duplicate-lowercase",
    ),
    pytest.param(
        ("inwoners,naam,code\n" + GOOD_ROW).encode(),
        ["regel 2", "854047", "geen gemeentecode"],
        id="headers-code-and-inwoners-swapped",
    ),
    pytest.param(
        (HEADER + "GM0363,854047,Amsterdam\n").encode(),
        ["regel 2", "GM0363", "'Amsterdam'", "geen geheel getal"],
        id="name-where-the-number-should-be",
    ),
    pytest.param(
        (HEADER + "Amsterdam,GM0363,854047\n").encode(),
        ["regel 2", "AMSTERDAM", "geen gemeentecode"],
        id="name-where-the-code-should-be",
    ),
    pytest.param(
        (HEADER + "GM0820,Nuenen, Gerwen en Nederwetten,22800\n").encode(),
        ["regel 2", "4 kolommen, verwacht 3"],
        id="unquoted-comma-in-name",
    ),
    pytest.param(
        (HEADER + GOOD_ROW.replace("854047", "854.047")).encode(),
        ["regel 2", "854.047", "geen geheel getal"],
        id="thousands-separator",
    ),
    pytest.param(
        (HEADER + "GM0363,Amsterdam,854047854047854047854047\n").encode(),
        ["regel 2", "GM0363", "inwoners"],
        id="number-beyond-any-integer-column",
    ),
    pytest.param(b"", ["regel 1", "leeg"], id="empty-file"),
    pytest.param(b"\xef\xbb\xbf", ["regel 1", "leeg"], id="only-a-bom"),
    pytest.param(b"\r\n \r\n", ["regel 1", "leeg"], id="only-blank-lines"),
    pytest.param(b"\xef\xbb\xbfcode;naam;inwoners\r\n", ["geen gegevensregels"], id="only-header"),
    pytest.param(PNG, ["UTF-8"], id="png-bytes"),
]


@pytest.mark.parametrize(("content", "keywords"), BAD_CSV)
def test_a_bad_population_file_is_refused_by_the_cli_and_changes_nothing(
    runner, tmp_path, content, keywords
):
    before = _population_state()
    result = _cli_import(runner, tmp_path, content)
    assert result.exit_code not in (0, None), result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        f"traceback instead of a message: {result.exception!r}"
    )
    for keyword in keywords:
        assert keyword in result.output, f"{keyword!r} not in {result.output!r}"
    assert "Traceback" not in result.output
    assert _population_state() == before


def test_windows_1252_is_refused_with_a_message_that_names_the_encoding(runner, tmp_path):
    """Excel's plain 'CSV (gescheiden door lijstscheidingsteken)' is Windows-1252: the refusal
    must say so in Dutch (not store mojibake, not a traceback)."""
    content = (
        "gm_code;naam;inwoners\r\n"
        "GM0363;Amsterdam;854047\r\n"
        "GM1900;Súdwest-Fryslân;89583\r\n"
        "GM0820;Nuenen, Gerwen en Nederwetten;22800\r\n"
    ).encode("cp1252")
    before = _population_state()
    result = _cli_import(runner, tmp_path, content)
    assert result.exit_code == 1
    assert "geen UTF-8" in result.output
    assert "inwoners.csv" in result.output
    assert "Súdwest" not in result.output and "S\ufffddwest" not in result.output
    assert _population_state() == before


def test_excel_csv_utf8_with_bom_semicolons_and_crlf_imports_exact_numbers(runner, tmp_path):
    """Excel's 'CSV UTF-8': BOM, semicolons, CRLF; an accented name and one with commas; one code
    written as a bare number."""
    content = (
        "\ufeffgm_code;naam;inwoners\r\n"
        "GM1900;Súdwest-Fryslân;89583\r\n"
        "GM0820;Nuenen, Gerwen en Nederwetten;22800\r\n"
        "0363;Amsterdam;854047\r\n"
    ).encode("utf-8")
    imports_before = _population_state()["population_imports"][0]
    result = _cli_import(runner, tmp_path, content)
    assert result.exit_code == 0, result.output
    assert "3 regels; 3 nieuw, 0 vervangen, 0 ongewijzigd" in result.output
    assert "heet in het register" not in result.output  # the accented names matched
    assert _count("GM1900") == (89_583, "CBS, 1-1-2018")
    assert _count("GM0820") == (22_800, "CBS, 1-1-2018")
    assert _count("GM0363") == (854_047, "CBS, 1-1-2018")
    latest = db.session.scalars(
        sa.select(PopulationImport).order_by(PopulationImport.id.desc())
    ).first()
    assert _population_state()["population_imports"][0] == imports_before + 1
    assert (latest.reference_date, latest.filename, latest.row_count) == (
        REF_2018,
        "inwoners.csv",
        3,
    )
    assert sorted(
        (c.member.code, c.old_inhabitants, c.new_inhabitants) for c in latest.changes
    ) == [
        ("GM0363", None, 854_047),
        ("GM0820", None, 22_800),
        ("GM1900", None, 89_583),
    ]


def test_comma_separated_with_bom_crlf_and_quoted_names_imports_exact_numbers(runner, tmp_path):
    content = (
        '\ufeff"code","naam","inwoners"\r\n'
        '"GM0820","Nuenen, Gerwen en Nederwetten","22800"\r\n'
        '"GM1900","Súdwest-Fryslân","89583"\r\n'
        "\r\n"  # Excel's trailing empty line
    ).encode("utf-8")
    result = _cli_import(runner, tmp_path, content)
    assert result.exit_code == 0, result.output
    assert "2 regels; 2 nieuw" in result.output
    assert "heet in het register" not in result.output
    assert (_count("GM0820"), _count("GM1900")) == (
        (22_800, "CBS, 1-1-2018"),
        (89_583, "CBS, 1-1-2018"),
    )


def test_a_bom_and_crlf_do_not_shift_the_line_numbers_of_errors(runner, tmp_path):
    content = (
        "\ufeffcode;naam;inwoners\r\n"
        "GM0363;Amsterdam;854047\r\n"
        "\r\n"  # a blank line still counts as a line of the file
        "GM0344;Utrecht;drie\r\n"
    ).encode("utf-8")
    before = _population_state()
    result = _cli_import(runner, tmp_path, content)
    assert result.exit_code == 1
    assert "regel 4: GM0344: inwoners 'drie' is geen geheel getal" in result.output
    assert _population_state() == before


def test_the_parser_itself_accepts_raw_crlf_and_bom_text():
    """import_population() gets raw text from other callers than the CLI (the seed; a future
    upload page): a BOM and CRLF line endings must not break the header or the line numbers."""
    text = "\ufeffcode;naam;inwoners\r\nGM1900;Súdwest-Fryslân;89583\r\nGM0363;Amsterdam;x\r\n"
    before = _population_state()
    with pytest.raises(PopulationImportError) as error:
        import_population(ACTOR, text, REF_2018, "CBS", "x.csv")
    assert [str(e) for e in error.value.errors] == [
        "regel 3: GM0363: inwoners 'x' is geen geheel getal ≥ 0"
    ]
    assert _population_state() == before
    result = import_population(ACTOR, text.replace(";x", ";854047"), REF_2018, "CBS", "x.csv")
    assert (result.rows, result.added) == (2, 2)
    assert not [w for w in result.warnings if "heet in het register" in w]
    assert _count("GM1900") == (89_583, "CBS")


# === (2) camt.053 bank statements ===============================================================


def _billing_state() -> dict[str, tuple[int, str]]:
    return _table_state(Payment, BankStatement, Invoice, BillingEvent)


@pytest.fixture
def two_open():
    schiermonnikoog = open_invoice("GM0088", amounts=[41_404, 21_643, 23_525, 273])
    utrecht = open_invoice("GM0344", amounts=[15_093_672, 7_889_874, 99_481])
    assert (schiermonnikoog.number, utrecht.number) == ("AWT-2018-00001", "AWT-2018-00002")
    db.session.flush()
    return schiermonnikoog, utrecht


ENTRIES = [
    {
        "amount": "868.45",
        "ref": "HB-001",
        "text": "Factuur AWT-2018-00001 Súdwest-Fryslân",
        "debtor": "Gemeente Súdwest-Fryslân",
    },
    {
        "amount": "100000.00",
        "ref": "HB-002",
        "text": "AWT-2018-00002 deel 1",
        "debtor": "Gemeente Nuenen, Gerwen en Nederwetten",
    },
    {"amount": "12.34", "ref": "HB-003", "text": "gift", "debtor": "Súdwest-Fryslân"},
]
GOOD = camt053("STMT-HARD-1", ENTRIES)

_CUT_AT = GOOD.index(b"<Ustrd>AWT-2018-00002") + len(b"<Ustrd>AWT-20")
TRUNCATED = GOOD[:_CUT_AT]
TRUNCATED_LINE = TRUNCATED.count(b"\n") + 1
WINDOWS_1252_AS_UTF8 = GOOD.decode().encode("cp1252")  # declares UTF-8, is not
WINDOWS_1252_LINE = GOOD[: GOOD.index("ú".encode())].count(b"\n") + 1
UBL_INVOICE = b"""<?xml version="1.0" encoding="UTF-8"?>
<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
  xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">
  <cbc:CustomizationID>urn:cen.eu:en16931:2017</cbc:CustomizationID>
  <cbc:ID>AWT-2018-00001</cbc:ID>
  <cbc:IssueDate>2018-02-01</cbc:IssueDate>
  <cbc:DocumentCurrencyCode>EUR</cbc:DocumentCurrencyCode>
</Invoice>"""
CAMT_054 = GOOD.replace(b"camt.053.001.02", b"camt.054.001.02")


def _one(entry: dict, **changes) -> dict:
    return {**entry, **changes}


BAD_CAMT = [
    pytest.param(TRUNCATED, ["geen geldig XML", f"{TRUNCATED_LINE}"], id="truncated-mid-element"),
    pytest.param(
        GOOD[: GOOD.index(b"</Stmt>")], ["geen geldig XML"], id="truncated-before-closing-tags"
    ),
    pytest.param(
        WINDOWS_1252_AS_UTF8,
        ["tekenset", f"{WINDOWS_1252_LINE}", "UTF-8"],
        id="windows-1252-declared-utf8",
    ),
    # Refused, but the detail is lxml's English ("Document is empty"); see the report.
    pytest.param(b"", ["bestand is leeg"], id="empty-file"),
    pytest.param(b"   \r\n", ["bestand is leeg"], id="only-whitespace"),
    pytest.param(PNG, ["geen geldig XML"], id="png-bytes"),
    pytest.param(UBL_INVOICE, ["geen camt.053"], id="ubl-invoice"),
    pytest.param(CAMT_054, ["geen camt.053"], id="camt054-notification"),
    pytest.param(
        camt053("STMT-SWAP", [_one(ENTRIES[0], amount="Gemeente Schiermonnikoog", text="868.45")]),
        ["HB-001", "bedrag"],
        id="name-where-the-amount-should-be",
    ),
    pytest.param(
        camt053("STMT-COMMA", [_one(ENTRIES[0], amount="868,45")]),
        ["HB-001", "bedrag"],
        id="decimal-comma-amount",
    ),
    pytest.param(
        camt053("STMT-DATE", [_one(ENTRIES[0], booked="05-03-2018")]),
        ["HB-001", "datum"],
        id="day-month-year-booking-date",
    ),
    pytest.param(
        re.sub(rb"<(BookgDt|ValDt)><Dt>[^<]*</Dt></\1>", b"", camt053("STMT-ND", ENTRIES[:1])),
        ["HB-001", "datum"],
        id="no-booking-date",
    ),
    pytest.param(
        camt053("STMT-NAN", [_one(ENTRIES[0], amount="NaN")]),
        ["HB-001", "bedrag"],
        id="nan-amount",
    ),
    pytest.param(
        camt053("STMT-BIG", [_one(ENTRIES[0], amount="868.45E+30")]),
        ["HB-001", "bedrag"],
        id="amount-beyond-any-integer-column",
    ),
]


@pytest.mark.parametrize(("content", "keywords"), BAD_CAMT)
def test_a_bad_statement_is_refused_by_the_service_and_changes_nothing(two_open, content, keywords):
    before = _billing_state()
    with pytest.raises(BillingError) as error:
        payment_service.import_camt053(ACTOR, content, "afschrift.xml")
    message = str(error.value)
    for keyword in keywords:
        assert keyword in message, f"{keyword!r} not in {message!r}"
    assert _billing_state() == before
    assert all(invoice.status is InvoiceStatus.OPEN for invoice in two_open)


def test_utf8_with_bom_and_crlf_books_exact_amounts(two_open):
    schiermonnikoog, utrecht = two_open
    content = b"\xef\xbb\xbf" + GOOD.replace(b"\n", b"\r\n")
    result = payment_service.import_camt053(ACTOR, content, "afschrift.xml")
    assert result.booked == [("AWT-2018-00001", 86_845), ("AWT-2018-00002", 10_000_000)]
    assert [(u["reference"], u["amount_cents"], u["debtor"]) for u in result.unmatched] == [
        ("HB-003", 1_234, "Súdwest-Fryslân")
    ]
    assert schiermonnikoog.status is InvoiceStatus.PAID
    assert invoice_service.amount_due(utrecht) == 23_083_027 - 10_000_000
    payment = db.session.scalar(sa.select(Payment).where(Payment.bank_reference == "HB-001"))
    assert payment.reference == "Factuur AWT-2018-00001 Súdwest-Fryslân"

    before = _billing_state()
    again = payment_service.import_camt053(ACTOR, GOOD, "zonder-bom.xml")  # same Id, no BOM
    assert again.already_imported
    assert _billing_state() == before


def test_a_statement_that_declares_windows_1252_is_decoded_correctly(two_open):
    content = GOOD.decode().replace('encoding="UTF-8"', 'encoding="windows-1252"').encode("cp1252")
    assert "ú".encode() not in content and b"\xfa" in content
    result = payment_service.import_camt053(ACTOR, content, "afschrift.xml")
    assert result.booked == [("AWT-2018-00001", 86_845), ("AWT-2018-00002", 10_000_000)]
    payment = db.session.scalar(sa.select(Payment).where(Payment.bank_reference == "HB-001"))
    assert payment.reference == "Factuur AWT-2018-00001 Súdwest-Fryslân"
    statement = db.session.scalar(
        sa.select(BankStatement).where(BankStatement.statement_id == "STMT-HARD-1")
    )
    assert [u["debtor"] for u in statement.unmatched] == ["Súdwest-Fryslân"]


def test_an_entry_without_bank_reference_in_an_overlapping_statement_is_not_booked_twice(
    two_open,
):
    """AcctSvcrRef is optional in camt.053. Without any bank reference (entry or transaction
    AcctSvcrRef, EndToEndId) the same credit in an overlapping statement cannot be recognised,
    so such an entry is never booked automatically: it is listed for finance to book by hand."""
    _, utrecht = two_open

    def without_reference(statement_id: str, entries: list[dict]) -> bytes:
        content = camt053(statement_id, entries)
        return re.sub(rb"\s*<AcctSvcrRef>[^<]*</AcctSvcrRef>", b"", content)

    first = payment_service.import_camt053(
        ACTOR, without_reference("STMT-A", ENTRIES[1:2]), "a.xml"
    )
    second = payment_service.import_camt053(
        ACTOR, without_reference("STMT-B", ENTRIES[1:2]), "b.xml"
    )
    assert invoice_service.amount_paid(utrecht) == 0
    for result in (first, second):
        assert result.booked == []
        assert [u["reason"] for u in result.unmatched] == ["zonder bankreferentie: boek handmatig"]


# --- the finance page -------------------------------------------------------------------------

_HASH = generate_password_hash("hardening-wachtwoord-123", method="pbkdf2:sha256:1000")


@pytest.fixture
def finance(app, client, monkeypatch):
    """A logged-in VNG finance user; CSRF off (it has its own tests); a crash is a 500 response
    here, as in production, instead of an exception in the test."""
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", False)
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)
    user = User(
        email="financien@hardening.example",
        password_hash=_HASH,
        role_rows=[UserRole(role=Role.VNG_FINANCE)],
    )
    db.session.add(user)
    db.session.flush()
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_fresh"] = True
    return client


def _upload(client, content: bytes, filename: str = "afschrift.xml"):
    response = client.post(
        "/financien/bankafschrift",
        data={"statement": (io.BytesIO(content), filename)},
        content_type="multipart/form-data",
    )
    return response, response.get_data(as_text=True)


def _error_summary(page: str) -> str:
    found = re.search(r'<div class="error-summary".*?</div>', page, re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", found.group(0))) if found else ""


@pytest.mark.parametrize(("content", "keywords"), BAD_CAMT)
def test_a_bad_statement_upload_re_renders_the_page_with_the_reason_and_changes_nothing(
    finance, two_open, content, keywords
):
    before = _billing_state()
    response, page = _upload(finance, content)
    unchanged = _billing_state() == before
    assert response.status_code < 500, (
        f"HTTP {response.status_code}: the upload crashed (data unchanged: {unchanged})"
    )
    assert unchanged
    # The app's convention for a refused form: the same page again, status 400, error summary.
    assert response.status_code == 400
    assert "Bankafschrift inlezen" in page and 'type="file"' in page
    summary = _error_summary(page)
    for keyword in keywords:
        assert keyword in summary, f"{keyword!r} not in {summary!r}"


def test_an_upload_with_a_bom_books_and_a_repeated_entry_counts_once(finance, two_open):
    content = b"\xef\xbb\xbf" + camt053("STMT-PAGE", [ENTRIES[0], ENTRIES[1], ENTRIES[1]])
    response, page = _upload(finance, content)
    assert response.status_code == 200
    assert "Afschrift STMT-PAGE" in page
    assert "2 betaling(en) geboekt, 1 al eerder geboekt, 0 niet herkend." in page
    db.session.expire_all()
    schiermonnikoog, utrecht = two_open
    assert schiermonnikoog.status is InvoiceStatus.PAID
    assert invoice_service.amount_paid(utrecht) == 10_000_000

    before = _billing_state()
    response, page = _upload(finance, content, "nogmaals.xml")
    assert response.status_code == 200
    assert "al eerder ingelezen; er is niets geboekt" in page
    assert _billing_state() == before


def test_a_zero_amount_for_an_open_invoice_names_the_entry_and_books_nothing(finance, two_open):
    """register_payment refuses 0; the refusal must say which line of the statement it was and
    the entries before it must not stay booked."""
    content = camt053("STMT-ZERO", [ENTRIES[0], _one(ENTRIES[1], amount="0.00")])
    before = _billing_state()
    response, page = _upload(finance, content)
    assert response.status_code == 400
    assert _billing_state() == before
    summary = _error_summary(page)
    assert "geen geldig positief bedrag" in summary
    assert "HB-002" in summary, summary


def test_a_statement_imported_at_the_same_moment_elsewhere_gets_a_message_not_a_500(
    finance, two_open, monkeypatch
):
    """On PostgreSQL the losing session of two simultaneous imports meets the unique key of the
    statement (tests/hardening/test_concurrency.py shows each entry is booked once); the page
    says so instead of answering 500, and its own transaction leaves nothing behind."""
    from sqlalchemy.exc import IntegrityError

    real = payment_service.import_camt053

    def loses_the_race(actor, content, filename):
        real(actor, content, filename)  # books, then the commit-time unique key refuses it
        raise IntegrityError("INSERT INTO bank_statements", {}, Exception("duplicate key"))

    monkeypatch.setattr(payment_service, "import_camt053", loses_the_race)
    before = _billing_state()
    content = camt053("RACE", ENTRIES)
    response, page = _upload(finance, content)
    assert response.status_code == 400
    assert "tegelijk is hetzelfde afschrift" in _error_summary(page)
    assert _billing_state() == before
