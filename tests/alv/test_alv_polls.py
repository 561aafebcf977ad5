"""Weighted polls through the services (governance.polls): weights frozen at opening from the
latest population reference date on or before the meeting, one ballot per member changeable until
closing, guarded transitions, the subject's state after publication, test votes, re-votes, and
the database's one-ballot-per-member guarantee - also when requests race (PostgreSQL only)."""

import datetime as dt
import threading

import pytest
import sqlalchemy as sa
from sqlalchemy import orm
from sqlalchemy.exc import DBAPIError, IntegrityError

from governance import meetings, polls
from governance import queries as registry
from governance.models import (
    Attendance,
    Ballot,
    BallotChoice,
    MajorityRule,
    Meeting,
    Member,
    MemberKind,
    Poll,
    PollState,
    PollWeight,
    Subject,
    SubjectKind,
    SubjectState,
)
from governance.population_import import import_population
from governance.tally import dutch_pct
from governance.vote_weight import vote_weight
from portal import data_version
from portal.audit import AuditEvent
from portal.db import db
from tests.alv.conftest import (
    ACHTERHOEK_INHABITANTS_2017,
    ACTOR,
    AMELAND,
    AMSTERDAM,
    INHABITANTS_2017,
    SCHIERMONNIKOOG,
    UTRECHT,
    VLIELAND,
    Alv,
    member,
)

VOOR, TEGEN, ONTHOUDING = BallotChoice.VOOR, BallotChoice.TEGEN, BallotChoice.ONTHOUDING
REFERENCE_2017 = dt.date(2017, 1, 1)


def _open(alv: Alv, rule=MajorityRule.SIMPLE, kind=None, title="Voorstel") -> Poll:
    poll = polls.create_poll(ACTOR, alv.subject(title, rule, kind))
    return polls.open_poll(ACTOR, poll)


def _weights(poll: Poll) -> dict[str, tuple[int, int]]:
    rows = db.session.scalars(sa.select(PollWeight).where(PollWeight.poll_id == poll.id))
    return {w.member.code: (w.votes, w.inhabitants) for w in rows}


def _ballots(poll: Poll) -> list[Ballot]:
    return list(db.session.scalars(sa.select(Ballot).where(Ballot.poll_id == poll.id)))


def _vote(poll: Poll, votes: dict[str, BallotChoice]) -> None:
    for code, choice in votes.items():
        polls.cast_ballot(ACTOR, poll, member(code), choice)


def _events(action: str, poll: Poll) -> list[AuditEvent]:
    return list(
        db.session.scalars(
            sa.select(AuditEvent)
            .where(AuditEvent.action == action, AuditEvent.object_id == str(poll.id))
            .order_by(AuditEvent.id)
        )
    )


# --- weights ----------------------------------------------------------------------------------


def test_opening_freezes_the_weights_of_the_members_present(alv):
    poll = polls.create_poll(ACTOR, alv.subject())
    assert poll.state is PollState.DRAFT and poll.weights == []
    polls.open_poll(ACTOR, poll)

    assert poll.state is PollState.OPEN and poll.opened_at is not None
    assert poll.weights_reference_date == REFERENCE_2017
    assert _weights(poll) == {
        SCHIERMONNIKOOG: (9, 941),
        VLIELAND: (10, 1_085),
        UTRECHT: (75, 343_038),
        AMSTERDAM: (75, 844_947),
        alv.gewest: (29, ACHTERHOEK_INHABITANTS_2017),
    }
    assert poll.subject.state is SubjectState.IN_STEMMING
    (event,) = _events("poll.open", poll)
    assert event.after == {"reference_date": "2017-01-01", "members": 5, "total_votes": 198}


def test_weights_follow_the_rule_from_the_2017_registry(alv):
    poll = _open(alv)
    for code, (votes, inhabitants) in _weights(poll).items():
        found = member(code)
        assert votes == vote_weight(found.kind, inhabitants), code
        if found.kind is MemberKind.MUNICIPALITY:
            assert inhabitants == INHABITANTS_2017[code]
            assert inhabitants == registry.inhabitants_at(found, REFERENCE_2017)
        else:  # a gewest: the sum of its member municipalities on the reference date
            municipalities = registry.gewest_members_on(found, REFERENCE_2017)
            assert len(municipalities) == 8
            assert inhabitants == sum(
                registry.inhabitants_at(m, REFERENCE_2017) for m in municipalities
            )
            assert votes == inhabitants // 10_000 == 29


@pytest.mark.parametrize(
    ("meeting_date", "reference", "schiermonnikoog", "vlieland"),
    [
        (dt.date(2016, 6, 8), dt.date(2016, 1, 1), (9, 919), (10, 1_083)),
        (dt.date(2016, 12, 31), dt.date(2016, 1, 1), (9, 919), (10, 1_083)),
        (dt.date(2017, 1, 1), dt.date(2017, 1, 1), (9, 941), (10, 1_085)),
        (dt.date(2018, 6, 1), dt.date(2017, 1, 1), (9, 941), (10, 1_085)),
    ],
)
def test_reference_date_is_the_latest_on_or_before_the_meeting(
    make_alv, meeting_date, reference, schiermonnikoog, vlieland
):
    alv = make_alv(meeting_date, [SCHIERMONNIKOOG, VLIELAND])
    poll = _open(alv)
    assert poll.weights_reference_date == reference
    assert _weights(poll) == {SCHIERMONNIKOOG: schiermonnikoog, VLIELAND: vlieland}


def test_no_population_figures_before_the_meeting_refuses():
    with pytest.raises(polls.PollError, match="geen inwonertal"):
        polls.frozen_weights([member(SCHIERMONNIKOOG)], dt.date(2015, 12, 31))


def test_a_half_imported_year_is_not_mixed_with_the_last(make_alv):
    """Only Utrecht has a 2018 figure: the poll uses 2017 for everyone, one reference date."""
    import_population(
        ACTOR,
        "code,naam,inwoners\nGM0344,Utrecht,347483\n",
        dt.date(2018, 1, 1),
        "CBS, 1-1-2018",
        "deel.csv",
    )
    alv = make_alv(dt.date(2018, 6, 1), [SCHIERMONNIKOOG, UTRECHT])
    poll = _open(alv)
    assert poll.weights_reference_date == dt.date(2017, 1, 1)
    assert _weights(poll)[UTRECHT] == (75, 343_038)


def test_opening_without_attendance_is_refused(make_alv):
    alv = make_alv(present=[])
    poll = polls.create_poll(ACTOR, alv.subject())
    with pytest.raises(polls.PollError, match="aanwezigheid"):
        polls.open_poll(ACTOR, poll)
    assert poll.state is PollState.DRAFT


# --- ballots ----------------------------------------------------------------------------------


def test_a_vote_can_change_until_closing_and_stays_one_ballot(alv):
    poll = _open(alv)
    utrecht = member(UTRECHT)
    first = polls.cast_ballot(ACTOR, poll, utrecht, VOOR)
    assert (first.choice, first.changes) == (VOOR, 0)
    (cast,) = _events("ballot.cast", poll)
    assert cast.after == {"member": UTRECHT, "choice": "voor"}

    second = polls.cast_ballot(ACTOR, poll, utrecht, TEGEN)
    assert second.id == first.id
    db.session.expire_all()
    (ballot,) = _ballots(poll)
    assert (ballot.choice, ballot.changes, ballot.cast_by) == (TEGEN, 1, ACTOR.label)
    (change,) = _events("ballot.change", poll)
    assert change.before == {"member": UTRECHT, "choice": "voor"}
    assert change.after == {"member": UTRECHT, "choice": "tegen"}

    polls.cast_ballot(ACTOR, poll, utrecht, TEGEN)  # the same choice again: no change
    polls.cast_ballot(ACTOR, poll, utrecht, ONTHOUDING)
    db.session.expire_all()
    (ballot,) = _ballots(poll)
    assert (ballot.choice, ballot.changes) == (ONTHOUDING, 2)
    assert len(_events("ballot.change", poll)) == 2
    assert len(_events("ballot.cast", poll)) == 1


def test_a_member_not_present_cannot_vote(alv):
    poll = _open(alv)
    with pytest.raises(polls.PollError, match="niet aanwezig"):
        polls.cast_ballot(ACTOR, poll, member(AMELAND), VOOR)
    assert _ballots(poll) == []


def test_no_vote_before_opening(alv):
    poll = polls.create_poll(ACTOR, alv.subject())
    with pytest.raises(polls.PollError, match="voorbereid"):
        polls.cast_ballot(ACTOR, poll, member(UTRECHT), VOOR)
    assert _ballots(poll) == []


def test_a_vote_after_closing_is_refused_and_changes_nothing(alv):
    poll = _open(alv)
    _vote(poll, {UTRECHT: VOOR, AMSTERDAM: TEGEN, SCHIERMONNIKOOG: VOOR})
    closed = polls.close_poll(ACTOR, poll)
    assert poll.state is PollState.CLOSED and poll.closed_at is not None
    assert (closed.voor, closed.tegen) == (84, 75)

    for code, choice in ((UTRECHT, TEGEN), (VLIELAND, TEGEN), (alv.gewest, TEGEN)):
        with pytest.raises(polls.PollError, match="gesloten"):
            polls.cast_ballot(ACTOR, poll, member(code), choice)
    polls.publish_poll(ACTOR, poll)
    with pytest.raises(polls.PollError, match="gepubliceerd"):
        polls.cast_ballot(ACTOR, poll, member(AMSTERDAM), VOOR)

    db.session.expire_all()
    ballots = {b.member.code: (b.choice, b.changes) for b in _ballots(poll)}
    assert ballots == {UTRECHT: (VOOR, 0), AMSTERDAM: (TEGEN, 0), SCHIERMONNIKOOG: (VOOR, 0)}
    after = polls.tally(poll)
    assert (after.voor, after.tegen, after.onthouding) == (84, 75, 0)
    assert len(_events("ballot.change", poll)) == 0


def test_settings_are_fixed_once_the_poll_is_open(alv):
    poll = _open(alv, MajorityRule.TWO_THIRDS)
    frozen = _weights(poll)
    with pytest.raises(polls.PollError, match="open"):
        polls.open_poll(ACTOR, poll)
    assert _weights(poll) == frozen
    assert len(_events("poll.open", poll)) == 1

    # A member registered after opening gets no weight and cannot vote in this poll.
    meetings.register_attendance(ACTOR, alv.meeting, [AMELAND])
    assert AMELAND not in _weights(poll)
    with pytest.raises(polls.PollError, match="niet aanwezig"):
        polls.cast_ballot(ACTOR, poll, member(AMELAND), VOOR)

    # The subject's rule changing afterwards does not change the poll's.
    poll.subject.majority_rule = MajorityRule.SIMPLE
    db.session.flush()
    assert poll.majority_rule is MajorityRule.TWO_THIRDS
    _vote(poll, {AMSTERDAM: VOOR, alv.gewest: TEGEN, VLIELAND: TEGEN})
    result = polls.close_poll(ACTOR, poll)
    assert result.rule is MajorityRule.TWO_THIRDS
    assert result.eligible_count == 5 and result.eligible_weight == 198
    assert not result.adopted  # 75 < 2 x 39


def test_transitions_are_guarded(alv):
    poll = polls.create_poll(ACTOR, alv.subject())
    with pytest.raises(polls.PollError):
        polls.close_poll(ACTOR, poll)
    with pytest.raises(polls.PollError):
        polls.publish_poll(ACTOR, poll)
    polls.open_poll(ACTOR, poll)
    with pytest.raises(polls.PollError):
        polls.publish_poll(ACTOR, poll)
    polls.close_poll(ACTOR, poll)
    with pytest.raises(polls.PollError):
        polls.close_poll(ACTOR, poll)
    with pytest.raises(polls.PollError):
        polls.open_poll(ACTOR, poll)
    polls.publish_poll(ACTOR, poll)
    for action in (polls.open_poll, polls.close_poll, polls.publish_poll):
        with pytest.raises(polls.PollError):
            action(ACTOR, poll)
    assert poll.state is PollState.PUBLISHED


@pytest.mark.parametrize(
    ("rule", "votes", "state"),
    [
        (
            MajorityRule.SIMPLE,
            {UTRECHT: VOOR, SCHIERMONNIKOOG: VOOR, AMSTERDAM: TEGEN},
            "aangenomen",
        ),
        (MajorityRule.SIMPLE, {UTRECHT: VOOR, AMSTERDAM: TEGEN}, "verworpen"),  # 75-75 tie
        (MajorityRule.SIMPLE, {UTRECHT: ONTHOUDING}, "verworpen"),  # 0-0
        (MajorityRule.TWO_THIRDS, {AMSTERDAM: VOOR, "gewest": TEGEN, VLIELAND: TEGEN}, "verworpen"),
        (
            MajorityRule.TWO_THIRDS,
            {AMSTERDAM: VOOR, UTRECHT: VOOR, "gewest": TEGEN, SCHIERMONNIKOOG: TEGEN},
            "aangenomen",
        ),
    ],
    ids=["simple-adopted", "simple-tie", "simple-nothing", "two-thirds-short", "two-thirds"],
)
def test_publication_decides_the_subject(alv, rule, votes, state):
    poll = _open(alv, rule)
    _vote(poll, {alv.gewest if code == "gewest" else code: c for code, c in votes.items()})
    closed = polls.close_poll(ACTOR, poll)
    assert poll.subject.state is SubjectState.IN_STEMMING  # closing alone decides nothing
    published = polls.publish_poll(ACTOR, poll)
    assert published == closed
    assert poll.published_at is not None
    assert poll.subject.state is SubjectState(state)
    (event,) = _events("poll.publish", poll)
    assert event.after["outcome"] == state


def test_a_test_vote_never_changes_its_subject(alv):
    subject = alv.subject("Na gisteren ben ik ook een pionier", kind=SubjectKind.PROEFSTEMMING)
    poll = polls.create_poll(ACTOR, subject)
    assert poll.is_test
    polls.open_poll(ACTOR, poll)
    assert subject.state is SubjectState.INGEDIEND
    _vote(poll, {UTRECHT: VOOR, AMSTERDAM: VOOR})
    polls.close_poll(ACTOR, poll)
    result = polls.publish_poll(ACTOR, poll)
    assert result.adopted
    assert subject.state is SubjectState.INGEDIEND
    # and a test vote that "fails" leaves it alone as well
    second = polls.revote(ACTOR, poll, "nog een keer oefenen")
    assert second.is_test
    polls.open_poll(ACTOR, second)
    _vote(second, {UTRECHT: TEGEN})
    polls.close_poll(ACTOR, second)
    assert not polls.publish_poll(ACTOR, second).adopted
    assert subject.state is SubjectState.INGEDIEND


def test_a_revote_keeps_the_original_poll(alv):
    poll = _open(alv, MajorityRule.TWO_THIRDS, title="Statutenwijziging")
    _vote(poll, {AMSTERDAM: VOOR, UTRECHT: TEGEN})
    with pytest.raises(polls.PollError, match="gesloten"):
        polls.revote(ACTOR, poll, "stemkastje haperde")  # still open
    original = polls.close_poll(ACTOR, poll)
    with pytest.raises(polls.PollError, match="reden"):
        polls.revote(ACTOR, poll, "   ")

    new = polls.revote(ACTOR, poll, "stemkastje haperde")
    assert new.id != poll.id
    assert new.supersedes_id == poll.id
    assert new.state is PollState.DRAFT
    assert (new.subject_id, new.title, new.majority_rule) == (
        poll.subject_id,
        "Statutenwijziging",
        MajorityRule.TWO_THIRDS,
    )
    (event,) = _events("poll.revote", new)
    assert event.after == {"supersedes": poll.id, "reason": "stemkastje haperde"}

    polls.open_poll(ACTOR, new)
    assert _ballots(new) == []
    _vote(new, {AMSTERDAM: VOOR, UTRECHT: VOOR})
    polls.close_poll(ACTOR, new)
    polls.publish_poll(ACTOR, new)
    assert new.subject.state is SubjectState.AANGENOMEN

    db.session.expire_all()
    kept = db.session.get(Poll, poll.id)
    assert kept.state is PollState.CLOSED
    assert {b.member.code: b.choice for b in _ballots(kept)} == {AMSTERDAM: VOOR, UTRECHT: TEGEN}
    assert polls.tally(kept) == original
    assert [p.id for p in db.session.get(Subject, poll.subject_id).polls] == [poll.id, new.id]


def test_weights_stay_frozen_when_the_population_is_reimported(alv):
    """A corrected 2017 figure for Utrecht arrives while the poll is open: the poll keeps the
    weight it opened with; only a poll opened afterwards sees the new figure."""
    poll = _open(alv)
    utrecht = member(UTRECHT)
    result = import_population(
        ACTOR,
        "code,naam,inwoners\nGM0344,Utrecht,4321\n",
        REFERENCE_2017,
        "Correctie (test)",
        "utrecht.csv",
    )
    assert result.replaced == 1
    db.session.expire_all()
    assert registry.inhabitants_at(utrecht, REFERENCE_2017) == 4321
    (facts,) = registry.member_facts([utrecht], alv.meeting.date)
    assert facts.votes == 43

    assert _weights(poll)[UTRECHT] == (75, 343_038)
    _vote(poll, {UTRECHT: VOOR, SCHIERMONNIKOOG: VOOR, AMSTERDAM: TEGEN})
    tally = polls.close_poll(ACTOR, poll)
    assert (tally.voor, tally.tegen) == (84, 75)  # with the new figure: 52 against 75
    assert tally.adopted
    assert tally.eligible_weight == 198
    assert dutch_pct(tally.voor_pct) == "52,83%"
    db.session.expire_all()
    assert _weights(db.session.get(Poll, poll.id))[UTRECHT] == (75, 343_038)

    later = _open(alv, title="Later voorstel")
    assert _weights(later)[UTRECHT] == (43, 4321)


def test_the_database_allows_one_ballot_per_member_and_poll(alv):
    poll = _open(alv)
    utrecht = member(UTRECHT)
    polls.cast_ballot(ACTOR, poll, utrecht, VOOR)
    with pytest.raises(IntegrityError), db.session.begin_nested():
        db.session.add(Ballot(poll_id=poll.id, member=utrecht, choice=TEGEN, cast_by="direct"))
    db.session.expire_all()
    (ballot,) = _ballots(poll)
    assert ballot.choice is VOOR
    # the session is still usable, and another member still can vote
    polls.cast_ballot(ACTOR, poll, member(AMSTERDAM), TEGEN)
    assert len(_ballots(poll)) == 2


def test_the_database_allows_one_weight_per_member_and_poll(alv):
    poll = _open(alv)
    utrecht = member(UTRECHT)
    with pytest.raises(IntegrityError), db.session.begin_nested():
        db.session.add(PollWeight(poll_id=poll.id, member=utrecht, votes=1, inhabitants=1))
    with pytest.raises(IntegrityError), db.session.begin_nested():
        db.session.add(PollWeight(poll_id=poll.id, member=member(AMELAND), votes=0, inhabitants=0))
    assert _weights(poll)[UTRECHT] == (75, 343_038)


# --- concurrency (PostgreSQL) -----------------------------------------------------------------

THREADS = 8
CONCURRENCY_PLACE = "ALV-test gelijktijdig stemmen"


def _clean_up_concurrency(engine: sa.Engine, audit_baseline: int) -> None:
    with engine.begin() as connection:
        meeting_ids = list(
            connection.scalars(sa.select(Meeting.id).where(Meeting.place == CONCURRENCY_PLACE))
        )
        if meeting_ids:
            from governance.models import AgendaItem

            item_ids = sa.select(AgendaItem.id).where(AgendaItem.meeting_id.in_(meeting_ids))
            subject_ids = sa.select(Subject.id).where(Subject.item_id.in_(item_ids))
            poll_ids = sa.select(Poll.id).where(Poll.subject_id.in_(subject_ids))
            connection.execute(sa.delete(Ballot).where(Ballot.poll_id.in_(poll_ids)))
            connection.execute(sa.delete(PollWeight).where(PollWeight.poll_id.in_(poll_ids)))
            connection.execute(sa.delete(Poll).where(Poll.id.in_(poll_ids)))
            connection.execute(sa.delete(Subject).where(Subject.id.in_(subject_ids)))
            connection.execute(sa.delete(AgendaItem).where(AgendaItem.id.in_(item_ids)))
            connection.execute(sa.delete(Attendance).where(Attendance.meeting_id.in_(meeting_ids)))
            connection.execute(sa.delete(Meeting).where(Meeting.id.in_(meeting_ids)))
    try:  # the audit trail is append-only; remove this test's rows where the role may
        with engine.begin() as connection:
            connection.execute(sa.text("SET LOCAL session_replication_role = replica"))
            connection.execute(sa.delete(AuditEvent).where(AuditEvent.id > audit_baseline))
    except DBAPIError:
        pass


@pytest.fixture
def committed(app):
    """db.session on its own engine, one session per thread, committing for real."""
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    if not url.startswith("postgresql"):
        pytest.skip("needs PostgreSQL row-level concurrency")
    engine = sa.create_engine(url, pool_size=THREADS + 2, max_overflow=0)
    data_version.track(engine)  # as the app's engine: every commit replaces the one row
    original = db.session
    db.session = orm.scoped_session(orm.sessionmaker(bind=engine), scopefunc=threading.get_ident)
    try:
        with app.app_context():
            audit_baseline = db.session.scalar(sa.select(sa.func.max(AuditEvent.id))) or 0
            try:
                yield engine
            finally:
                db.session.remove()
                _clean_up_concurrency(engine, audit_baseline)
                with engine.connect() as connection:
                    left = connection.scalar(
                        sa.select(sa.func.count(Meeting.id)).where(
                            Meeting.place == CONCURRENCY_PLACE
                        )
                    )
                    assert left == 0
    finally:
        db.session = original
        engine.dispose()


def _race(app, choices: list[BallotChoice]) -> tuple[int, list[object], list, list[str]]:
    """Utrecht's representative sends `choices` at the same moment, one thread (own app
    context, own session) each. Returns the poll id, each thread's outcome (the choice its
    call returned, or the exception), the poll's (choice, changes) ballot rows for Utrecht,
    and the poll's audit actions."""
    alv = Alv(dt.date(2017, 6, 2), [UTRECHT, AMSTERDAM])
    alv.meeting.place = CONCURRENCY_PLACE
    poll = _open(alv)
    db.session.commit()
    poll_id, member_id = poll.id, member(UTRECHT).id
    db.session.remove()

    barrier = threading.Barrier(len(choices))
    outcomes: list[object] = []
    lock = threading.Lock()

    def cast(choice: BallotChoice) -> None:
        with app.app_context():
            try:
                found = db.session.get(Poll, poll_id)
                voter = db.session.get(Member, member_id)
                assert found.state is PollState.OPEN
                barrier.wait(timeout=30)  # everyone has loaded the poll, nobody has voted
                ballot = polls.cast_ballot(ACTOR, found, voter, choice)
                db.session.commit()
                result: object = ballot.choice
            except Exception as error:  # reported to the test, not swallowed
                db.session.rollback()
                result = error
            finally:
                db.session.remove()
            with lock:
                outcomes.append(result)

    threads = [threading.Thread(target=cast, args=(c,)) for c in choices]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a voting thread hung"

    rows = db.session.execute(
        sa.select(Ballot.choice, Ballot.changes).where(Ballot.poll_id == poll_id)
    ).all()
    actions = list(
        db.session.scalars(
            sa.select(AuditEvent.action).where(
                AuditEvent.object_type == "poll", AuditEvent.object_id == str(poll_id)
            )
        )
    )
    return poll_id, outcomes, rows, actions


@pytest.mark.no_transaction
def test_concurrent_ballots_of_one_member_leave_one_ballot(app, committed):
    choices = [list(BallotChoice)[n % 3] for n in range(THREADS)]
    _, outcomes, rows, actions = _race(app, choices)

    errors = [o for o in outcomes if isinstance(o, BaseException)]
    assert errors == []  # the losers' inserts became changes, nobody saw an error
    assert len(outcomes) == THREADS
    assert len(rows) == 1  # one ballot for Utrecht, and none for anyone else
    (choice, changes) = rows[0]
    assert choice in set(choices)
    assert 0 <= changes <= THREADS - 1
    assert actions.count("ballot.cast") == 1  # only the first insert is recorded as a cast


@pytest.mark.no_transaction
def test_concurrent_changes_are_all_counted(app, committed):
    choices = [list(BallotChoice)[n % 3] for n in range(THREADS)]
    _, outcomes, rows, actions = _race(app, choices)
    assert [o for o in outcomes if isinstance(o, BaseException)] == []
    ((_, changes),) = rows
    assert changes == actions.count("ballot.change")


@pytest.mark.no_transaction
def test_a_ballot_racing_the_close_is_refused(app, committed):
    alv = Alv(dt.date(2017, 6, 2), [UTRECHT, AMSTERDAM])
    alv.meeting.place = CONCURRENCY_PLACE
    poll = _open(alv)
    polls.cast_ballot(ACTOR, poll, member(AMSTERDAM), TEGEN)
    db.session.commit()
    poll_id, member_id = poll.id, member(UTRECHT).id
    db.session.remove()

    # The voter's request has loaded the poll (open) ...
    found = db.session.get(Poll, poll_id)
    voter = db.session.get(Member, member_id)
    assert found.state is PollState.OPEN
    # ... when the chair's request closes it and commits.
    at_close: list = []

    def close() -> None:
        with app.app_context():
            try:
                at_close.append(polls.close_poll(ACTOR, db.session.get(Poll, poll_id)))
                db.session.commit()
            finally:
                db.session.remove()

    chair = threading.Thread(target=close)
    chair.start()
    chair.join(timeout=60)
    assert len(at_close) == 1

    try:
        polls.cast_ballot(ACTOR, found, voter, VOOR)
        db.session.commit()
    except polls.PollError:
        db.session.rollback()
    db.session.remove()

    closed = db.session.get(Poll, poll_id)
    assert closed.state is PollState.CLOSED
    assert polls.tally(closed) == at_close[0], "a ballot was counted after closing"
    ballots = db.session.scalar(
        sa.select(sa.func.count(Ballot.id)).where(Ballot.poll_id == poll_id)
    )
    assert ballots == 1
