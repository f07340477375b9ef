"""List amendments (issue 11): the list version each decision was made under, and the
re-reviews a newer list version asks for (a case it touches, the changes that bear on the
case's entries, its decision as it stood, the suggestions under the new version and how an
officer settled it).

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("cases", sa.Column("decision_list_version", sa.String(100), nullable=True))
    op.create_table(
        "amendment_reviews",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("case_id", sa.Integer(), sa.ForeignKey("cases.id"), nullable=False),
        sa.Column("from_version", sa.String(100), nullable=False),
        sa.Column("to_version", sa.String(100), nullable=False),
        sa.Column("flagged_at", sa.DateTime(), nullable=False),
        sa.Column("flagged_by", sa.String(200), nullable=False),
        sa.Column("codes", sa.Text(), nullable=False),
        sa.Column("changes_json", sa.Text(), nullable=False),
        sa.Column("decision_was", sa.String(50), nullable=True),
        sa.Column("decided_under", sa.String(100), nullable=True),
        sa.Column("result_json", sa.Text(), nullable=True),
        sa.Column("resolved_at", sa.DateTime(), nullable=True),
        sa.Column("resolved_by", sa.String(200), nullable=True),
        sa.Column("resolution", sa.String(30), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.UniqueConstraint("case_id", "to_version", name="uq_amendment_case_version"),
    )
    op.create_index("ix_amendment_reviews_case_id", "amendment_reviews", ["case_id"])
    op.create_index("ix_amendment_open", "amendment_reviews", ["resolved_at", "case_id"])


def downgrade() -> None:
    op.drop_index("ix_amendment_open", table_name="amendment_reviews")
    op.drop_index("ix_amendment_reviews_case_id", table_name="amendment_reviews")
    op.drop_table("amendment_reviews")
    with op.batch_alter_table("cases") as table:
        table.drop_column("decision_list_version")
