"""Counting a weighted poll, in integers.

voor % = voor-weight / (voor + tegen) - abstentions are excluded and reported separately, with
turnout by weight and by count. Simple majority: voor > tegen; two thirds: voor >= 2 x tegen;
a tie (or no votes at all) is rejected. Percentages are rounded half-up to two decimals.
"""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from governance.models import BallotChoice, MajorityRule

HUNDRED = Decimal(100)


def percentage(part: int, whole: int) -> Decimal | None:
    if whole == 0:
        return None
    return (Decimal(part) * HUNDRED / Decimal(whole)).quantize(Decimal("0.01"), ROUND_HALF_UP)


@dataclass(frozen=True)
class Tally:
    rule: MajorityRule
    voor: int
    tegen: int
    onthouding: int
    counts: dict[BallotChoice, int]
    eligible_weight: int
    eligible_count: int

    @property
    def cast_weight(self) -> int:
        return self.voor + self.tegen + self.onthouding

    @property
    def cast_count(self) -> int:
        return sum(self.counts.values())

    @property
    def voor_pct(self) -> Decimal | None:
        return percentage(self.voor, self.voor + self.tegen)

    @property
    def tegen_pct(self) -> Decimal | None:
        return percentage(self.tegen, self.voor + self.tegen)

    @property
    def turnout_weight_pct(self) -> Decimal | None:
        return percentage(self.cast_weight, self.eligible_weight)

    @property
    def turnout_count_pct(self) -> Decimal | None:
        return percentage(self.cast_count, self.eligible_count)

    @property
    def adopted(self) -> bool:
        if self.rule is MajorityRule.TWO_THIRDS:
            return self.voor > 0 and self.voor >= 2 * self.tegen
        return self.voor > self.tegen

    @property
    def outcome(self) -> str:
        return "aangenomen" if self.adopted else "verworpen"


def count(rule: MajorityRule, weights: dict[int, int], ballots: dict[int, BallotChoice]) -> Tally:
    """`weights`: member id -> frozen votes of the members present at opening;
    `ballots`: member id -> choice. Ballots of members without a weight do not count."""
    totals = {choice: 0 for choice in BallotChoice}
    counts = {choice: 0 for choice in BallotChoice}
    for member_id, choice in ballots.items():
        if member_id in weights:
            totals[choice] += weights[member_id]
            counts[choice] += 1
    return Tally(
        rule,
        totals[BallotChoice.VOOR],
        totals[BallotChoice.TEGEN],
        totals[BallotChoice.ONTHOUDING],
        counts,
        sum(weights.values()),
        len(weights),
    )


def dutch_pct(value: Decimal | None) -> str:
    """Decimal('97.68') -> '97,68%' as the minutes write it."""
    return "—" if value is None else f"{value:.2f}".replace(".", ",") + "%"
