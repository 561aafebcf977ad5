"""The dates Samen accepts anywhere: outside them a date is a typo, and date arithmetic on it
(a due date, the day after, a year's prices) would overflow."""

import datetime as dt

EARLIEST, LATEST = dt.date(1900, 1, 1), dt.date(2099, 12, 31)


def plausible(day: dt.date) -> bool:
    return EARLIEST <= day <= LATEST
