"""Outbox lanes: each row's conversation and priority, and each conversation's next turn.

The claim takes at most one row per conversation whose turn has come, most urgent
first, so a backlog in one channel holds up no other; the turns live in the database
so that several processes keep one pace. Rows already queued get no lane.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from store.types import UTCDateTime

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("lane", sa.String(80), nullable=True))
        batch.add_column(
            sa.Column("priority", sa.SmallInteger(), nullable=False, server_default="1")
        )
    with op.batch_alter_table("outbox") as batch:
        batch.alter_column("priority", server_default=None)
    op.create_index("ix_outbox_lane", "outbox", ["lane", "id"])
    op.create_table(
        "outbox_lanes",
        sa.Column("lane", sa.String(80), primary_key=True),
        sa.Column("next_at", UTCDateTime(), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("outbox_lanes")
    op.drop_index("ix_outbox_lane", "outbox")
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("priority")
        batch.drop_column("lane")
