"""Home's notice: the sum-up of a bulk approve, kept so that every refresh of the App Home
tab shows it for a while, whichever process publishes.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from store.types import UTCDateTime

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("people") as batch:
        batch.add_column(sa.Column("home_notice", sa.Text(), nullable=True))
        batch.add_column(sa.Column("home_notice_at", UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("people") as batch:
        batch.drop_column("home_notice_at")
        batch.drop_column("home_notice")
