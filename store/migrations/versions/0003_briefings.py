"""Briefings: people's time zones and preferences, digest runs, stalled-deal nudges.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-21
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from store.types import UTCDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "people",
        sa.Column("user_id", sa.String(32), primary_key=True),
        sa.Column("tz", sa.String(64), nullable=True),
        sa.Column("tz_checked_at", UTCDateTime(), nullable=True),
        sa.Column("briefing_enabled", sa.Boolean(), nullable=False),
        sa.Column("briefing_time", sa.String(5), nullable=True),
        sa.Column("last_briefing_on", sa.Date(), nullable=True),
        sa.Column("home_seen_at", UTCDateTime(), nullable=True),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    )
    op.create_table(
        "digest_runs",
        sa.Column("channel", sa.String(32), primary_key=True),
        sa.Column("local_date", sa.Date(), primary_key=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    with op.batch_alter_table("deals") as batch:
        batch.add_column(sa.Column("nudged_at", UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("deals") as batch:
        batch.drop_column("nudged_at")
    op.drop_table("digest_runs")
    op.drop_table("people")
