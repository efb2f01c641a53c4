"""widen timeline.holiday_subdivision to hold every code of the holidays library

The holidays library names some subdivisions with more than 16 characters (Brazil's
"São Paulo Capital"): a valid calendar must not fail to store on PostgreSQL.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24 23:40:00
"""

from collections.abc import Sequence

import sqlmodel
from alembic import op


revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('timeline', schema=None) as batch_op:
        batch_op.alter_column(
            'holiday_subdivision',
            existing_type=sqlmodel.sql.sqltypes.AutoString(length=16),
            type_=sqlmodel.sql.sqltypes.AutoString(length=64),
            existing_nullable=True,
        )


def downgrade() -> None:
    # Only safe while no stored subdivision is longer than 16 characters.
    with op.batch_alter_table('timeline', schema=None) as batch_op:
        batch_op.alter_column(
            'holiday_subdivision',
            existing_type=sqlmodel.sql.sqltypes.AutoString(length=64),
            type_=sqlmodel.sql.sqltypes.AutoString(length=16),
            existing_nullable=True,
        )
