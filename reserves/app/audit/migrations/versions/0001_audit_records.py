"""The audit table, append-only.

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

TABLE = "reserves_audit"
MESSAGE = "journal d'audit en ajout seul : modification et suppression interdites"
MESSAGE_SQL = MESSAGE.replace("'", "''")  # inside a SQL string literal


def upgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("created_at", sa.String(40), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("user_name", sa.String(200), nullable=False),
        sa.Column("file_name", sa.String(500)),
        sa.Column("sha256", sa.String(64)),
        sa.Column("version", sa.String(100)),
        sa.Column("status", sa.String(40)),
        sa.Column("orders", sa.Text),
        sa.Column("payload", sa.Text, nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False, unique=True),
    )
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute(f"""
            CREATE FUNCTION reserves_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION '{MESSAGE_SQL}';
            END $$;
        """)
        op.execute(f"""CREATE TRIGGER reserves_audit_no_update BEFORE UPDATE OR DELETE ON {TABLE}
                       FOR EACH ROW EXECUTE FUNCTION reserves_audit_append_only()""")
        op.execute(f"""CREATE TRIGGER reserves_audit_no_truncate BEFORE TRUNCATE ON {TABLE}
                       FOR EACH STATEMENT EXECUTE FUNCTION reserves_audit_append_only()""")
    elif dialect == "sqlite":
        for event in ("UPDATE", "DELETE"):
            op.execute(f"""CREATE TRIGGER reserves_audit_no_{event.lower()} BEFORE {event} ON {TABLE}
                           BEGIN SELECT RAISE(ABORT, '{MESSAGE_SQL}'); END""")


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute(f"DROP TRIGGER IF EXISTS reserves_audit_no_update ON {TABLE}")
        op.execute(f"DROP TRIGGER IF EXISTS reserves_audit_no_truncate ON {TABLE}")
        op.execute("DROP FUNCTION IF EXISTS reserves_audit_append_only()")
    op.drop_table(TABLE)
