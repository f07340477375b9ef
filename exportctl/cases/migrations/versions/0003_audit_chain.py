"""A tamper-evident audit trail: every record hashed with the one before it, the chain's head
kept in its own table; PostgreSQL's TRUNCATE refused on both.

Records already in the database are hashed in their order here (the chain vouches for them
from the upgrade on). The schema version seen by releases from before migrations becomes 2, so
that they refuse the database instead of writing records outside the chain.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from exportctl.cases.audit_chain import GENESIS, HASHED, record_hash

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

APPEND_ONLY = "audit_events is append-only"
HEAD_KEPT = "audit_chain holds the head of the audit trail and only moves forward"
CHUNK = 1_000


def upgrade() -> None:
    bind = op.get_bind()
    postgres = bind.dialect.name == "postgresql"
    op.add_column("audit_events", sa.Column("prev_hash", sa.String(64), nullable=True))
    op.add_column("audit_events", sa.Column("record_hash", sa.String(64), nullable=True))
    op.create_table(
        "audit_chain",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("last_id", sa.Integer(), nullable=False),
        sa.Column("last_hash", sa.String(64), nullable=False),
    )

    # Hash the records already there, in order (the append-only triggers are lifted for it).
    if postgres:
        op.execute("ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only")
    else:
        op.execute("DROP TRIGGER audit_events_no_update")
    # Typed as the code reads them, so that times are hashed as the verification reads them.
    types = {"id": sa.Integer(), "case_id": sa.Integer(), "at": sa.DateTime()}
    events = sa.table(
        "audit_events",
        *(sa.column(name, types.get(name, sa.Text())) for name in HASHED),
        sa.column("prev_hash", sa.String(64)),
        sa.column("record_hash", sa.String(64)),
    )
    previous, last_id = GENESIS, 0
    while True:
        rows = bind.execute(
            sa.select(*(events.c[name] for name in HASHED))
            .where(events.c.id > last_id)
            .order_by(events.c.id)
            .limit(CHUNK)
        ).all()
        if not rows:
            break
        updates = []
        for row in rows:
            digest = record_hash(previous, row._mapping)
            updates.append({"row_id": row.id, "prev": previous, "digest": digest})
            previous, last_id = digest, row.id
        bind.execute(
            events.update()
            .where(events.c.id == sa.bindparam("row_id"))
            .values(prev_hash=sa.bindparam("prev"), record_hash=sa.bindparam("digest")),
            updates,
        )
    op.bulk_insert(
        sa.table("audit_chain", sa.column("id"), sa.column("last_id"), sa.column("last_hash")),
        [{"id": 1, "last_id": last_id, "last_hash": previous}],
    )
    if postgres:
        op.execute("ALTER TABLE audit_events ENABLE TRIGGER audit_events_append_only")
        # Row triggers do not see TRUNCATE: a statement trigger refuses it.
        op.execute(
            "CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events "
            "FOR EACH STATEMENT EXECUTE FUNCTION exportctl_audit_append_only()"
        )
        op.execute(
            "CREATE OR REPLACE FUNCTION exportctl_audit_head_kept() RETURNS trigger AS $$ "
            f"BEGIN RAISE EXCEPTION '{HEAD_KEPT}'; END; $$ LANGUAGE plpgsql"
        )
        op.execute(
            "CREATE TRIGGER audit_chain_no_delete BEFORE DELETE ON audit_chain "
            "FOR EACH ROW EXECUTE FUNCTION exportctl_audit_head_kept()"
        )
        op.execute(
            "CREATE TRIGGER audit_chain_no_rewind BEFORE UPDATE ON audit_chain FOR EACH ROW "
            "WHEN (NEW.last_id < OLD.last_id) EXECUTE FUNCTION exportctl_audit_head_kept()"
        )
        op.execute(
            "CREATE TRIGGER audit_chain_no_truncate BEFORE TRUNCATE ON audit_chain "
            "FOR EACH STATEMENT EXECUTE FUNCTION exportctl_audit_head_kept()"
        )
    else:
        op.execute(
            "CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events "
            f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END"
        )
        op.execute(
            "CREATE TRIGGER audit_chain_no_delete BEFORE DELETE ON audit_chain "
            f"BEGIN SELECT RAISE(ABORT, '{HEAD_KEPT}'); END"
        )
        op.execute(
            "CREATE TRIGGER audit_chain_no_rewind BEFORE UPDATE ON audit_chain "
            f"WHEN NEW.last_id < OLD.last_id BEGIN SELECT RAISE(ABORT, '{HEAD_KEPT}'); END"
        )
    op.execute("UPDATE exportctl_meta SET value = '2' WHERE key = 'schema_version'")


def downgrade() -> None:
    raise NotImplementedError("The audit chain cannot be taken back out.")
