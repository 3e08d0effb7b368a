"""The audit table (SQLAlchemy). Its schema is created and evolved by the migrations beside this file."""

from __future__ import annotations

from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

TABLE = "reserves_audit"


class Base(DeclarativeBase):
    pass


class AuditRow(Base):
    """One record: what was checked, when, by whom, on which file, with which verdict; chained by hash."""

    __tablename__ = TABLE

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)  # 1, 2, 3… no gaps
    created_at: Mapped[str] = mapped_column(String(40), nullable=False)  # ISO 8601, UTC, microseconds
    kind: Mapped[str] = mapped_column(String(40), nullable=False)  # check, orders, report, proposal…
    user: Mapped[str] = mapped_column("user_name", String(200), nullable=False)
    file_name: Mapped[str | None] = mapped_column(String(500))
    sha256: Mapped[str | None] = mapped_column(String(64))  # of the file checked
    version: Mapped[str | None] = mapped_column(String(100))  # rulebook version
    status: Mapped[str | None] = mapped_column(String(40))
    orders: Mapped[str | None] = mapped_column(Text)  # canonical JSON, or NULL
    payload: Mapped[str] = mapped_column(Text, nullable=False)  # canonical JSON: verdict and findings…
    prev_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
