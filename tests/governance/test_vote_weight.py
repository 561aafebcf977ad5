"""The ALV vote weight rule: 1 per full 100 (municipality) / 10 000 (gewest), max 75, min 1."""

import pytest

from governance.models import MemberKind
from governance.vote_weight import VOTE_WEIGHT_RULES, vote_weight

MUNICIPALITY, GEWEST = MemberKind.MUNICIPALITY, MemberKind.GEWEST


@pytest.mark.parametrize(
    ("inhabitants", "votes"),
    [
        (0, 1),
        (99, 1),
        (100, 1),
        (199, 1),
        (200, 2),
        (919, 9),
        (7_499, 74),
        (7_500, 75),
        (7_599, 75),
        (833_624, 75),
    ],
)
def test_municipality_votes(inhabitants, votes):
    assert vote_weight(MUNICIPALITY, inhabitants) == votes


@pytest.mark.parametrize(
    ("inhabitants", "votes"),
    [
        (0, 1),
        (9_999, 1),
        (10_000, 1),
        (19_999, 1),
        (20_000, 2),
        (297_992, 29),
        (749_999, 74),
        (750_000, 75),
        (3_000_000, 75),
    ],
)
def test_gewest_votes(inhabitants, votes):
    assert vote_weight(GEWEST, inhabitants) == votes


def test_unknown_inhabitants_give_unknown_votes_and_negative_is_refused():
    assert vote_weight(MUNICIPALITY, None) is None
    with pytest.raises(ValueError):
        VOTE_WEIGHT_RULES[MUNICIPALITY].votes(-1)


def test_rule_is_described_in_dutch_next_to_every_weight():
    assert VOTE_WEIGHT_RULES[MUNICIPALITY].description == (
        "1 stem per volle 100 inwoners, maximaal 75, minimaal 1"
    )
    assert VOTE_WEIGHT_RULES[GEWEST].description == (
        "1 stem per volle 10.000 inwoners, maximaal 75, minimaal 1"
    )
