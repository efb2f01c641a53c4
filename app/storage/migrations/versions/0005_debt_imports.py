"""debt imports (createDebts batches)

Revision ID: 0005
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.storage.types

revision: str = "0005"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "debt_import",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("public_id", sa.String(length=64), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("created", sa.Integer(), nullable=False),
        sa.Column("failed", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.JSON(), nullable=False),
        sa.Column("created_at", app.storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["company_id"], ["company.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("public_id"),
    )
    op.create_index("ix_debt_import_company_id", "debt_import", ["company_id"])
    with op.batch_alter_table("debt") as batch_op:
        batch_op.add_column(sa.Column("import_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key("fk_debt_import_id", "debt_import", ["import_id"], ["id"])
        batch_op.create_index("ix_debt_import_id", ["import_id"])


def downgrade() -> None:
    with op.batch_alter_table("debt") as batch_op:
        batch_op.drop_index("ix_debt_import_id")
        batch_op.drop_constraint("fk_debt_import_id", type_="foreignkey")
        batch_op.drop_column("import_id")
    op.drop_index("ix_debt_import_company_id", table_name="debt_import")
    op.drop_table("debt_import")
