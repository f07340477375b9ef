"""Sign-ins of one user name in progress, counted apart from the failures: attempts made at
once still cannot pass the lock, but right passwords in flight no longer count as failures
(many tabs or sessions signing in to one account at once locked it).

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("sign_in_throttle") as table:
        table.add_column(sa.Column("pending", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("sign_in_throttle") as table:
        table.drop_column("pending")
