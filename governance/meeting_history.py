"""Loads the meetings of 2016 from governance/data/meetings_2016.json (written from the source):
the ALV of 8 June 2016 with its published results as historical results - individual votes are
unknown, so no ballots are invented - and the agenda of the BALV of 30 November 2016."""

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import sqlalchemy as sa

from governance.models import (
    AgendaItem,
    ItemKind,
    MajorityRule,
    Meeting,
    MeetingDocument,
    MeetingKind,
    MinutesCommittee,
    Subject,
    SubjectKind,
    SubjectState,
)
from portal import audit
from portal.audit import Actor
from portal.db import db

DATA_FILE = Path(__file__).resolve().parent / "data" / "meetings_2016.json"
ITEM_KINDS = {
    "vaststelling notulen": ItemKind.NOTULEN,
    "ter kennisname": ItemKind.TER_KENNISNAME,
    **{k.value: k for k in ItemKind},
}
OUTCOMES = {
    None: SubjectState.INGEDIEND,
    "per acclamatie aangenomen": SubjectState.PER_ACCLAMATIE,
    **{s.value: s for s in SubjectState},
}


def _pct(value: str | None) -> Decimal | None:
    return Decimal(value) if value is not None else None


def seed_meetings(actor: Actor) -> int:
    """Adds the meetings not yet loaded (recognised by kind and date); returns how many."""
    data = json.loads(DATA_FILE.read_text(encoding="utf-8"))
    existing = set(db.session.scalars(sa.select(Meeting.seed_key)))
    added = 0
    for row in data["meetings"]:
        key = f"{row['kind']}:{row['date']}"
        if key in existing:
            continue
        meeting = Meeting(
            kind=MeetingKind(row["kind"].lower()),
            date=dt.date.fromisoformat(row["date"]),
            place=(row["place"] or "")[:120],
            chair=(row["chair"] or "")[:120],
            technical_chair=(row["technical_chair"] or "")[:120],
            notes=row.get("notes") or "",
            historical=True,
            seed_key=key,
            documents=[
                MeetingDocument(reference=(d["reference"] or "")[:60], title=d["title"][:300])
                for d in row["documents"]
            ],
        )
        for position, item_row in enumerate(row["items"], 1):
            item = AgendaItem(
                number=item_row["number"] or str(position),
                position=position,
                title=item_row["title"][:300],
                kind=ITEM_KINDS[item_row["kind"]],
                summary=item_row.get("summary") or "",
                speakers=item_row.get("speakers") or [],
            )
            for index, s in enumerate(item_row["subjects"], 1):
                result = s.get("result") or {}
                item.subjects.append(
                    Subject(
                        position=index,
                        kind=SubjectKind(s["kind"]),
                        title=s["title"][:300],
                        text=s.get("text") or "",
                        submitted_by=s.get("submitted_by") or [],
                        board_advice=(s.get("board_advice") or item_row.get("board_advice") or "")[
                            :40
                        ],
                        state=OUTCOMES[s["outcome"]],
                        majority_rule=MajorityRule(s.get("majority_rule") or "simple"),
                        historical_voor_pct=_pct(result.get("voor_pct")),
                        historical_tegen_pct=_pct(result.get("tegen_pct")),
                    )
                )
            meeting.items.append(item)
        db.session.add(meeting)
        db.session.flush()
        if len(row.get("minutes_committee") or []) >= 3:
            db.session.add(
                MinutesCommittee(meeting_id=meeting.id, members=row["minutes_committee"])
            )
        audit.record(
            actor,
            "meeting.seed",
            "meeting",
            meeting.id,
            after={"kind": meeting.kind, "date": meeting.date, "items": len(meeting.items)},
        )
        added += 1
    db.session.flush()
    return added
