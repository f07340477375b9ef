"""The web app at an office's scale (issue 9): local sign-in sessions, the evidence in words
on each suggestion, the indexes of the paged and filtered case lists, and one case per
external id.

Databases made between the first release and this migration's arrival were given these by
hand when opened, in part or whole; each step is therefore skipped where already done.

An external id repeated in a database (the first release did not refuse repeats) keeps both
cases: the index on external ids is then made without uniqueness and the repeated ids are
named in a warning. New repeats are refused by the case store in any case.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import logging

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

logger = logging.getLogger("exportctl.cases.schema")

INDEXES = (
    ("ix_cases_submitted_at", "cases", ["submitted_at"]),
    ("ix_cases_updated_at", "cases", ["updated_at"]),
    ("ix_cases_decision", "cases", ["decision"]),
    ("ix_cases_status_id", "cases", ["status", "id"]),
    ("ix_suggestions_entry", "suggestions", ["entry"]),
    ("ix_suggestions_code", "suggestions", ["code"]),
    ("ix_suggestions_status", "suggestions", ["status"]),
)


def upgrade() -> None:
    bind = op.get_bind()
    inspector = sa.inspect(bind)
    if not inspector.has_table("sign_in_sessions"):
        op.create_table(
            "sign_in_sessions",
            sa.Column("id", sa.String(64), primary_key=True),
            sa.Column("username", sa.String(200), nullable=False),
            sa.Column("started_at", sa.DateTime(), nullable=False),
            sa.Column("last_seen_at", sa.DateTime(), nullable=False),
            sa.Column("ended_at", sa.DateTime(), nullable=True),
            sa.Column("end_reason", sa.String(50), nullable=True),
        )
    existing = {
        index["name"]
        for table in ("cases", "suggestions", "sign_in_sessions")
        for index in inspector.get_indexes(table)
    }
    if "ix_sign_in_sessions_username" not in existing:
        op.create_index("ix_sign_in_sessions_username", "sign_in_sessions", ["username"])
    if "evidence_text" not in {c["name"] for c in inspector.get_columns("suggestions")}:
        op.add_column("suggestions", sa.Column("evidence_text", sa.Text(), nullable=True))
    for name, table, columns in INDEXES:
        if name not in existing:
            op.create_index(name, table, columns)
    if "uq_cases_external_id" not in existing:
        repeated = bind.execute(
            sa.text(
                "SELECT external_id, COUNT(*) FROM cases WHERE external_id IS NOT NULL "
                "GROUP BY external_id HAVING COUNT(*) > 1 ORDER BY external_id"
            )
        ).all()
        if repeated:
            logger.warning(
                "External ids used by more than one case, kept as they are: %s. New repeats "
                "are refused.",
                ", ".join(f"{external_id} ({count} cases)" for external_id, count in repeated),
            )
        op.create_index("uq_cases_external_id", "cases", ["external_id"], unique=not repeated)


def downgrade() -> None:
    op.drop_index("uq_cases_external_id", "cases")
    for name, table, _columns in INDEXES:
        op.drop_index(name, table)
    op.drop_column("suggestions", "evidence_text")
    op.drop_index("ix_sign_in_sessions_username", "sign_in_sessions")
    op.drop_table("sign_in_sessions")
