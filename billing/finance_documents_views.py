"""VNG finance pages for documents and money in: the dashboard per year and issuer, exports
(CSV, XLSX), members' invoice details and the delivery outbox."""

import datetime as dt

import sqlalchemy as sa
from flask import Response, abort, redirect, render_template, request, url_for

from billing import exports, reports
from billing.finance_views import _actor, _attempt, bp, finance_only
from billing.forms import AccountForm, ConfirmForm
from billing.models import BillingAccount, Issuer, OutboxMessage, OutboxStatus
from billing.outbox import retry
from billing.services import accounts
from governance import queries as registry
from governance.models import Member
from portal.charts import Series, bar_chart
from portal.db import db
from portal.formatting import euro

EXPORTS = {
    "debiteuren": ("Debiteuren", exports.RECEIVABLE_COLUMNS, "receivables"),
    "regels": ("Factuurregels", exports.LINE_COLUMNS, "lines"),
}


def _year_and_issuer() -> tuple[int, str | None, list[int], list[str]]:
    years = reports.years() or [dt.date.today().year]
    year = request.args.get("jaar", type=int) or years[-1]
    issuers = list(db.session.scalars(sa.select(Issuer.code).order_by(Issuer.code)))
    issuer = request.args.get("uitgever") or None
    if issuer and issuer not in issuers:
        abort(404)
    return year, issuer, years, issuers


@bp.get("/dashboard")
@finance_only
def dashboard():
    year, issuer, years, issuers = _year_and_issuer()
    today = dt.date.today()
    totals = reports.summary(reports.receivables(year, issuer), today)
    per_issuer = totals[:-1]
    revenue = reports.revenue_per_product(year, issuer)
    money_chart = bar_chart(
        "geld",
        f"Gefactureerd, betaald en open per uitgever, {year}",
        [s.issuer for s in per_issuer],
        [
            Series("gefactureerd", [s.invoiced_cents for s in per_issuer]),
            Series("betaald", [s.paid_cents for s in per_issuer]),
            Series("open", [s.open_cents for s in per_issuer]),
            Series("vervallen", [s.overdue_cents for s in per_issuer]),
        ],
        euro,
    )
    budgeted = [r for r in revenue if r.budget_cents is not None]
    budget_chart = bar_chart(
        "budget",
        f"Gefactureerd per onderdeel tegenover het budget, {year}",
        [r.name for r in budgeted],
        [
            Series("gefactureerd", [r.invoiced_cents for r in budgeted]),
            Series("budget", [r.budget_cents for r in budgeted]),
        ],
        euro,
    )
    return render_template(
        "billing/dashboard.html",
        year=year,
        issuer=issuer,
        years=years,
        issuers=issuers,
        totals=totals,
        revenue=revenue,
        money_chart=money_chart,
        budget_chart=budget_chart if budgeted else None,
        today=today,
    )


@bp.get("/export/<kind>.<any(csv, xlsx):fmt>")
@finance_only
def export(kind: str, fmt: str):
    if kind not in EXPORTS:
        abort(404)
    year, issuer, _, _ = _year_and_issuer()
    title, columns, key = EXPORTS[kind]
    rows = (
        exports.receivable_rows(year, issuer, dt.date.today())
        if key == "receivables"
        else exports.line_rows(year, issuer)
    )
    name = f"{kind}-{year}{'-' + issuer if issuer else ''}.{fmt}"
    if fmt == "csv":
        body, mimetype = exports.to_csv(key, columns, rows), "text/csv; charset=utf-8"
    else:
        body = exports.to_xlsx(key, f"{title} {year}", columns, rows)
        mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return Response(
        body, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


@bp.get("/factuurgegevens")
@finance_only
def accounts_index():
    rows = db.session.execute(
        sa.select(Member, BillingAccount)
        .outerjoin(BillingAccount, BillingAccount.member_id == Member.id)
        .where(Member.valid_to.is_(None) | (Member.valid_to >= dt.date.today()))
        .order_by(Member.name)
    ).all()
    return render_template("billing/accounts.html", rows=rows)


@bp.route("/factuurgegevens/<code>", methods=["GET", "POST"])
@finance_only
def account(code: str):
    member = registry.member_by_code(code) or abort(404)
    current = db.session.scalar(sa.select(BillingAccount).where(BillingAccount.member == member))
    form = AccountForm(obj=current, data={"oin": member.oin} if request.method == "GET" else None)
    if form.validate_on_submit():
        fields = {k: v for k, v in form.data.items() if k != "csrf_token"}
        if _attempt(
            lambda: accounts.save_account(_actor(), member, **fields),
            f"Factuurgegevens van {member.name} opgeslagen.",
        ):
            return redirect(url_for("finance.accounts_index"))
    return render_template("billing/account.html", member=member, account=current, form=form)


@bp.get("/verzending")
@finance_only
def outbox_index():
    status = request.args.get("status")
    stmt = sa.select(OutboxMessage).order_by(OutboxMessage.id.desc())
    if status in {s.value for s in OutboxStatus}:
        stmt = stmt.where(OutboxMessage.status == status)
    page = db.paginate(stmt, per_page=50, error_out=False)
    counts = dict(
        db.session.execute(
            sa.select(OutboxMessage.status, sa.func.count()).group_by(OutboxMessage.status)
        ).all()
    )
    return render_template(
        "billing/outbox.html", page=page, counts=counts, status=status, form=ConfirmForm()
    )


@bp.post("/verzending/<int:message_id>/opnieuw")
@finance_only
def outbox_retry(message_id: int):
    message = db.session.get(OutboxMessage, message_id) or abort(404)
    if ConfirmForm().validate_on_submit():
        _attempt(
            lambda: retry(_actor(), message), f"Bericht aan {message.recipient} staat weer klaar."
        )
    return redirect(url_for("finance.outbox_index"))
