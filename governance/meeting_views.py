"""ALV pages: meetings and their agenda, voting for a member's representative, the technical
chair's controls, the projector screen, the named-vote register and the minutes."""

import csv
import datetime as dt
import io

import sqlalchemy as sa
from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user

from governance import meeting_queries, meetings, polls
from governance.meeting_forms import MANAGE_ACTIONS, MeetingForm, manage_forms
from governance.models import Ballot, BallotChoice, Meeting, MeetingKind, Poll, PollState
from governance.tally import dutch_pct
from portal.audit import Actor
from portal.auth.models import Role
from portal.db import db
from portal.permissions import role_required
from portal.security import with_inline_styles

bp = Blueprint("meetings", __name__, template_folder="templates")
chair_only = role_required(Role.VNG_ADMIN)


def _actor() -> Actor:
    return Actor.for_user(current_user, request.remote_addr)


def _attempt(work, success: str) -> None:
    try:
        work()
    except (polls.PollError, meetings.MeetingError) as error:
        db.session.rollback()
        flash(f"Niet uitgevoerd: {error}")
    else:
        db.session.commit()
        flash(success)


@bp.get("/vergaderingen/")
def index():
    return render_template("meetings/index.html", meetings=meeting_queries.meetings())


@bp.get("/vergaderingen/<int:meeting_id>")
def show(meeting_id: int):
    meeting = db.session.get(Meeting, meeting_id) or abort(404)
    return render_template(
        "meetings/meeting.html",
        meeting=meeting,
        tally=polls.tally,
        dutch_pct=dutch_pct,
        visible=meeting_queries.results_visible,
        membership=meeting_queries.membership_announcement(meeting),
    )


@bp.get("/vergaderingen/<int:meeting_id>/scherm")
def screen(meeting_id: int):
    """The projector: the open poll, or the latest closed result. Live with JavaScript."""
    meeting = db.session.get(Meeting, meeting_id) or abort(404)
    poll_list = [p for item in meeting.items for s in item.subjects for p in s.polls]
    current = next((p for p in poll_list if p.state is PollState.OPEN), None) or max(
        (p for p in poll_list if p.closed_at), key=lambda p: p.closed_at, default=None
    )
    return render_template(
        "meetings/screen.html",
        meeting=meeting,
        poll=current,
        data=meeting_queries.poll_json(current) if current else None,
    )


@bp.route("/stemmingen/<int:poll_id>", methods=["GET", "POST"])
def poll(poll_id: int):
    found = db.session.get(Poll, poll_id) or abort(404)
    member = (
        current_user.member
        if current_user.is_authenticated and current_user.has_role(Role.STEMGERECHTIGDE)
        else None
    )
    if request.method == "POST":
        if member is None:
            abort(403)
        choice = request.form.get("choice", "")
        if choice not in {c.value for c in BallotChoice}:
            abort(400)
        _attempt(
            lambda: polls.cast_ballot(_actor(), found, member, BallotChoice(choice)),
            f"Uw stem ({choice}) voor {member.name} is geregistreerd.",
        )
        return redirect(url_for("meetings.poll", poll_id=poll_id))
    mine = (
        db.session.scalar(
            sa.select(Ballot).where(Ballot.poll_id == found.id, Ballot.member_id == member.id)
        )
        if member
        else None
    )
    return render_template(
        "meetings/poll.html",
        poll=found,
        member=member,
        mine=mine,
        data=meeting_queries.poll_json(found),
        choices=list(BallotChoice),
    )


@bp.post("/stemmingen/<int:poll_id>/<any(openen, sluiten, publiceren):action>")
@chair_only
def poll_action(poll_id: int, action: str):
    found = db.session.get(Poll, poll_id) or abort(404)
    work = {
        "openen": polls.open_poll,
        "sluiten": polls.close_poll,
        "publiceren": polls.publish_poll,
    }[action]
    _attempt(lambda: work(_actor(), found), f"Stemming: {action} uitgevoerd.")
    return redirect(url_for("meetings.poll", poll_id=poll_id))


@bp.post("/stemmingen/<int:poll_id>/griffier")
@chair_only
def clerk_ballot(poll_id: int):
    """A clerk records a member's vote (e.g. a representative without a device)."""
    from governance import queries as registry

    found = db.session.get(Poll, poll_id) or abort(404)
    code, choice = request.form.get("member", "").strip(), request.form.get("choice", "")
    member = registry.member_by_code(code) if code else None
    if member is None or choice not in {c.value for c in BallotChoice}:
        flash(f"Niet uitgevoerd: geef een bestaande lidcode en een keuze op ({code or 'leeg'}).")
        return redirect(url_for("meetings.poll", poll_id=poll_id))
    _attempt(
        lambda: polls.cast_ballot(_actor(), found, member, BallotChoice(choice)),
        f"Stem van {member.name} ({choice}) vastgelegd.",
    )
    return redirect(url_for("meetings.poll", poll_id=poll_id))


@bp.get("/stemmingen/<int:poll_id>/stemregister.csv")
def register_csv(poll_id: int):
    """Named votes, public once the result is published."""
    found = db.session.get(Poll, poll_id) or abort(404)
    if found.state is not PollState.PUBLISHED:
        abort(404)
    weights = {w.member_id: w for w in found.weights}
    ballots = {
        b.member_id: b
        for b in db.session.scalars(sa.select(Ballot).where(Ballot.poll_id == found.id))
    }
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(["code", "lid", "stemmen", "inwoners", "keuze"])
    for member_id, weight in sorted(weights.items(), key=lambda kv: kv[1].member.name):
        ballot = ballots.get(member_id)
        writer.writerow(
            [
                weight.member.code,
                weight.member.name,
                weight.votes,
                weight.inhabitants,
                ballot.choice.value if ballot else "niet gestemd",
            ]
        )
    return Response(
        out.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="stemregister-{found.id}.csv"'},
    )


@bp.route("/vergaderingen/nieuw", methods=["GET", "POST"])
@chair_only
def create():
    form = MeetingForm()
    if form.validate_on_submit():
        created = []
        _attempt(
            lambda: created.append(
                meetings.create_meeting(
                    _actor(),
                    MeetingKind(form.kind.data),
                    form.date.data,
                    form.place.data or "",
                    form.chair.data or "",
                    form.technical_chair.data or "",
                )
            ),
            "Vergadering aangemaakt.",
        )
        if created:
            return redirect(url_for("meetings.manage", meeting_id=created[0].id))
    return render_template("meetings/form.html", form=form, title="Nieuwe vergadering"), (
        400 if form.errors else 200
    )


@bp.route("/vergaderingen/<int:meeting_id>/beheer", methods=["GET", "POST"])
@chair_only
def manage(meeting_id: int):
    """Attendance, agenda items, subjects, settling without a vote, and new polls."""
    meeting = db.session.get(Meeting, meeting_id) or abort(404)
    forms = manage_forms(meeting)
    action = request.form.get("action")
    if request.method == "POST":
        form = forms.get(action)
        if form is None:
            abort(400)
        if form.validate_on_submit():
            _attempt(lambda: MANAGE_ACTIONS[action](_actor(), meeting, form), "Verwerkt.")
            return redirect(url_for("meetings.manage", meeting_id=meeting_id))
        flash(
            "Niet uitgevoerd: "
            + "; ".join(
                f"{form[name].label.text}: {' '.join(errors)}"
                for name, errors in form.errors.items()
                if name in form
            )
        )
    return render_template("meetings/manage.html", meeting=meeting, forms=forms)


@bp.route("/vergaderingen/<int:meeting_id>/notulen", methods=["GET", "POST"])
def minutes(meeting_id: int):
    meeting = db.session.get(Meeting, meeting_id) or abort(404)
    is_chair = current_user.is_authenticated and current_user.has_role(Role.VNG_ADMIN)
    if request.method == "POST":
        if not is_chair:
            abort(403)
        action = request.form.get("action")
        if action == "commissie":
            names = request.form.get("committee", "").splitlines()
            _attempt(
                lambda: meetings.set_committee(_actor(), meeting, names),
                "Notulencommissie vastgelegd.",
            )
        elif action == "vaststellen":
            item_ids = set(request.form.getlist("item", type=int))
            chosen = [i for i in meeting.items if i.id in item_ids] or None
            _attempt(
                lambda: meetings.approve_minutes(_actor(), meeting, dt.date.today(), chosen),
                "Notulen vastgesteld.",
            )
        else:
            item = next(
                (i for i in meeting.items if i.id == request.form.get("item", type=int)), None
            ) or abort(404)
            _attempt(
                lambda: meetings.save_minutes(_actor(), item, request.form.get("text", "")),
                f"Notulen van agendapunt {item.number} opgeslagen.",
            )
        return redirect(url_for("meetings.minutes", meeting_id=meeting_id))
    drafts = meetings.draft_minutes(meeting)
    if request.args.get("export"):
        html = render_template("meetings/minutes_export.html", meeting=meeting, drafts=drafts)
        return with_inline_styles(make_response(html))
    return render_template(
        "meetings/minutes.html", meeting=meeting, drafts=drafts, is_chair=is_chair
    )


@bp.get("/vergaderingen/<int:meeting_id>/notulen.pdf")
def minutes_pdf(meeting_id: int):
    """The minutes as PDF, rendered by WeasyPrint from the same template as the HTML export."""
    from weasyprint import HTML  # imported here: it loads Pango, which only this route needs

    meeting = db.session.get(Meeting, meeting_id) or abort(404)
    html = render_template(
        "meetings/minutes_export.html", meeting=meeting, drafts=meetings.draft_minutes(meeting)
    )
    filename = f"notulen-{meeting.kind.value}-{meeting.date.isoformat()}.pdf"
    return Response(
        HTML(string=html).write_pdf(),
        mimetype="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{filename}"'},
    )
