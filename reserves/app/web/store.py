"""What the upload page remembers: the portfolios checked (by file hash) and the propositions computed.

The files themselves are in the storage folder under their hash; these rows
say who sent them, under which name, for which date, and where the result is.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field

import sqlalchemy as sa

from reserves.app.users import make_engine

metadata = sa.MetaData()

analyses = sa.Table(
    "web_analyses", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("user_name", sa.String(64), nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False, index=True),
    sa.Column("fmt", sa.String(8), nullable=False),
    sa.Column("file_name", sa.String(200), nullable=False),
    sa.Column("size", sa.Integer, nullable=False),
    sa.Column("sheet", sa.String(200), nullable=True),
    sa.Column("check_date", sa.Date, nullable=True),
    sa.Column("orders_sha256", sa.String(64), nullable=True),
    sa.Column("orders_fmt", sa.String(8), nullable=True),
    sa.Column("orders_name", sa.String(200), nullable=True),
    sa.Column("orders_size", sa.Integer, nullable=True),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("audit_id", sa.String(64), nullable=True),
)

# The other files an analysis read: the TPT files of its funds' holdings (R. 139-17, `--transparence`), in order.
analysis_files = sa.Table(
    "web_analysis_files", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("analysis_id", sa.Integer, sa.ForeignKey("web_analyses.id"), nullable=False, index=True),
    sa.Column("role", sa.String(16), nullable=False),  # "transparence"
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False, index=True),
    sa.Column("fmt", sa.String(8), nullable=False),
    sa.Column("file_name", sa.String(200), nullable=False),
    sa.Column("size", sa.Integer, nullable=False),
)

# The options of the check that the files do not carry: the régime simplifié (R. 139-14, R. 139-15; the command
# line's `--regime-simplifie`), "*" for the whole body, else the names of the régimes concerned separated by commas.
# A table of its own, so that a base made before it gains it without a migration.
analysis_options = sa.Table(
    "web_analysis_options", metadata,
    sa.Column("analysis_id", sa.Integer, sa.ForeignKey("web_analyses.id"), primary_key=True),
    sa.Column("regime_simplifie", sa.String(400), nullable=True),
)

# The start date of the régime simplifié (R. 139-11: the periods to sell what it forbids; the command line's
# `--regime-simplifie-depuis`), a table of its own for the same reason.
analysis_since = sa.Table(
    "web_analysis_simplified_since", metadata,
    sa.Column("analysis_id", sa.Integer, sa.ForeignKey("web_analyses.id"), primary_key=True),
    sa.Column("since", sa.Date, nullable=False),
)

proposals = sa.Table(
    "web_proposals", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("analysis_id", sa.Integer, sa.ForeignKey("web_analyses.id"), nullable=False, index=True),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("user_name", sa.String(64), nullable=False),
    sa.Column("objective", sa.String(32), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("result", sa.Text, nullable=False),  # the proposal's JSON
    sa.Column("xlsx", sa.String(200), nullable=True),  # file name in the results folder
    sa.Column("audit_id", sa.String(64), nullable=True),
)


@dataclass
class Analysis:
    id: int
    created_at: dt.datetime
    user_name: str
    sha256: str
    fmt: str
    file_name: str
    size: int
    sheet: str | None
    check_date: dt.date | None
    orders_sha256: str | None
    orders_fmt: str | None
    orders_name: str | None
    orders_size: int | None
    status: str
    audit_id: str | None
    files: list = field(default_factory=list)  # [AnalysisFile]: the TPT files read with the portfolio
    simplified: bool | frozenset = False  # the régime simplifié: False, True (the whole body) or régime names
    simplified_since: dt.date | None = None  # since when (R. 139-11), as `--regime-simplifie-depuis`


def simplified_text(simplified) -> str | None:
    """The stored form of `simplified` (False, True or régime names)."""
    if not simplified:
        return None
    return "*" if simplified is True else ",".join(sorted(simplified))


def simplified_of(text: str | None):
    if not text:
        return False
    return True if text == "*" else frozenset(t for t in text.split(",") if t)


@dataclass
class AnalysisFile:
    role: str
    sha256: str
    fmt: str
    file_name: str
    size: int


@dataclass
class ProposalRow:
    id: int
    analysis_id: int
    created_at: dt.datetime
    user_name: str
    objective: str
    status: str
    result: dict
    xlsx: str | None
    audit_id: str | None


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


class Store:
    def __init__(self, url: str, engine: sa.Engine | None = None) -> None:
        self.engine = engine or make_engine(url)
        metadata.create_all(self.engine)

    def add_analysis(self, files=(), simplified=False, simplified_since=None, **values) -> int:
        """A new analysis; `files`: the other files it read, [(role, StoredFile)]; `simplified`: the régime
        simplifié it was checked in (False, True for the whole body, or régime names); `simplified_since`: since
        when (a date, or None)."""
        values.setdefault("created_at", _now())
        if values.get("audit_id") is not None:
            values["audit_id"] = str(values["audit_id"])
        with self.engine.begin() as conn:
            aid = int(conn.execute(analyses.insert().values(**values)).inserted_primary_key[0])
            for k, (role, f) in enumerate(files):
                conn.execute(analysis_files.insert().values(analysis_id=aid, role=role, position=k, sha256=f.sha256,
                                                            fmt=f.fmt, file_name=f.name, size=f.size))
            if simplified:
                conn.execute(analysis_options.insert().values(analysis_id=aid,
                                                              regime_simplifie=simplified_text(simplified)))
            if simplified_since is not None:
                conn.execute(analysis_since.insert().values(analysis_id=aid, since=simplified_since))
            return aid

    def analysis(self, analysis_id: int) -> Analysis | None:
        with self.engine.connect() as conn:
            r = conn.execute(sa.select(analyses).where(analyses.c.id == analysis_id)).first()
            if not r:
                return None
            files = conn.execute(sa.select(analysis_files).where(analysis_files.c.analysis_id == analysis_id)
                                 .order_by(analysis_files.c.position)).all()
            simplified = conn.execute(sa.select(analysis_options.c.regime_simplifie)
                                      .where(analysis_options.c.analysis_id == analysis_id)).scalar()
            since = conn.execute(sa.select(analysis_since.c.since)
                                 .where(analysis_since.c.analysis_id == analysis_id)).scalar()
        return Analysis(**r._mapping, files=[AnalysisFile(f.role, f.sha256, f.fmt, f.file_name, f.size)
                                             for f in files], simplified=simplified_of(simplified),
                        simplified_since=since)

    def recent(self, limit: int = 20, user: str | None = None) -> list[Analysis]:
        """The latest analyses, of one user only when `user` is given."""
        q = sa.select(analyses).order_by(analyses.c.id.desc()).limit(limit)
        if user is not None:
            q = q.where(analyses.c.user_name == user)
        with self.engine.connect() as conn:
            rows = conn.execute(q).all()
        return [Analysis(**r._mapping) for r in rows]

    def file_in_use(self, sha256: str) -> bool:
        """Whether an analysis holds this file (as its portfolio or its orders)."""
        q = sa.select(analyses.c.id).where(sa.or_(analyses.c.sha256 == sha256, analyses.c.orders_sha256 == sha256))
        other = sa.select(analysis_files.c.id).where(analysis_files.c.sha256 == sha256)
        with self.engine.connect() as conn:
            return (conn.execute(q.limit(1)).first() is not None or
                    conn.execute(other.limit(1)).first() is not None)

    def user_holds(self, user: str, sha256: str) -> bool:
        q = sa.select(analyses.c.id).where(analyses.c.user_name == user, sa.or_(
            analyses.c.sha256 == sha256, analyses.c.orders_sha256 == sha256))
        other = sa.select(analysis_files.c.id).join(analyses, analyses.c.id == analysis_files.c.analysis_id).where(
            analyses.c.user_name == user, analysis_files.c.sha256 == sha256)
        with self.engine.connect() as conn:
            return (conn.execute(q.limit(1)).first() is not None or
                    conn.execute(other.limit(1)).first() is not None)

    def user_storage(self, user: str) -> int:
        """Bytes of the distinct files held by one user's analyses."""
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(analyses.c.sha256, analyses.c.size, analyses.c.orders_sha256,
                                          analyses.c.orders_size).where(analyses.c.user_name == user)).all()
            others = conn.execute(sa.select(analysis_files.c.sha256, analysis_files.c.size).join(
                analyses, analyses.c.id == analysis_files.c.analysis_id).where(analyses.c.user_name == user)).all()
        sizes = {}
        for r in rows:
            sizes[r.sha256] = r.size
            if r.orders_sha256:
                sizes[r.orders_sha256] = r.orders_size or 0
        for r in others:
            sizes[r.sha256] = r.size
        return sum(sizes.values())

    def count_analyses(self) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(sa.select(sa.func.count()).select_from(analyses)).scalar_one())

    def add_proposal(self, *, result: dict, **values) -> int:
        values.setdefault("created_at", _now())
        if values.get("audit_id") is not None:
            values["audit_id"] = str(values["audit_id"])
        with self.engine.begin() as conn:
            return int(conn.execute(proposals.insert().values(
                result=json.dumps(result, ensure_ascii=False, default=str), **values)).inserted_primary_key[0])

    def proposal(self, proposal_id: int) -> ProposalRow | None:
        with self.engine.connect() as conn:
            r = conn.execute(sa.select(proposals).where(proposals.c.id == proposal_id)).first()
        if not r:
            return None
        d = dict(r._mapping)
        d["result"] = json.loads(d["result"])
        return ProposalRow(**d)

    def proposals_of(self, analysis_id: int) -> list[ProposalRow]:
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(proposals.c.id).where(proposals.c.analysis_id == analysis_id)
                                .order_by(proposals.c.id.desc())).all()
        return [self.proposal(r.id) for r in rows]
