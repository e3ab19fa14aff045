"""How money and percentages read in avatar reasoning, facts and Slack cards.

Nothing is rounded: a reasoning line must agree with the facts it was made from, so
``$250,000.005`` stays as written rather than becoming an ambiguous ``$250,000.01``.
"""

from __future__ import annotations

from decimal import Decimal

CENT_PLACES = 2
"""Money with a fractional part shows at least this many decimal places ($1,234.50)."""


def plain(value: Decimal) -> str:
    """The exact value as a plain decimal string for facts: ``500000``, ``12.5``, ``0``.

    Trailing zeros go (``12.50`` → ``12.5``); no exponent, no grouping, no ``-0``.
    """
    return f"{_normalized(value):f}"


def money(amount: Decimal) -> str:
    """``$500,000``; cents only when non-zero (``$1,234.50``); ``-$5`` below zero."""
    value = _normalized(amount)
    places = _decimal_places(value)
    if places:
        places = max(places, CENT_PLACES)
    sign = "-" if value < 0 else ""
    return f"{sign}${abs(value):,.{places}f}"


def percent(value: Decimal) -> str:
    """``12%``; ``12.5%`` when fractional."""
    return f"{plain(value)}%"


def _normalized(value: Decimal) -> Decimal:
    if not value.is_finite():
        raise ValueError(f"{value} is not a finite number")
    return Decimal(0) if value.is_zero() else value.normalize()


def _decimal_places(value: Decimal) -> int:
    exponent = value.as_tuple().exponent
    assert isinstance(exponent, int)  # finite, checked by _normalized
    return max(0, -exponent)
