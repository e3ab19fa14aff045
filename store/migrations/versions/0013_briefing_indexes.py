"""Indexes for the morning round: a person's open deals by (owner, status), and what they
decided lately by (decided_by, status, decided_at).

Without them SQLite's planner, which has no statistics, took the status indexes and read
every open deal, and every decision ever made, once per 500 people (bench/briefings.py).
The composite index on deals also serves every lookup the owner index did.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07
"""

from __future__ import annotations

from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_deals_owner_status", "deals", ["owner", "status"])
    op.drop_index("ix_deals_owner", table_name="deals")
    op.create_index("ix_approvals_decided", "approvals", ["decided_by", "status", "decided_at"])


def downgrade() -> None:
    op.drop_index("ix_approvals_decided", table_name="approvals")
    op.create_index("ix_deals_owner", "deals", ["owner"])
    op.drop_index("ix_deals_owner_status", table_name="deals")
