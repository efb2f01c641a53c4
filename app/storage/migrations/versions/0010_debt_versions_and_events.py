"""debt versions, erasure and hold columns; the debt_event history table

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 02:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.storage.types

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("debt", schema=None) as batch_op:
        # Existing debts start at version 1, as if just created.
        batch_op.add_column(
            sa.Column("version", sa.Integer(), nullable=False, server_default=sa.text("1"))
        )
        batch_op.add_column(
            sa.Column("erased_at", app.storage.types.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("held_from_status", sa.String(length=16), nullable=True))
    op.create_table(
        "debt_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("public_id", sa.String(length=64), nullable=False),
        sa.Column("debt_id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(length=16), nullable=False),
        sa.Column("at", app.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["company_id"], ["company.id"]),
        sa.ForeignKeyConstraint(["debt_id"], ["debt.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("public_id"),
    )
    op.create_index("ix_debt_event_debt_id_id", "debt_event", ["debt_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_debt_event_debt_id_id", table_name="debt_event")
    op.drop_table("debt_event")
    with op.batch_alter_table("debt", schema=None) as batch_op:
        batch_op.drop_column("held_from_status")
        batch_op.drop_column("erased_at")
        batch_op.drop_column("version")
