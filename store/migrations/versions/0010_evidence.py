"""Evidence: what each approval card showed, stored once with its SHA-256.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from store.types import UTCDateTime

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "evidence",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column(
            "approval_id", sa.Integer(), sa.ForeignKey("approvals.id"), nullable=False, unique=True
        ),
        sa.Column("deal_id", sa.Integer(), sa.ForeignKey("deals.id"), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.Column("facts", sa.Text(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_evidence_deal_id", "evidence", ["deal_id"])
    op.create_index("ix_evidence_hash", "evidence", ["hash"])


def downgrade() -> None:
    op.drop_index("ix_evidence_hash", table_name="evidence")
    op.drop_index("ix_evidence_deal_id", table_name="evidence")
    op.drop_table("evidence")
