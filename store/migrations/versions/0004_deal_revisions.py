"""Deal revisions: the terms each revision was submitted with.

A resubmission keeps an earlier approval only when nothing it depends on changed since
the revision it was given on, so every revision's terms are kept. Deals already stored
get their current revision's terms.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03
"""

from __future__ import annotations

from decimal import Decimal

import sqlalchemy as sa
from alembic import op

from store.types import Money, UTCDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

DEALS = sa.table(
    "deals",
    sa.column("id", sa.Integer()),
    sa.column("revision", sa.Integer()),
    sa.column("updated_at", UTCDateTime()),
    sa.column("company", sa.String()),
    sa.column("acv", Money()),
    sa.column("discount", Money()),
    sa.column("term_months", sa.Integer()),
    sa.column("industry", sa.String()),
    sa.column("employees", sa.Integer()),
    sa.column("use_case", sa.Text()),
    sa.column("budget_indicated", sa.Boolean()),
    sa.column("custom_terms", sa.Boolean()),
    sa.column("owner", sa.String()),
)
TERMS = [c.name for c in DEALS.c if c.name not in ("id", "revision", "updated_at")]


def upgrade() -> None:
    revisions = op.create_table(
        "deal_revisions",
        sa.Column("deal_id", sa.Integer(), sa.ForeignKey("deals.id"), primary_key=True),
        sa.Column("revision", sa.Integer(), primary_key=True),
        sa.Column("terms", sa.JSON(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    rows = [
        {
            "deal_id": deal.id,
            "revision": deal.revision,
            "terms": {name: _json(getattr(deal, name)) for name in TERMS},
            "created_at": deal.updated_at,
        }
        for deal in op.get_bind().execute(sa.select(DEALS))
    ]
    if rows:
        op.bulk_insert(revisions, rows)


def _json(value: object) -> object:
    return str(value) if isinstance(value, Decimal) else value


def downgrade() -> None:
    op.drop_table("deal_revisions")
