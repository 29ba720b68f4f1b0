"""subjects and transactions belong to an alert or a case

The people and payments a case records of its own (an NGO's case from a complaint) share the
tables, sealing and blind index of those reported in alerts. `alert_subjects` and
`alert_transactions` become `subjects` and `transactions` with exactly one owner; rows keep
their ids, so their sealed columns (bound to the row id) still open. Downgrading drops what
cases recorded of their own: the old schema has nowhere to keep it.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23 08:10:00
"""

from alembic import op
import sqlalchemy as sa
import coordination.core.db


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

ONE_OWNER = "(alert_id IS NULL) <> (case_id IS NULL)"
SUBJECT_COLUMNS = "id, alert_id, position, role, gender, province, personal_sealed"
TRANSACTION_COLUMNS = "id, alert_id, position, tx_id, occurred_at, amount, currency, channel, details_sealed"


def _subjects_table(name: str, owned_by_cases: bool) -> None:
    owner = [
        sa.Column('case_id', sa.Uuid(), nullable=True),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f(f'fk_{name}_case_id_cases'), ondelete='CASCADE'),
        sa.CheckConstraint(ONE_OWNER, name=op.f(f'ck_{name}_one_owner')),
    ] if owned_by_cases else []
    op.create_table(name,
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('alert_id', sa.Uuid(), nullable=owned_by_cases),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('gender', sa.String(length=10), nullable=True),
    sa.Column('province', sa.String(length=40), nullable=True),
    sa.Column('personal_sealed', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['alert_id'], ['alerts.id'], name=op.f(f'fk_{name}_alert_id_alerts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f(f'pk_{name}')),
    *owner,
    )
    with op.batch_alter_table(name, schema=None) as batch_op:
        batch_op.create_index(batch_op.f(f'ix_{name}_alert_id'), ['alert_id'], unique=False)
        if owned_by_cases:
            batch_op.create_index(batch_op.f(f'ix_{name}_case_id'), ['case_id'], unique=False)


def _transactions_table(name: str, owned_by_cases: bool) -> None:
    owner = [
        sa.Column('case_id', sa.Uuid(), nullable=True),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f(f'fk_{name}_case_id_cases'), ondelete='CASCADE'),
        sa.CheckConstraint(ONE_OWNER, name=op.f(f'ck_{name}_one_owner')),
    ] if owned_by_cases else []
    op.create_table(name,
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('alert_id', sa.Uuid(), nullable=owned_by_cases),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('tx_id', sa.String(length=100), nullable=False),
    sa.Column('occurred_at', coordination.core.db.UTCDateTime(), nullable=False),
    sa.Column('amount', sa.Numeric(precision=18, scale=2), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('details_sealed', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['alert_id'], ['alerts.id'], name=op.f(f'fk_{name}_alert_id_alerts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f(f'pk_{name}')),
    *owner,
    )
    with op.batch_alter_table(name, schema=None) as batch_op:
        batch_op.create_index(batch_op.f(f'ix_{name}_alert_id'), ['alert_id'], unique=False)
        if owned_by_cases:
            batch_op.create_index(batch_op.f(f'ix_{name}_case_id'), ['case_id'], unique=False)


def _point_accounts_at(old: str, new: str) -> None:
    with op.batch_alter_table('subject_accounts', schema=None) as batch_op:
        batch_op.drop_constraint(op.f(f'fk_subject_accounts_subject_id_{old}'), type_='foreignkey')
        batch_op.create_foreign_key(
            op.f(f'fk_subject_accounts_subject_id_{new}'), new, ['subject_id'], ['id'], ondelete='CASCADE'
        )


def _drop(name: str) -> None:
    with op.batch_alter_table(name, schema=None) as batch_op:
        for index in ('alert_id', 'case_id') if name in ('subjects', 'transactions') else ('alert_id',):
            batch_op.drop_index(batch_op.f(f'ix_{name}_{index}'))
    op.drop_table(name)


def upgrade() -> None:
    _subjects_table('subjects', owned_by_cases=True)
    op.execute(f"INSERT INTO subjects ({SUBJECT_COLUMNS}) SELECT {SUBJECT_COLUMNS} FROM alert_subjects")
    _point_accounts_at('alert_subjects', 'subjects')
    _drop('alert_subjects')

    _transactions_table('transactions', owned_by_cases=True)
    op.execute(
        f"INSERT INTO transactions ({TRANSACTION_COLUMNS}) SELECT {TRANSACTION_COLUMNS} FROM alert_transactions"
    )
    _drop('alert_transactions')

    with op.batch_alter_table('identifier_digests', schema=None) as batch_op:
        batch_op.add_column(sa.Column('case_id', sa.Uuid(), nullable=True))
        batch_op.alter_column('alert_id', existing_type=sa.Uuid(), nullable=True)
        batch_op.create_foreign_key(
            batch_op.f('fk_identifier_digests_case_id_cases'), 'cases', ['case_id'], ['id'], ondelete='CASCADE'
        )
        batch_op.create_check_constraint(batch_op.f('ck_identifier_digests_one_owner'), sa.text(ONE_OWNER))
        batch_op.create_index(batch_op.f('ix_identifier_digests_case_id'), ['case_id'], unique=False)


def downgrade() -> None:
    op.execute("DELETE FROM identifier_digests WHERE case_id IS NOT NULL")
    with op.batch_alter_table('identifier_digests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_identifier_digests_case_id'))
        batch_op.drop_constraint(batch_op.f('ck_identifier_digests_one_owner'), type_='check')
        batch_op.drop_constraint(batch_op.f('fk_identifier_digests_case_id_cases'), type_='foreignkey')
        batch_op.alter_column('alert_id', existing_type=sa.Uuid(), nullable=False)
        batch_op.drop_column('case_id')

    _transactions_table('alert_transactions', owned_by_cases=False)
    op.execute(
        f"INSERT INTO alert_transactions ({TRANSACTION_COLUMNS}) "
        f"SELECT {TRANSACTION_COLUMNS} FROM transactions WHERE alert_id IS NOT NULL"
    )
    _drop('transactions')

    op.execute(
        "DELETE FROM subject_accounts WHERE subject_id IN (SELECT id FROM subjects WHERE alert_id IS NULL)"
    )
    _subjects_table('alert_subjects', owned_by_cases=False)
    op.execute(
        f"INSERT INTO alert_subjects ({SUBJECT_COLUMNS}) SELECT {SUBJECT_COLUMNS} FROM subjects WHERE alert_id IS NOT NULL"
    )
    _point_accounts_at('subjects', 'alert_subjects')
    _drop('subjects')
