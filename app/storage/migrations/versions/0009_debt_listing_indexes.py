"""indexes serving the debts listing: by status, by internalId, newest first

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-24 23:40:00.000000
"""

from collections.abc import Sequence

from alembic import op


revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # The listing is ordered by import_date: with it as the last column, a filter on status
    # or on internalId is one index range scan in order, with no sort. Without a filter (or
    # with only a date range) ix_debt_company_import_date serves it. The new internalId index
    # answers every query the (company_id, internal_id) one did, which it replaces.
    with op.batch_alter_table('debt', schema=None) as batch_op:
        batch_op.create_index(
            'ix_debt_company_status_import_date',
            ['company_id', 'status', 'import_date'],
            unique=False,
        )
        batch_op.create_index(
            'ix_debt_company_internal_id_import_date',
            ['company_id', 'internal_id', 'import_date'],
            unique=False,
        )
        batch_op.drop_index('ix_debt_company_internal_id')


def downgrade() -> None:
    with op.batch_alter_table('debt', schema=None) as batch_op:
        batch_op.create_index(
            'ix_debt_company_internal_id', ['company_id', 'internal_id'], unique=False
        )
        batch_op.drop_index('ix_debt_company_internal_id_import_date')
        batch_op.drop_index('ix_debt_company_status_import_date')
