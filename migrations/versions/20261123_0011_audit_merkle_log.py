"""audit merkle log: every event a leaf of an RFC 6962 tree; append-only triggers

Existing events become the first leaves, in id order (their canonical form is computed here
with the same standalone module the platform and the verifier use). No checkpoint is signed
here: the keyring is not available to migrations; the first is signed at the next multiple of
SIMPUL_AUDIT_CHECKPOINT_EVERY or by `flask --app app audit checkpoint`.

The triggers refuse UPDATE and DELETE (and TRUNCATE on PostgreSQL) on the audit tables. On
SQLite a later migration that rebuilds one of these tables (batch mode) must re-create them.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-23 04:19:48.752103
"""

from alembic import op
import sqlalchemy as sa
import coordination.core.db


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


APPEND_ONLY = ("audit_events", "audit_nodes", "audit_checkpoints", "audit_witness_signatures")


def _triggers(create: bool) -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        if create:
            op.execute(
                "CREATE FUNCTION simpul_append_only() RETURNS trigger LANGUAGE plpgsql AS "
                "$$ BEGIN RAISE EXCEPTION '% is append-only', TG_TABLE_NAME; END $$"
            )
        for table in APPEND_ONLY:
            if create:
                op.execute(
                    f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                    "FOR EACH ROW EXECUTE FUNCTION simpul_append_only()"
                )
                op.execute(
                    f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                    "FOR EACH STATEMENT EXECUTE FUNCTION simpul_append_only()"
                )
            else:
                op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
                op.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
        if not create:
            op.execute("DROP FUNCTION IF EXISTS simpul_append_only()")
        return
    for table in APPEND_ONLY:
        for verb in ("update", "delete"):
            if create:
                op.execute(
                    f"CREATE TRIGGER {table}_no_{verb} BEFORE {verb.upper()} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
                )
            else:
                op.execute(f"DROP TRIGGER IF EXISTS {table}_no_{verb}")


def _backfill() -> tuple[int, str, str]:
    """Give the existing events leaves, in id order; returns the tree head."""
    import json

    from coordination.audit.canonical import canonical_bytes, utc_text
    from coordination.audit.merkle import Frontier, leaf_hash

    events = sa.table(
        "audit_events",
        sa.column("id", sa.Integer()),
        sa.column("occurred_at", coordination.core.db.UTCDateTime()),
        sa.column("actor_user_id", sa.Integer()),
        sa.column("actor_email", sa.String()),
        sa.column("actor_org_id", sa.Integer()),
        sa.column("action", sa.String()),
        sa.column("object_type", sa.String()),
        sa.column("object_id", sa.String()),
        sa.column("object_org_id", sa.Integer()),
        sa.column("outcome", sa.String()),
        sa.column("ip", sa.String()),
        sa.column("request_id", sa.String()),
        sa.column("detail", sa.Text()),
        sa.column("leaf_index", sa.BigInteger()),
    )
    nodes = sa.table("audit_nodes", sa.column("level"), sa.column("idx"), sa.column("hash"))
    bind = op.get_bind()
    frontier = Frontier()
    for row in bind.execute(sa.select(events).order_by(events.c.id)).all():
        index = frontier.size
        entry = {
            "index": index, "at": utc_text(row.occurred_at), "actor_user_id": row.actor_user_id,
            "actor_email": row.actor_email, "actor_org_id": row.actor_org_id, "action": row.action,
            "object_type": row.object_type, "object_id": row.object_id, "object_org_id": row.object_org_id,
            "outcome": row.outcome, "ip": row.ip,
            "request_id": row.request_id, "detail": json.loads(row.detail),
        }
        bind.execute(sa.update(events).where(events.c.id == row.id).values(leaf_index=index))
        completed = frontier.append(leaf_hash(canonical_bytes(entry)))
        bind.execute(sa.insert(nodes), [{"level": lvl, "idx": i, "hash": h} for lvl, i, h in completed])
    return frontier.size, frontier.root().hex(), json.dumps([h.hex() for h in frontier.hashes])


def upgrade() -> None:
    op.create_table('audit_checkpoints',
    sa.Column('size', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('root', sa.String(length=64), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('created_at', coordination.core.db.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('size', name=op.f('pk_audit_checkpoints'))
    )
    op.create_table('audit_nodes',
    sa.Column('level', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('idx', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('hash', sa.LargeBinary(length=32), nullable=False),
    sa.PrimaryKeyConstraint('level', 'idx', name=op.f('pk_audit_nodes'))
    )
    op.create_table('audit_tree_head',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('root', sa.String(length=64), nullable=False),
    sa.Column('frontier', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_tree_head'))
    )
    op.create_table('audit_witness_signatures',
    sa.Column('size', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('witness', sa.String(length=120), nullable=False),
    sa.Column('signature_line', sa.Text(), nullable=False),
    sa.Column('received_at', coordination.core.db.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('size', 'witness', name=op.f('pk_audit_witness_signatures'))
    )
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('leaf_index', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('request_id', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('object_org_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_audit_events_object_org_id'), ['object_org_id'], unique=False)
    size, root, frontier = _backfill()
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.alter_column('leaf_index', existing_type=sa.BigInteger(), nullable=False)
        batch_op.create_unique_constraint(batch_op.f('uq_audit_events_leaf_index'), ['leaf_index'])
    head = sa.table("audit_tree_head", sa.column("id"), sa.column("size"), sa.column("root"), sa.column("frontier"))
    op.execute(sa.insert(head).values(id=1, size=size, root=root, frontier=frontier))
    _triggers(create=True)


def downgrade() -> None:
    _triggers(create=False)
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_events_object_org_id'))
        batch_op.drop_column('object_org_id')
        batch_op.drop_constraint(batch_op.f('uq_audit_events_leaf_index'), type_='unique')
        batch_op.drop_column('request_id')
        batch_op.drop_column('leaf_index')

    op.drop_table('audit_witness_signatures')
    op.drop_table('audit_tree_head')
    op.drop_table('audit_nodes')
    op.drop_table('audit_checkpoints')
    # ### end Alembic commands ###
