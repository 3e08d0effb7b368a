"""Alembic environment of the audit trail: run programmatically (`reserves.app.audit.migrate`), no .ini file."""

from alembic import context
from sqlalchemy import text

from reserves.app.audit.models import Base

VERSION_TABLE = "reserves_audit_alembic_version"
LOCK_KEY = 623310  # PostgreSQL advisory lock: one migration at a time on a shared server

config = context.config


def run() -> None:
    connection = config.attributes["connection"]
    context.configure(connection=connection, target_metadata=Base.metadata, version_table=VERSION_TABLE,
                      render_as_batch=connection.dialect.name == "sqlite")
    with context.begin_transaction():
        if connection.dialect.name == "postgresql":
            connection.execute(text(f"SELECT pg_advisory_xact_lock({LOCK_KEY})"))
        context.run_migrations()


run()
