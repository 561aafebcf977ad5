"""The priority score of the duidingsmethodiek, with its working shown.

score = 100 × Σ(weight × value / scale_max) / Σ weight, over the priority criteria, using exact
Decimals and rounded half-up to one decimal only for display. A facility that has not been
scored on every priority criterion has no score: a partial sum would rank it unfairly.
"""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from catalogue.models import AssessmentCriterion, AssessmentScore, CriterionGroup, Facility


@dataclass(frozen=True)
class ScoreLine:
    criterion: AssessmentCriterion
    value: int | None

    @property
    def contribution(self) -> Decimal | None:
        if self.value is None:
            return None
        return self.criterion.weight * Decimal(self.value) / Decimal(self.criterion.scale_max)


@dataclass(frozen=True)
class PriorityScore:
    lines: list[ScoreLine]

    @property
    def total_weight(self) -> Decimal:
        return sum((line.criterion.weight for line in self.lines), Decimal(0))

    @property
    def complete(self) -> bool:
        return bool(self.lines) and all(line.value is not None for line in self.lines)

    @property
    def value(self) -> Decimal | None:
        if not self.complete or self.total_weight == 0:
            return None
        raw = sum((line.contribution for line in self.lines), Decimal(0)) / self.total_weight
        return (raw * 100).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)

    @property
    def formula(self) -> str:
        """The sum written out, e.g. '100 × (2 × 4/5 + 1 × 3/5) / 3 = 73,3'."""
        if self.value is None:
            return "nog niet volledig beoordeeld"
        terms = " + ".join(
            f"{_n(line.criterion.weight)} × {line.value}/{line.criterion.scale_max}"
            for line in self.lines
        )
        return f"100 × ({terms}) / {_n(self.total_weight)} = {_n(self.value)}"


def _n(value: Decimal) -> str:
    text = format(value.normalize(), "f") if value == value.to_integral() else str(value)
    return text.replace(".", ",")


def priority_score(facility: Facility, criteria: list[AssessmentCriterion]) -> PriorityScore:
    """`criteria`: all criteria (the priority ones are picked here), in display order."""
    values = {s.criterion_id: s.value for s in facility.scores}
    return PriorityScore(
        [ScoreLine(c, values.get(c.id)) for c in criteria if c.group is CriterionGroup.PRIORITY]
    )


def characterisation(
    facility: Facility, criteria: list[AssessmentCriterion]
) -> list[tuple[AssessmentCriterion, AssessmentScore | None]]:
    scores = {s.criterion_id: s for s in facility.scores}
    return [(c, scores.get(c.id)) for c in criteria if c.group is CriterionGroup.CHARACTERISATION]
