"""The ALV vote weight rule, in one place (ALV 8 June 2016, item 01):

"iedere gemeente [heeft] per 100 inwoners 1 stem met een maximum van 75 stemmen. De gewesten
hebben per 10000 inwoners 1 stem, ook met een maximum van 75 stemmen." Every member has at least
one vote. Change the numbers here, and every page, API response and poll follows.
"""

from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal

from governance.models import MemberKind

_ROUNDING_WORDS = {ROUND_FLOOR: "volle"}


@dataclass(frozen=True)
class VoteWeightRule:
    inhabitants_per_vote: int
    maximum: int
    minimum: int = 1
    rounding: str = ROUND_FLOOR

    def votes(self, inhabitants: int) -> int:
        if inhabitants < 0:
            raise ValueError("inhabitants cannot be negative")
        raw = (Decimal(inhabitants) / self.inhabitants_per_vote).to_integral_value(self.rounding)
        return max(self.minimum, min(self.maximum, int(raw)))

    @property
    def description(self) -> str:
        """Dutch wording shown next to every weight, e.g. '1 stem per volle 100 inwoners …'."""
        per = _ROUNDING_WORDS.get(self.rounding, "")
        count = f"{self.inhabitants_per_vote:,}".replace(",", ".")
        return (
            f"1 stem per {per + ' ' if per else ''}{count} inwoners, "
            f"maximaal {self.maximum}, minimaal {self.minimum}"
        )


VOTE_WEIGHT_RULES: dict[MemberKind, VoteWeightRule] = {
    MemberKind.MUNICIPALITY: VoteWeightRule(inhabitants_per_vote=100, maximum=75),
    MemberKind.GEWEST: VoteWeightRule(inhabitants_per_vote=10_000, maximum=75),
}


def vote_weight(kind: MemberKind, inhabitants: int | None) -> int | None:
    """Votes for a member of this kind; None while its inhabitants are unknown."""
    if inhabitants is None:
        return None
    return VOTE_WEIGHT_RULES[kind].votes(inhabitants)
