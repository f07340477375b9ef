"""Alembic's entry point for exportctl's case database. Migrations are run by
:mod:`exportctl.cases.schema` (``exportctl cases upgrade``), which hands over a connection
already in a transaction and holding the database's migration lock."""

from __future__ import annotations

from alembic import context

from exportctl.cases.models import Base

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError(
        "Run exportctl's migrations with 'exportctl cases upgrade', not the alembic command."
    )
context.configure(connection=connection, target_metadata=Base.metadata)
with context.begin_transaction():
    context.run_migrations()
