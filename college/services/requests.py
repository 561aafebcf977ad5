"""The life of a scale-up request up to the College: submission, documents, the Task Force's
assessment, rejection and withdrawal, and completion after implementation.

Every change of state goes through `move`, which checks the transition table and writes the
history row and the audit event in the caller's transaction."""

from catalogue import services as catalogue
from catalogue.assessment import priority_score
from catalogue.models import Facility
from catalogue.queries import criteria as all_criteria
from college.models import (
    Compartment,
    RequestDocument,
    RequesterKind,
    RequestStatus,
    RequestTransition,
    ScaleUpRequest,
)
from college.services.errors import CollegeError
from college.services.notify import notify, notify_role
from governance.models import Member, MemberKind
from portal import audit
from portal.audit import Actor
from portal.auth.models import Role, User
from portal.db import db, lock_row

S = RequestStatus
ALLOWED: dict[RequestStatus, frozenset[RequestStatus]] = {
    S.INGEDIEND: frozenset({S.IN_BEOORDELING, S.AFGEWEZEN, S.INGETROKKEN}),
    S.IN_BEOORDELING: frozenset({S.ADVIES_COLLEGE, S.AFGEWEZEN, S.INGETROKKEN}),
    S.ADVIES_COLLEGE: frozenset({S.BESLUIT_BESTUUR, S.IN_BEOORDELING, S.INGETROKKEN}),
    S.BESLUIT_BESTUUR: frozenset({S.IN_UITVOERING, S.AFGEWEZEN}),
    S.IN_UITVOERING: frozenset({S.AFGEROND}),
    S.AFGEROND: frozenset(),
    S.AFGEWEZEN: frozenset(),
    S.INGETROKKEN: frozenset(),
}
MAX_DOCUMENT_BYTES = 10 * 1024 * 1024
#: extension -> (content type, magic bytes): the name, the type and the content must agree.
DOCUMENT_TYPES = {
    ".pdf": ("application/pdf", b"%PDF-"),
    ".docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", b"PK"),
    ".xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", b"PK"),
}


def move(actor: Actor, request: ScaleUpRequest, to: RequestStatus, note: str = "") -> None:
    """The only way a request changes state: checked against ALLOWED, with its history row
    and audit event in the caller's transaction."""
    if to not in ALLOWED[request.status]:
        raise CollegeError(
            f"{request.reference} is {request.status.label}; "
            f"naar '{to.label}' kan vanuit die stand niet"
        )
    before = request.status
    request.status = to
    db.session.add(
        RequestTransition(
            request=request, from_status=before, to_status=to, actor_label=actor.label, note=note
        )
    )
    audit.record(
        actor,
        "scale_up.status",
        "scale_up_request",
        request.reference,
        before={"status": before},
        after={"status": to, "note": note},
    )


def _text(value: str, what: str, required: bool = True) -> str:
    value = catalogue.clean_text(value or "")
    if required and not value:
        raise CollegeError(f"vul {what} in")
    return value


def _cents(value: int | None, what: str) -> int:
    if value is None:
        return 0
    if value < 0:
        raise CollegeError(f"{what} kan niet negatief zijn")
    return value


def submit(
    actor: Actor,
    *,
    facility: Facility,
    title: str,
    requester_kind: RequesterKind,
    member: Member | None,
    problem: str,
    proposed_rollout: str,
    front_runners: list[Member],
    expected_costs_cents: int,
    expected_benefits_cents: int | None,
    societal_benefits: str,
    requested_contribution_cents: int | None,
    requested_compartment: Compartment | None,
) -> ScaleUpRequest:
    if requester_kind is RequesterKind.GEMEENTE and (
        member is None or member.kind is not MemberKind.MUNICIPALITY
    ):
        raise CollegeError("een verzoek van een gemeente noemt die gemeente")
    if requester_kind is not RequesterKind.GEMEENTE:
        member = None
    contribution = _cents(requested_contribution_cents, "de gevraagde bijdrage")
    if contribution and requested_compartment is None:
        raise CollegeError("kies het compartiment van het fonds waaruit de bijdrage komt")
    if any(m.kind is not MemberKind.MUNICIPALITY for m in front_runners):
        raise CollegeError("de kopgroep bestaat uit gemeenten")
    request = ScaleUpRequest(
        facility=facility,
        title=_text(title, "een titel")[:200],
        requester_kind=requester_kind,
        member=member,
        submitted_by_id=actor.user_id,
        submitted_by_label=actor.label,
        problem=_text(problem, "het probleem"),
        proposed_rollout=_text(proposed_rollout, "de voorgestelde uitrol"),
        front_runners=list(front_runners),
        expected_costs_cents=_cents(expected_costs_cents, "de verwachte kosten"),
        expected_benefits_cents=_cents(expected_benefits_cents, "de verwachte baten"),
        societal_benefits=_text(societal_benefits, "de maatschappelijke baten"),
        requested_contribution_cents=contribution,
        requested_compartment=requested_compartment if contribution else None,
        status=S.INGEDIEND,
    )
    db.session.add(request)
    db.session.flush()
    db.session.add(
        RequestTransition(request=request, to_status=S.INGEDIEND, actor_label=actor.label)
    )
    audit.record(
        actor,
        "scale_up.submit",
        "scale_up_request",
        request.reference,
        after={
            "facility": facility.slug,
            "title": request.title,
            "requester": requester_kind,
            "member": member.code if member else None,
            "front_runners": [m.code for m in front_runners],
            "expected_costs_cents": request.expected_costs_cents,
            "requested_contribution_cents": contribution,
        },
    )
    notify_role(
        Role.TASK_FORCE,
        f"Nieuw opschalingsverzoek {request.reference}: {request.title}",
        f"{actor.label} heeft een opschalingsverzoek ingediend voor {facility.name}.\n"
        "Het wacht op beoordeling door de Task Force.",
    )
    return request


def add_document(
    actor: Actor, request: ScaleUpRequest, filename: str, content_type: str, content: bytes
) -> RequestDocument:
    if request.status.final:
        raise CollegeError(f"{request.reference} is {request.status.label}")
    filename = (filename or "").replace("\\", "/").rsplit("/", 1)[-1].strip()[:200]
    if not filename:
        raise CollegeError("het document heeft geen naam")
    if not content:
        raise CollegeError("het document is leeg")
    if len(content) > MAX_DOCUMENT_BYTES:
        raise CollegeError("een document is hooguit 10 MB")
    extension = "." + filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    expected_type, magic = DOCUMENT_TYPES.get(extension, (None, None))
    if expected_type is None or content_type != expected_type or not content.startswith(magic):
        raise CollegeError("alleen PDF-, Word- (.docx) of Excel-documenten (.xlsx)")
    document = RequestDocument(
        request=request,
        filename=filename,
        content_type=content_type,
        content=content,
        size=len(content),
        uploaded_by_label=actor.label,
    )
    db.session.add(document)
    db.session.flush()
    audit.record(
        actor,
        "scale_up.document",
        "scale_up_request",
        request.reference,
        after={"document": filename, "size": len(content)},
    )
    return document


def start_assessment(actor: Actor, request: ScaleUpRequest) -> None:
    move(actor, lock_row(request), S.IN_BEOORDELING)


def save_assessment(
    actor: Actor,
    request: ScaleUpRequest,
    scores: dict[int, tuple[int | None, str]],
    impact_analysis: str,
    conclusion: str,
) -> None:
    """The Task Force scores the facility with the catalogue's method (the scores are the
    catalogue's: the roadmap shows them too) and writes the impact analysis."""
    lock_row(request)
    if request.status is not S.IN_BEOORDELING:
        raise CollegeError(f"{request.reference} is {request.status.label}, niet in beoordeling")
    try:
        catalogue.set_scores(actor, request.facility, scores)
    except catalogue.CatalogueError as error:
        raise CollegeError(str(error)) from error
    before = {"impact": request.impact_analysis, "conclusion": request.assessment_conclusion}
    request.impact_analysis = catalogue.clean_text(impact_analysis or "")
    request.assessment_conclusion = catalogue.clean_text(conclusion or "")
    after = {"impact": request.impact_analysis, "conclusion": request.assessment_conclusion}
    if after != before:
        audit.record(
            actor, "scale_up.assessment", "scale_up_request", request.reference, before, after
        )


def complete_assessment(actor: Actor, request: ScaleUpRequest) -> None:
    """To the College, once the priority score is complete and the impact analysis written."""
    lock_row(request)
    if request.status is not S.IN_BEOORDELING:
        raise CollegeError(f"{request.reference} is {request.status.label}, niet in beoordeling")
    score = priority_score(request.facility, all_criteria())
    if not score.complete:
        raise CollegeError("de prioriteitenweging is nog niet op elk criterium ingevuld")
    if not request.impact_analysis or not request.assessment_conclusion:
        raise CollegeError("de impactanalyse en de conclusie van de Task Force ontbreken")
    request.assessment_snapshot = {
        "score": score.formula,
        "criteria": [
            {
                "name": c.name,
                "group": c.group.label,
                "weight": str(c.weight),
                "scale_max": c.scale_max,
                "value": s.value if s else None,
                "note": s.note if s else "",
            }
            for c, s in _scored(request)
        ],
    }
    move(actor, request, S.ADVIES_COLLEGE, note=f"prioriteitsscore {score.formula}")
    notify_role(
        Role.COLLEGE,
        f"Ter advisering: {request.reference} {request.title}",
        f"De Task Force heeft {request.reference} ({request.facility.name}) beoordeeld.\n"
        "Het verzoek staat in uw werkvoorraad in Samen voor uw standpunt.",
    )


def _scored(request: ScaleUpRequest):
    scores = {s.criterion_id: s for s in request.facility.scores}
    return [(c, scores.get(c.id)) for c in all_criteria()]


def send_back(actor: Actor, request: ScaleUpRequest, reason: str) -> None:
    """The College returns a request to the Task Force (more analysis needed); a draft advice
    stays, its positions no longer count."""
    lock_row(request)
    if request.status is not S.ADVIES_COLLEGE:
        raise CollegeError(f"{request.reference} is {request.status.label}, niet bij het College")
    reason = _text(reason, "waarom het verzoek teruggaat")
    if request.advice is not None:
        for position in list(request.advice.positions):
            db.session.delete(position)
        request.advice.revision += 1
    move(actor, request, S.IN_BEOORDELING, note=reason)
    notify_role(Role.TASK_FORCE, f"{request.reference} terug van het College", reason)


def reject(actor: Actor, request: ScaleUpRequest, reason: str) -> None:
    """The Task Force turns a request down before it reaches the College."""
    lock_row(request)
    if request.status not in (S.INGEDIEND, S.IN_BEOORDELING):
        raise CollegeError("na de beoordeling beslist het bestuur over afwijzing")
    move(actor, request, S.AFGEWEZEN, note=_text(reason, "de reden van afwijzing"))
    _tell_submitter(request, f"{request.reference} is afgewezen door de Task Force", reason)


def withdraw(actor: Actor, request: ScaleUpRequest, reason: str) -> None:
    """Withdrawn by the requester (or the Task Force / VNG) before the board decides; whoever
    is working on it is told."""
    lock_row(request)
    at = request.status
    move(actor, request, S.INGETROKKEN, note=_text(reason, "de reden", required=False))
    subject = f"{request.reference} is ingetrokken"
    body = f"{actor.label} heeft {request.reference} ({request.title}) ingetrokken."
    notify_role(Role.TASK_FORCE, subject, body)
    if at is S.ADVIES_COLLEGE:
        notify_role(Role.COLLEGE, subject, body)
    _tell_submitter(request, subject, body)


def complete(actor: Actor, request: ScaleUpRequest, note: str) -> None:
    """The implementation is done (the Task Force monitors it, source section C)."""
    move(actor, lock_row(request), S.AFGEROND, note=_text(note, "een toelichting"))
    _tell_submitter(request, f"{request.reference} is afgerond", note)


def _tell_submitter(request: ScaleUpRequest, subject: str, body: str) -> None:
    user = db.session.get(User, request.submitted_by_id) if request.submitted_by_id else None
    if user is not None and user.active:
        notify([user.email], subject, body)


def acts_for(user, member_id: int | None) -> bool:
    """Who acts on a municipality's behalf in the process: the Task Force and VNG admins for
    any, a municipality's IT managers for their own."""
    if user.has_role(Role.TASK_FORCE, Role.VNG_ADMIN):
        return True
    return user.has_role(Role.GEMEENTE_IT) and member_id is not None and user.member_id == member_id


def may_withdraw(user, request: ScaleUpRequest) -> bool:
    """The requester's side may withdraw until the board decides."""
    return S.INGETROKKEN in ALLOWED[request.status] and acts_for(user, request.member_id)


def may_add_documents(user, request: ScaleUpRequest) -> bool:
    return not request.status.final and acts_for(user, request.member_id)
