"""The case database of the first release (commit 22913d6): cases, suggestions, answers, the
append-only audit trail and the schema-version table.

Databases made by the first release have exactly this schema and no ``alembic_version`` table;
``exportctl cases upgrade`` recognises them and records them at this revision before
upgrading.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

APPEND_ONLY = "audit_events is append-only"


def upgrade() -> None:
    op.create_table(
        "cases",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("external_id", sa.String(200), nullable=True),
        sa.Column("title", sa.String(500), nullable=False),
        sa.Column("abstract", sa.Text(), nullable=False),
        sa.Column("source_name", sa.String(300), nullable=True),
        sa.Column("researcher", sa.String(200), nullable=False),
        sa.Column("researcher_name", sa.String(300), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("partner_country", sa.String(200), nullable=True),
        sa.Column("visitor_nationality", sa.String(200), nullable=True),
        sa.Column("visitor_level", sa.String(100), nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("decision", sa.String(50), nullable=True),
        sa.Column("atas_decision", sa.String(50), nullable=True),
        sa.Column("decision_note", sa.Text(), nullable=True),
        sa.Column("officer", sa.String(200), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("submitted_at", sa.DateTime(), nullable=True),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("list_version", sa.String(100), nullable=False),
        sa.Column("rules_version", sa.String(100), nullable=True),
        sa.Column("atas_summary", sa.Text(), nullable=True),
        sa.Column("result_json", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
    )
    op.create_index("ix_cases_researcher", "cases", ["researcher"])
    op.create_index("ix_cases_status", "cases", ["status"])
    op.create_table(
        "suggestions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("case_id", sa.Integer(), sa.ForeignKey("cases.id"), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=True),
        sa.Column("code", sa.String(100), nullable=False),
        sa.Column("entry", sa.String(50), nullable=False),
        sa.Column("list_name", sa.String(50), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("evidence_json", sa.Text(), nullable=False),
        sa.Column("thresholds_json", sa.Text(), nullable=False),
        sa.Column("related", sa.Text(), nullable=False),
        sa.Column("source", sa.String(20), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("reviewed_by", sa.String(200), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.UniqueConstraint("case_id", "code", name="uq_suggestion_case_code"),
    )
    op.create_index("ix_suggestions_case_id", "suggestions", ["case_id"])
    op.create_table(
        "answers",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("case_id", sa.Integer(), sa.ForeignKey("cases.id"), nullable=False),
        sa.Column("key", sa.String(50), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("answer", sa.String(20), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("answered_by", sa.String(200), nullable=False),
        sa.Column("answered_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("case_id", "key", name="uq_answer_case_key"),
    )
    op.create_index("ix_answers_case_id", "answers", ["case_id"])
    op.create_table(
        "audit_events",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("actor_role", sa.String(20), nullable=False),
        sa.Column("action", sa.String(50), nullable=False),
        sa.Column("target", sa.String(200), nullable=True),
        sa.Column("detail_json", sa.Text(), nullable=False),
        sa.Column("list_version", sa.String(100), nullable=True),
        sa.Column("rules_version", sa.String(100), nullable=True),
    )
    op.create_index("ix_audit_events_at", "audit_events", ["at"])
    op.create_index("ix_audit_events_case_id", "audit_events", ["case_id"])
    op.create_table(
        "exportctl_meta",
        sa.Column("key", sa.String(50), primary_key=True),
        sa.Column("value", sa.String(200), nullable=False),
    )
    op.bulk_insert(
        sa.table("exportctl_meta", sa.column("key"), sa.column("value")),
        [{"key": "schema_version", "value": "1"}],
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE OR REPLACE FUNCTION exportctl_audit_append_only() RETURNS trigger AS $$ "
            f"BEGIN RAISE EXCEPTION '{APPEND_ONLY}'; END; $$ LANGUAGE plpgsql"
        )
        op.execute(
            "CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events "
            "FOR EACH ROW EXECUTE FUNCTION exportctl_audit_append_only()"
        )
    else:
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER audit_events_no_{verb.lower()} BEFORE {verb} ON audit_events "
                f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END"
            )


def downgrade() -> None:
    raise NotImplementedError("The first release's schema is the oldest there is.")
