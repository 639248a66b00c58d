"""Database handle: Flask-SQLAlchemy with a typed declarative ``Base``."""

from __future__ import annotations

from datetime import UTC, datetime

from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import DateTime, MetaData
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


db = SQLAlchemy(model_class=Base)


def utcnow() -> datetime:
    """Timezone-aware now in UTC (use as a callable default, never evaluated at import)."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """Stores naive UTC, returns aware UTC datetimes on SQLite and PostgreSQL alike."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column; use loket.db.utcnow()")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def paginate(stmt, page: int = 1, per_page: int = 25):
    """One page of ``stmt`` (page numbers below 1 mean the first page; at most 100 rows a page)."""
    return db.paginate(stmt, page=max(1, page), per_page=per_page, error_out=False, max_per_page=100)


def engine_options(url: str, options: dict | None = None) -> dict:
    """SQLAlchemy engine options for ``url``: pre-ping pooled connections; on PostgreSQL switch JIT
    compilation off (short OLTP queries pay its start-up cost: 600 ms of a 1 s map query was JIT)."""
    opts = {"pool_pre_ping": True, **(options or {})}
    if url.startswith("postgresql"):
        connect = dict(opts.get("connect_args") or {})
        connect.setdefault("options", "-c jit=off")
        opts["connect_args"] = connect
    return opts
