"""Deals that change in review: where each revision came from, counter-offers, and the
approvals each posted briefing shows (so its buttons go once they are decided).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from store.types import UTCDateTime

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("deal_revisions") as batch:
        batch.add_column(sa.Column("source", sa.String(20), nullable=True))
        batch.add_column(sa.Column("actor", sa.String(80), nullable=True))
    with op.batch_alter_table("slack_messages") as batch:
        batch.add_column(sa.Column("body", sa.JSON(), nullable=True))
    op.create_table(
        "counter_offers",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("deal_id", sa.Integer(), sa.ForeignKey("deals.id"), nullable=False),
        sa.Column(
            "approval_id", sa.Integer(), sa.ForeignKey("approvals.id"), nullable=False, unique=True
        ),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("proposed", sa.JSON(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("created_by", sa.String(80), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("resolved_by", sa.String(80), nullable=True),
        sa.Column("resolved_at", UTCDateTime(), nullable=True),
    )
    op.create_index("ix_counter_offers_deal_id", "counter_offers", ["deal_id"])
    op.create_table(
        "message_approvals",
        sa.Column("subject", sa.String(80), primary_key=True),
        sa.Column("approval_id", sa.Integer(), primary_key=True),
    )
    op.create_index("ix_message_approvals_approval_id", "message_approvals", ["approval_id"])


def downgrade() -> None:
    op.drop_table("message_approvals")
    op.drop_table("counter_offers")
    with op.batch_alter_table("slack_messages") as batch:
        batch.drop_column("body")
    with op.batch_alter_table("deal_revisions") as batch:
        batch.drop_column("actor")
        batch.drop_column("source")
