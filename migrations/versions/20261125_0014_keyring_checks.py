"""keyring check values: start-up refuses a missing or wrong keyring, naming the key

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-25 18:00:00.000000
"""

from alembic import op
import sqlalchemy as sa
import coordination.core.db


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('keyring_checks',
    sa.Column('key', sa.String(length=40), nullable=False),
    sa.Column('check_value', sa.String(length=64), nullable=False),
    sa.Column('recorded_at', coordination.core.db.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_keyring_checks'))
    )
    # The keyring `flask init` runs with is this installation's (new, or the one it has used so
    # far): record its check values now, so that the very next start already compares.
    from flask import current_app, has_app_context

    if has_app_context() and "simpul.keyring" in current_app.extensions:
        from coordination.core.db import utcnow
        from coordination.core.keys import check_values

        table = sa.table(
            'keyring_checks',
            sa.column('key'),
            sa.column('check_value'),
            sa.column('recorded_at', coordination.core.db.UTCDateTime()),
        )
        values = check_values(current_app.extensions["simpul.keyring"])
        rows = [{'key': k, 'check_value': v, 'recorded_at': utcnow()} for k, v in sorted(values.items())]
        op.bulk_insert(table, rows)


def downgrade() -> None:
    op.drop_table('keyring_checks')
