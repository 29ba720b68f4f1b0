"""referral follow-ups: a referral may follow up an earlier one of the same case

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23 08:40:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('referrals', schema=None) as batch_op:
        batch_op.add_column(sa.Column('follows_id', sa.Uuid(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_referrals_follows_id_referrals'), 'referrals', ['follows_id'], ['id'])
        batch_op.create_index(batch_op.f('ix_referrals_follows_id'), ['follows_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('referrals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_referrals_follows_id'))
        batch_op.drop_constraint(batch_op.f('fk_referrals_follows_id_referrals'), type_='foreignkey')
        batch_op.drop_column('follows_id')
