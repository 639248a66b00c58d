"""Database handle: Flask-SQLAlchemy with a typed declarative ``Base``."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import DateTime, MetaData, String, event, inspect
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import DeclarativeBase, Session
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


class ValueTooLong(ValueError):
    """A string does not fit its column (or holds a NUL byte); raised at flush, before the database
    sees it, so SQLite and PostgreSQL refuse the same values with the same clear message."""

    def __init__(self, table: str, column: str, length: int | None, problem: str) -> None:
        super().__init__(f"{table}.{column}: {problem}")
        self.table, self.column, self.length, self.problem = table, column, length, problem


def _fit_strings(session, flush_context, instances) -> None:
    """Before each flush: cut generated strings (columns with ``info={"cut": True}``) to their
    length and drop NUL bytes from them; refuse any other over-long or NUL-holding string."""
    for obj in (*session.new, *session.dirty):
        state = inspect(obj)
        for column in state.mapper.columns:
            if not isinstance(column.type, String):
                continue
            key = state.mapper.get_property_by_column(column).key
            value = state.dict.get(key)  # only loaded or set values: no extra queries
            if not isinstance(value, str):
                continue
            length = getattr(column.type, "length", None)
            too_long = length is not None and len(value) > length
            if not too_long and "\x00" not in value:
                continue
            table = column.table.name
            if column.info.get("cut"):
                value = value.replace("\x00", "")
                if length is not None and len(value) > length:
                    value = value[: length - 1].rstrip() + "…"
                setattr(obj, key, value)
            elif "\x00" in value:
                raise ValueTooLong(table, column.name, length, "bevat een NUL-teken")
            else:
                raise ValueTooLong(table, column.name, length, f"mag hoogstens {length} tekens bevatten")


event.listen(Session, "before_flush", _fit_strings)


def database_unavailable(exc: BaseException | None) -> bool:
    """True for errors that mean "the database cannot be reached", not "this statement is wrong"."""
    if isinstance(exc, OperationalError | InterfaceError | PoolTimeout):
        return True
    return isinstance(exc, DBAPIError) and bool(exc.connection_invalidated)


def safe_rollback() -> None:
    """Roll the session back; a dead connection must not turn an error page into another error."""
    try:
        db.session.rollback()
    except Exception:  # noqa: BLE001
        logging.getLogger(__name__).debug("rollback failed while the database is unavailable", exc_info=True)
