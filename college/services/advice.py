"""The College's advice and the board's decision on it.

The advice is drafted by the College, each member records a position, and the College adopts
it (a majority of the positions taken, abstentions not counted) and sends it to the board.
The board adopts, adopts amended or rejects; adoption applies every consequence in the caller's
one transaction: phase and binding level in the catalogue, a standard declaration in its
decision timeline, subscriptions for every municipality when generally binding, and the fund
allocation. If any of them is refused, nothing of the decision stays."""

import datetime as dt

import sqlalchemy as sa

from billing.models import Product, Subscription
from billing.services.catalog import make_automatic
from billing.services.subscriptions import subscribe_all
from catalogue import services as catalogue
from catalogue.models import (
    BindingLevel,
    DecisionBody,
    DecisionKind,
    ExecutionStructure,
    Phase,
)
from college.models import (
    PROCESS_START,
    AdviceStatus,
    BoardDecision,
    BoardOutcome,
    CollegeAdvice,
    CollegePosition,
    Compartment,
    PositionKind,
    RequestStatus,
    ScaleUpRequest,
)
from college.services import fund as fund_service
from college.services.errors import CollegeError
from college.services.notify import notify, notify_role
from college.services.requests import _tell_submitter, move
from portal import audit
from portal.audit import Actor
from portal.auth.models import Role, User, UserRole
from portal.db import db, lock_row, utcnow

#: Phases that adoption moves on to 'opschaling'; later phases stay as they are.
BEFORE_SCALE_UP = (Phase.INITIATIEF, Phase.ONTWIKKELING)


def _open_advice(request: ScaleUpRequest) -> CollegeAdvice | None:
    if request.status is not RequestStatus.ADVIES_COLLEGE:
        raise CollegeError(f"{request.reference} is {request.status.label}, niet bij het College")
    if request.advice is not None and request.advice.status is AdviceStatus.VASTGESTELD:
        raise CollegeError("het advies is al vastgesteld")
    return request.advice


def save_advice(
    actor: Actor,
    request: ScaleUpRequest,
    *,
    rollout: str,
    timeline: str,
    start_date: dt.date,
    end_date: dt.date,
    binding_level: BindingLevel,
    cooperation_form: str,
    execution_structure: ExecutionStructure,
    fund_allocation_cents: int | None,
    fund_year: int | None,
    fund_compartment: Compartment | None,
    revision: int | None = None,
) -> CollegeAdvice:
    """Draft or change the advice. `revision` is the one the editor started from: an edit on
    an older text is refused rather than silently overwriting a colleague's."""
    lock_row(request)
    advice = _open_advice(request)
    _check_revision(advice, revision)
    if end_date < start_date:
        raise CollegeError("het tijdpad eindigt vóór het begint")
    allocation = fund_allocation_cents or 0
    if allocation < 0:
        raise CollegeError("een toekenning uit het fonds kan niet negatief zijn")
    if allocation:
        if fund_year is None or fund_compartment is None:
            raise CollegeError("noem het jaar en het compartiment van de toekenning")
        fund = fund_service.fund_year(fund_year)
        if fund is None:
            raise CollegeError(f"het fonds heeft geen begroting voor {fund_year}")
        fund_service.check_free(fund, fund_compartment, allocation)
    fields = {
        "rollout": catalogue.clean_text(rollout or ""),
        "timeline": catalogue.clean_text(timeline or ""),
        "start_date": start_date,
        "end_date": end_date,
        "binding_level": binding_level,
        "cooperation_form": (cooperation_form or "").strip()[:300],
        "execution_structure": execution_structure,
        "fund_allocation_cents": allocation,
        "fund_year": fund_year if allocation else None,
        "fund_compartment": fund_compartment if allocation else None,
    }
    if not fields["rollout"] or not fields["timeline"] or not fields["cooperation_form"]:
        raise CollegeError("het advies beschrijft de uitrol, het tijdpad en de samenwerkingsvorm")
    before = None
    if advice is None:
        advice = CollegeAdvice(request=request, drafted_by_label=actor.label, **fields)
        db.session.add(advice)
    else:
        before = {k: getattr(advice, k) for k in fields}
        for key, value in fields.items():
            setattr(advice, key, value)
        if before != fields:
            advice.revision += 1
            _void_positions(advice, request)
    db.session.flush()
    audit.record(actor, "college.advice", "scale_up_request", request.reference, before, fields)
    return advice


def _check_revision(advice: CollegeAdvice | None, revision: int | None) -> None:
    if advice is not None and revision is not None and revision != advice.revision:
        raise CollegeError(
            "het conceptadvies is intussen gewijzigd; lees de nieuwe tekst en probeer het opnieuw"
        )


def _void_positions(advice: CollegeAdvice, request: ScaleUpRequest) -> None:
    """Positions were taken on the earlier text: they no longer count, and their authors are
    asked for a new one."""
    if not advice.positions:
        return
    emails = db.session.scalars(
        sa.select(User.email).where(User.id.in_([p.user_id for p in advice.positions]))
    )
    for position in list(advice.positions):
        db.session.delete(position)
    notify(
        list(emails),
        f"Conceptadvies {request.reference} gewijzigd: uw standpunt is opnieuw nodig",
        f"Het conceptadvies over {request.title} is gewijzigd. Neem opnieuw een standpunt in.",
    )


def record_position(
    actor: Actor,
    request: ScaleUpRequest,
    position: PositionKind,
    comment: str,
    revision: int | None = None,
) -> CollegePosition:
    """A College member's position on the text they read (`revision`); again replaces it."""
    lock_row(request)
    advice = _open_advice(request)
    if advice is None:
        raise CollegeError("er is nog geen conceptadvies om een standpunt over in te nemen")
    _check_revision(advice, revision)
    comment = catalogue.clean_text(comment or "")
    if position is not PositionKind.EENS and not comment:
        raise CollegeError("licht een kanttekening, een tegenstem of een onthouding toe")
    row = next((p for p in advice.positions if p.user_id == actor.user_id), None)
    before = {"position": row.position, "comment": row.comment} if row else None
    if row is None:
        row = CollegePosition(advice=advice, user_id=actor.user_id, member_label=actor.label)
        db.session.add(row)
    row.position, row.comment = position, comment
    db.session.flush()
    audit.record(
        actor,
        "college.position",
        "scale_up_request",
        request.reference,
        before,
        {"position": position, "comment": comment},
    )
    return row


def tally(advice: CollegeAdvice) -> tuple[int, int, int]:
    """(in favour, against, abstained)."""
    favour = sum(1 for p in advice.positions if p.position.in_favour)
    against = sum(1 for p in advice.positions if p.position is PositionKind.ONEENS)
    return favour, against, len(advice.positions) - favour - against


def college_size() -> int:
    return db.session.scalar(
        sa.select(sa.func.count(sa.distinct(User.id)))
        .join(UserRole)
        .where(UserRole.role == Role.COLLEGE, User.active.is_(True))
    )


def adopt_advice(actor: Actor, request: ScaleUpRequest) -> None:
    """Adopted when more than half of the College's active members have taken a position
    (quorum) and more of them agree than disagree (abstentions do not count either way)."""
    lock_row(request)
    advice = _open_advice(request)
    if advice is None:
        raise CollegeError("er is nog geen advies")
    members = college_size()
    if 2 * len(advice.positions) <= members:
        raise CollegeError(
            f"het College is niet voltallig genoeg: {len(advice.positions)} van de {members} "
            "leden hebben een standpunt; meer dan de helft is nodig"
        )
    favour, against, _ = tally(advice)
    if favour <= against:
        raise CollegeError(f"het advies heeft geen meerderheid: {favour} eens, {against} oneens")
    advice.status, advice.adopted_at = AdviceStatus.VASTGESTELD, utcnow()
    move(actor, request, RequestStatus.BESLUIT_BESTUUR, note=f"{favour} eens, {against} oneens")
    notify_role(
        Role.BOARD,
        f"Advies College ter besluitvorming: {request.reference} {request.title}",
        f"Het College voor Dienstverleningszaken heeft advies uitgebracht over "
        f"{request.facility.name}. Het advies wacht op uw besluit in Samen.",
    )


def decide(
    actor: Actor,
    request: ScaleUpRequest,
    *,
    outcome: BoardOutcome,
    decided_on: dt.date,
    text: str,
    binding_level: BindingLevel | None = None,
    execution_structure: ExecutionStructure | None = None,
    fund_allocation_cents: int | None = None,
) -> BoardDecision:
    """The board's decision. Adopted as advised, the advice's terms apply; adopted amended,
    the terms given here do (each one left out is taken from the advice)."""
    lock_row(request)
    if request.status is not RequestStatus.BESLUIT_BESTUUR:
        raise CollegeError(f"{request.reference} is {request.status.label}, niet bij het bestuur")
    advice = request.advice
    text = catalogue.clean_text(text or "")
    if not text:
        raise CollegeError("een besluit heeft een tekst")
    if not PROCESS_START <= decided_on <= utcnow().date():
        raise CollegeError(
            f"de datum van het besluit ligt tussen {PROCESS_START.isoformat()} (de BALV die "
            "het College instelde) en vandaag"
        )
    if outcome is not BoardOutcome.GEAMENDEERD:
        binding_level = execution_structure = fund_allocation_cents = None
    decision = BoardDecision(
        request=request,
        outcome=outcome,
        decided_on=decided_on,
        text=text,
        fund_allocation_cents=0,
        decided_by_label=actor.label,
    )
    if outcome.adopts:  # a rejection adopts no terms: none are stored or published
        decision.binding_level = binding_level or advice.binding_level
        decision.execution_structure = execution_structure or advice.execution_structure
        decision.fund_allocation_cents = (
            advice.fund_allocation_cents if fund_allocation_cents is None else fund_allocation_cents
        )
    if decision.fund_allocation_cents < 0:
        raise CollegeError("een toekenning uit het fonds kan niet negatief zijn")
    db.session.add(decision)
    if outcome.adopts:
        _apply(actor, request, decision)
        move(actor, request, RequestStatus.IN_UITVOERING, note=outcome.label)
    else:
        move(actor, request, RequestStatus.AFGEWEZEN, note=outcome.label)
    db.session.flush()
    audit.record(
        actor,
        "board.decision",
        "scale_up_request",
        request.reference,
        after={
            "outcome": outcome,
            "decided_on": decided_on,
            "binding_level": decision.binding_level,
            "execution_structure": decision.execution_structure,
            "fund_allocation_cents": decision.fund_allocation_cents,
            "subscriptions_created": decision.subscriptions_created,
        },
    )
    subject = f"Besluit bestuur over {request.reference}: {outcome.label}"
    _tell_submitter(request, subject, text)
    notify_role(Role.TASK_FORCE, subject, text)
    notify_role(Role.COLLEGE, subject, text)
    return decision


def _apply(actor: Actor, request: ScaleUpRequest, decision: BoardDecision) -> None:
    facility, advice = request.facility, request.advice
    try:
        if facility.phase in BEFORE_SCALE_UP:
            catalogue.change_phase(
                actor, facility, Phase.OPSCHALING, decision.decided_on, request.reference
            )
        catalogue.update_facility(
            actor,
            facility,
            binding_level=decision.binding_level,
            execution_structure=decision.execution_structure,
        )
        decision.catalogue_decision = catalogue.record_decision(
            actor,
            date=decision.decided_on,
            body=DecisionBody.BESTUUR,
            kind=DecisionKind.STANDAARDVERKLARING,
            title=f"{facility.name} tot standaard verklaard ({decision.binding_level.label})",
            text=decision.text,
            reference=request.reference,
            facilities=[facility],
        )
    except catalogue.CatalogueError as error:
        raise CollegeError(f"catalogus: {error}") from error
    if decision.binding_level is BindingLevel.ALGEMEEN_BINDEND:
        decision.subscriptions_created = _bind_everyone(actor, request, decision)
    if decision.fund_allocation_cents:
        fund = fund_service.fund_year(advice.fund_year) if advice.fund_year else None
        if fund is None or advice.fund_compartment is None:
            raise CollegeError("het advies noemt geen fondsjaar en compartiment voor de toekenning")
        fund_service.allocate(
            actor,
            fund,
            advice.fund_compartment,
            f"{request.reference} {request.title}",
            decision.fund_allocation_cents,
            request=request,
            note=f"besluit bestuur {decision.decided_on.isoformat()}",
        )


def _bind_everyone(actor: Actor, request: ScaleUpRequest, decision: BoardDecision) -> int:
    """Generally binding: the facility's products become automatic (new and merged
    municipalities join at each year's run) and every municipality joins from the rollout's
    start, or the decision's date if that is later."""
    products = list(
        db.session.scalars(sa.select(Product).where(Product.facility_id == request.facility_id))
    )
    if not products:
        raise CollegeError(
            f"{request.facility.name} heeft nog geen product in de facturatie; "
            "algemeen bindend maken kan pas als er een product is om af te nemen"
        )
    for product in products:
        make_automatic(actor, product, {"decision": request.reference})
    start = max(decision.decided_on, request.advice.start_date)
    created = subscribe_all(actor, products, start)
    if not created and not _anyone_subscribed(products):
        raise CollegeError(
            f"geen product van {request.facility.name} is op {start.isoformat()} af te nemen "
            "(looptijd); algemeen bindend maken kan pas als er een product loopt"
        )
    return created


def _anyone_subscribed(products: list[Product]) -> bool:
    return (
        db.session.scalar(
            sa.select(sa.func.count(Subscription.id)).where(
                Subscription.product_id.in_([p.id for p in products])
            )
        )
        > 0
    )
