"""Counting a weighted ALV poll (governance.tally), pure: no app, no database.

The members are the real ones of 2017 with the weights the ALV rule gives them from the shipped
CBS figures of 1-1-2017 (1 vote per full 100 inhabitants for a municipality, per full 10 000 for
a gewest, at most 75, at least 1): the Wadden islands, Regio Achterhoek and the big cities.
"""

import csv
from decimal import Decimal
from pathlib import Path

import pytest

from governance.models import BallotChoice, MajorityRule, MemberKind
from governance.tally import count, dutch_pct, percentage
from governance.vote_weight import vote_weight

VOOR, TEGEN, ONTHOUDING = BallotChoice.VOOR, BallotChoice.TEGEN, BallotChoice.ONTHOUDING
SIMPLE, TWO_THIRDS = MajorityRule.SIMPLE, MajorityRule.TWO_THIRDS
DATA = Path(__file__).resolve().parents[2] / "governance" / "data"

# Member ids for the pure count (the tally only knows ids and weights).
SCHIERMONNIKOOG, VLIELAND, AMELAND, TERSCHELLING, TEXEL = 88, 96, 60, 93, 448
ACHTERHOEK, UTRECHT, AMSTERDAM = 2, 344, 363
CODES = {
    SCHIERMONNIKOOG: "GM0088",
    VLIELAND: "GM0096",
    AMELAND: "GM0060",
    TERSCHELLING: "GM0093",
    TEXEL: "GM0448",
    UTRECHT: "GM0344",
    AMSTERDAM: "GM0363",
}
EXPECTED_WEIGHTS = {
    SCHIERMONNIKOOG: 9,  # 941 inhabitants
    VLIELAND: 10,  # 1 085
    AMELAND: 36,  # 3 633
    TERSCHELLING: 48,  # 4 859
    TEXEL: 75,  # 13 545 would be 135: the maximum
    UTRECHT: 75,  # 343 038
    AMSTERDAM: 75,  # 844 947
    ACHTERHOEK: 29,  # gewest, 8 municipalities, 298 193
}


@pytest.fixture(autouse=True)
def _transaction():
    """Overrides the suite's per-test database transaction: these tests never touch the app."""
    yield


def _inhabitants_2017() -> dict[str, int]:
    with (DATA / "gemeenten_2017.csv").open(encoding="utf-8-sig") as f:
        return {row["gm_code"]: int(row["inwoners_2017_01_01"]) for row in csv.DictReader(f)}


def _gewest_municipalities(name: str) -> list[str]:
    with (DATA / "gewesten_2016.csv").open(encoding="utf-8-sig") as f:
        return [row["gm_code"] for row in csv.DictReader(f) if row["gewest"] == name]


@pytest.fixture(scope="module")
def weights() -> dict[int, int]:
    """The 2017 weights, computed from the shipped CSV files by the ALV rule."""
    inhabitants = _inhabitants_2017()
    result = {
        member: vote_weight(MemberKind.MUNICIPALITY, inhabitants[code])
        for member, code in CODES.items()
    }
    achterhoek = _gewest_municipalities("Regio Achterhoek")
    assert len(achterhoek) == 8
    result[ACHTERHOEK] = vote_weight(
        MemberKind.GEWEST, sum(inhabitants[code] for code in achterhoek)
    )
    return result


def test_weights_from_the_2017_figures(weights):
    assert weights == EXPECTED_WEIGHTS
    inhabitants = _inhabitants_2017()
    assert inhabitants["GM0088"] == 941
    assert inhabitants["GM0096"] == 1085
    assert sum(inhabitants[c] for c in _gewest_municipalities("Regio Achterhoek")) == 298_193


def test_voor_percentage_excludes_abstentions(weights):
    ballots = {
        AMSTERDAM: VOOR,
        UTRECHT: VOOR,
        ACHTERHOEK: VOOR,
        VLIELAND: TEGEN,
        SCHIERMONNIKOOG: TEGEN,
        TEXEL: ONTHOUDING,
    }
    result = count(SIMPLE, weights, ballots)
    assert (result.voor, result.tegen, result.onthouding) == (179, 19, 75)
    # 179 / 198 and 19 / 198: Texel's 75 abstaining votes are not in the denominator
    assert result.voor_pct == Decimal("90.40")
    assert result.tegen_pct == Decimal("9.60")
    assert result.counts == {VOOR: 3, TEGEN: 2, ONTHOUDING: 1}
    assert result.adopted and result.outcome == "aangenomen"

    without_texel = count(SIMPLE, weights, {k: v for k, v in ballots.items() if k != TEXEL})
    assert (without_texel.voor_pct, without_texel.tegen_pct) == (
        result.voor_pct,
        result.tegen_pct,
    )


def test_weight_not_head_count_decides(weights):
    """Five island municipalities against one city: 178 votes against 75."""
    islands = {m: VOOR for m in (SCHIERMONNIKOOG, VLIELAND, AMELAND, TERSCHELLING, TEXEL)}
    result = count(SIMPLE, weights, {**islands, AMSTERDAM: TEGEN})
    assert (result.voor, result.tegen) == (178, 75)
    assert result.adopted
    small = count(SIMPLE, weights, {SCHIERMONNIKOOG: VOOR, VLIELAND: VOOR, AMSTERDAM: TEGEN})
    assert (small.voor, small.tegen) == (19, 75)
    assert small.counts[VOOR] == 2 and small.counts[TEGEN] == 1
    assert not small.adopted and small.outcome == "verworpen"


@pytest.mark.parametrize(
    ("part", "whole", "expected"),
    [
        (1, 32, "3.13"),  # 3.125: half-up, not half-even (3.12)
        (31, 32, "96.88"),  # 96.875
        (1, 8, "12.50"),
        (2, 3, "66.67"),
        (1, 3, "33.33"),
        (2104, 2154, "97.68"),  # 97.678...
        (5, 5, "100.00"),
        (0, 5, "0.00"),
    ],
)
def test_percentages_round_half_up_to_two_decimals(part, whole, expected):
    assert percentage(part, whole) == Decimal(expected)
    assert str(percentage(part, whole)) == expected


def test_half_up_in_a_count():
    weights = {1: 1, 2: 31}
    result = count(SIMPLE, weights, {1: VOOR, 2: TEGEN})
    assert (result.voor_pct, result.tegen_pct) == (Decimal("3.13"), Decimal("96.88"))


def test_simple_majority_needs_more_voor_than_tegen(weights):
    one_vote = {**weights, 1: 1}  # a member with one vote (fewer than 200 inhabitants)
    tie = count(SIMPLE, one_vote, {VLIELAND: VOOR, SCHIERMONNIKOOG: TEGEN, 1: TEGEN})
    assert (tie.voor, tie.tegen) == (10, 10)
    assert tie.voor_pct == tie.tegen_pct == Decimal("50.00")
    assert not tie.adopted and tie.outcome == "verworpen"

    one_more = count(SIMPLE, one_vote, {VLIELAND: VOOR, SCHIERMONNIKOOG: TEGEN})
    assert (one_more.voor, one_more.tegen) == (10, 9)
    assert one_more.adopted


def test_no_votes_at_all_is_rejected(weights):
    nobody = count(SIMPLE, weights, {})
    assert (nobody.voor, nobody.tegen, nobody.onthouding) == (0, 0, 0)
    assert nobody.voor_pct is None and nobody.tegen_pct is None
    assert not nobody.adopted

    only_abstentions = count(SIMPLE, weights, {AMSTERDAM: ONTHOUDING, UTRECHT: ONTHOUDING})
    assert (only_abstentions.voor, only_abstentions.tegen, only_abstentions.onthouding) == (
        0,
        0,
        150,
    )
    assert only_abstentions.voor_pct is None
    assert not only_abstentions.adopted
    assert not count(TWO_THIRDS, weights, {AMSTERDAM: ONTHOUDING}).adopted


@pytest.mark.parametrize(
    ("voor", "tegen", "adopted"),
    [
        (50, 25, True),  # exactly two thirds: adopted
        (49, 25, False),
        (51, 25, True),
        (2, 1, True),
        (1, 1, False),
        (1, 0, True),
        (0, 0, False),  # nothing voted: rejected
        (0, 1, False),
    ],
)
def test_two_thirds_boundary(voor, tegen, adopted):
    weights = {1: voor or 1, 2: tegen or 1}
    ballots = {}
    if voor:
        ballots[1] = VOOR
    if tegen:
        ballots[2] = TEGEN
    result = count(TWO_THIRDS, weights, ballots)
    assert (result.voor, result.tegen) == (voor, tegen)
    assert result.adopted is adopted
    assert result.outcome == ("aangenomen" if adopted else "verworpen")


def test_two_thirds_zero_voor_is_rejected_even_with_only_abstentions():
    result = count(TWO_THIRDS, {1: 10, 2: 5}, {1: ONTHOUDING, 2: ONTHOUDING})
    assert (result.voor, result.tegen, result.onthouding) == (0, 0, 15)
    assert not result.adopted  # 0 >= 2 x 0 holds, but nobody voted voor


def test_two_thirds_with_real_members(weights):
    # Amsterdam, Ameland, Vlieland and Achterhoek: 75 + 36 + 10 + 29 = 150 against Texel's 75
    voor = {AMSTERDAM: VOOR, AMELAND: VOOR, VLIELAND: VOOR, ACHTERHOEK: VOOR}
    exact = count(TWO_THIRDS, weights, {**voor, TEXEL: TEGEN, UTRECHT: ONTHOUDING})
    assert (exact.voor, exact.tegen) == (150, 75)
    assert exact.voor_pct == Decimal("66.67")
    assert exact.adopted
    # Schiermonnikoog (9) instead of Vlieland (10): 149 against 75
    short_ballots = {
        AMSTERDAM: VOOR,
        AMELAND: VOOR,
        SCHIERMONNIKOOG: VOOR,
        ACHTERHOEK: VOOR,
        TEXEL: TEGEN,
    }
    short = count(TWO_THIRDS, weights, short_ballots)
    assert (short.voor, short.tegen) == (149, 75)
    assert not short.adopted
    assert count(SIMPLE, weights, short_ballots).adopted  # the rule, not the votes, decides


def test_ballots_of_members_without_weight_are_ignored(weights):
    present = {m: weights[m] for m in (SCHIERMONNIKOOG, VLIELAND, UTRECHT)}
    ballots = {
        SCHIERMONNIKOOG: VOOR,
        VLIELAND: TEGEN,
        AMSTERDAM: TEGEN,  # not present when the poll opened
        999: TEGEN,  # no member at all
    }
    result = count(SIMPLE, present, ballots)
    assert (result.voor, result.tegen, result.onthouding) == (9, 10, 0)
    assert result.counts == {VOOR: 1, TEGEN: 1, ONTHOUDING: 0}
    assert result.cast_count == 2
    assert result.cast_weight == 19
    assert result.eligible_count == 3 and result.eligible_weight == 94


def test_turnout_by_weight_and_by_count(weights):
    result = count(
        SIMPLE,
        weights,
        {AMSTERDAM: VOOR, SCHIERMONNIKOOG: TEGEN, TEXEL: ONTHOUDING},
    )
    assert result.eligible_weight == sum(EXPECTED_WEIGHTS.values()) == 357
    assert result.eligible_count == 8
    assert result.cast_weight == 75 + 9 + 75  # abstentions count for turnout
    assert result.cast_count == 3
    assert result.turnout_weight_pct == Decimal("44.54")  # 159 / 357
    assert result.turnout_count_pct == Decimal("37.50")  # 3 / 8


def test_turnout_without_anyone_present_is_unknown():
    result = count(SIMPLE, {}, {1: VOOR})
    assert result.turnout_weight_pct is None and result.turnout_count_pct is None
    assert result.cast_count == 0 and not result.adopted


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (Decimal("97.68"), "97,68%"),
        (Decimal("2.32"), "2,32%"),
        (Decimal("98.8"), "98,80%"),
        (Decimal("100"), "100,00%"),
        (Decimal("0.00"), "0,00%"),
        (None, "—"),
    ],
)
def test_dutch_percentage(value, text):
    assert dutch_pct(value) == text


def test_dutch_percentage_of_a_count(weights):
    result = count(SIMPLE, weights, {AMSTERDAM: VOOR, UTRECHT: VOOR, ACHTERHOEK: TEGEN})
    assert dutch_pct(result.voor_pct) == "83,80%"  # 150 / 179
    assert dutch_pct(result.tegen_pct) == "16,20%"
