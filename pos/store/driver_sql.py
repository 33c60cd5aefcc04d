"""Hot-path statements run on the SQLite driver's cursor, inside the session's transaction.

Completing a sale writes about ten rows in one transaction. Through SQLAlchemy's
execution machinery each statement costs about 80 µs of Python on top of SQLite's own
work, most of the till's overhead over plain ``sqlite3`` (``kaunta bench store``,
``sale_commit_ratio``). A :class:`DriverStatement` is a Core statement compiled once for
the connection's dialect; it keeps SQLAlchemy's own bind processors (``UTCDateTime`` and
the SQLite date-time format, booleans), so the stored values are byte for byte what the
Core path writes (``tests/store/test_store_driver_sql.py`` compares the two), and runs the
SQL with the driver's ``executemany`` on the connection of the current transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from operator import itemgetter
from typing import Any

from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.orm import Session
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.compiler import SQLCompiler

Processor = Callable[[Any], Any]
#: a row (dict by bind name) to the driver's positional values, processors applied
Converter = Callable[[Mapping[str, Any]], Sequence[Any]]


def _converter(plan: tuple[tuple[str, Processor | None], ...]) -> Converter:
    """One row's values in bind order: an ``itemgetter`` for all of them, then the few
    bind processors (dates, booleans) at their places. A sale's commit converts about 180
    values, so this is kept to C-level work where it can be."""
    if not plan:
        return lambda row: ()
    get = itemgetter(*(name for name, _ in plan))
    single = len(plan) == 1
    fixes = tuple((i, proc) for i, (_, proc) in enumerate(plan) if proc is not None)

    def convert(row: Mapping[str, Any]) -> Sequence[Any]:
        got = get(row)
        values = (got,) if single else got
        if not fixes:
            return values
        out = list(values)
        for i, proc in fixes:
            out[i] = proc(out[i])
        return out

    return convert


#: session.info key: (root transaction, dialect, DBAPI connection) of the current one
_DRIVER = "kaunta.driver_connection"


def driver_connection(session: Session) -> tuple[Dialect, Any]:
    """The dialect and DBAPI connection of the session's current transaction.

    ``Session.connection()`` walks SQLAlchemy's transaction machinery on each call (about
    30 µs); a sale's commit runs a dozen driver statements, so the answer is kept for the
    transaction it belongs to (a new transaction, or none, looks it up again)."""
    tx = session.get_transaction()
    cached = session.info.get(_DRIVER)
    if tx is not None and cached is not None and cached[0] is tx:
        return cached[1], cached[2]
    conn: Connection = session.connection()
    entry = (session.get_transaction(), conn.dialect, conn.connection.driver_connection)
    session.info[_DRIVER] = entry
    return entry[1], entry[2]


class DriverStatement:
    """One INSERT/UPDATE/DELETE, compiled on first use, run on the raw cursor."""

    def __init__(self, statement: ClauseElement, *, insert: bool) -> None:
        """``insert``: the statement is an INSERT whose columns are the keys of the rows
        given (the same keys every time, as the Core path would compile them)."""
        self._statement = statement
        self._insert = insert
        self._keys: tuple[str, ...] | None = None
        self._compiled: tuple[Dialect, str, Converter] | None
        self._compiled = None
        #: columns the rows leave out that the compiled INSERT still binds: their Python-side
        #: scalar defaults, which Connection.execute would fill in
        self._defaults: dict[str, Any] = {}

    def _scalar_default(self, name: str) -> Any:
        table = getattr(self._statement, "table", None)
        column = table.c[name] if table is not None and name in table.c else None
        default = column.default if column is not None else None
        if default is None or not default.is_scalar:
            raise ValueError(f"column {name} needs a value: it has no plain default")
        return default.arg

    def _compile(self, dialect: Dialect, keys: tuple[str, ...]) -> tuple[str, Converter]:
        if self._compiled is not None and self._compiled[0] is dialect:
            if self._insert and keys != self._keys:
                raise ValueError(f"rows with columns {keys}, compiled for {self._keys}")
            return self._compiled[1], self._compiled[2]
        self._keys = keys
        compiled = self._statement.compile(
            dialect=dialect, column_keys=list(keys) if self._insert else None
        )
        if not isinstance(compiled, SQLCompiler):
            raise TypeError(f"not a SQL statement: {self._statement!r}")
        order = compiled.positiontup
        if order is None:
            raise ValueError(f"{dialect.name} does not use positional parameters")
        # SQLAlchemy's own processors for these binds (TypeDecorators included), so the
        # values are converted exactly as Connection.execute converts them
        processors = compiled._bind_processors
        plan: list[tuple[str, Processor | None]] = []
        self._defaults = {}
        for name in order:
            proc = processors.get(name)
            if proc is not None and not callable(proc):  # per-element (tuple types): unused
                raise TypeError(f"{name}: a bind processor per element is not supported")
            plan.append((name, proc))
            if self._insert and name not in keys:
                self._defaults[name] = self._scalar_default(name)
        convert = _converter(tuple(plan))
        self._compiled = (dialect, compiled.string, convert)
        return compiled.string, convert

    def _run(self, session: Session, rows: Sequence[Mapping[str, Any]]) -> Any:
        """The driver cursor after running the statement once per row (the caller closes it)."""
        dialect, driver = driver_connection(session)
        sql, convert = self._compile(dialect, tuple(rows[0]))
        if self._defaults:
            rows = [{**self._defaults, **row} for row in rows]
        values = [convert(row) for row in rows]
        cursor = driver.cursor()
        try:
            if len(values) == 1:
                cursor.execute(sql, values[0])
            else:
                cursor.executemany(sql, values)
        except BaseException:
            cursor.close()
            raise
        return cursor

    def first(self, session: Session, params: Mapping[str, Any]) -> tuple[Any, ...] | None:
        """A SELECT's first row as the driver returns it (plain str/int/float/bytes/None:
        the result side gets no type processing, so select only such columns)."""
        cursor = self._run(session, [params])
        try:
            row = cursor.fetchone()
        finally:
            cursor.close()
        return None if row is None else tuple(row)

    def execute(self, session: Session, rows: Sequence[Mapping[str, Any]]) -> None:
        """Run the statement once per row (``rows`` are dicts keyed by column or bind
        name), in the session's current transaction."""
        if not rows:
            return
        self._run(session, rows).close()
