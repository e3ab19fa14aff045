"""Between a stored deal and the terms policies reason about."""

from __future__ import annotations

from decimal import Decimal

from policies.avatars.formatting import plain
from policies.deal import DealTerms
from store.models import Deal

TERM_FIELDS = tuple(name for name in DealTerms.model_fields if name != "external_id")


def terms_of(deal: Deal) -> DealTerms:
    """The deal's terms (already validated when it was stored)."""
    values = {name: getattr(deal, name) for name in DealTerms.model_fields}
    return DealTerms.model_construct(**values)


def apply_terms(deal: Deal, terms: DealTerms) -> dict[str, list[object]]:
    """Write ``terms`` onto the deal; return what changed as ``{field: [old, new]}``."""
    changes: dict[str, list[object]] = {}
    for name in TERM_FIELDS:
        old, new = getattr(deal, name, None), getattr(terms, name)
        if old != new:
            changes[name] = [old, new]
            setattr(deal, name, new)
    return changes


def terms_json(terms: DealTerms) -> dict[str, object]:
    """The terms as stored for a revision and in the audit log (external_id apart)."""
    return terms.model_dump(mode="json", exclude={"external_id"})


def as_text(value: object) -> str:
    """A field's value as the audit log and the API's change lists show it: ``12``, not
    ``12.00``."""
    return plain(value) if isinstance(value, Decimal) else str(value)


def terms_from_json(data: dict[str, object]) -> DealTerms:
    return DealTerms.model_validate(data)
