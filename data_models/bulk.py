"""Fast bulk insert of many rows: executemany on SQLite, COPY on PostgreSQL.
Runs inside the caller's transaction, so a failure leaves nothing behind."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import Table
from sqlalchemy.orm import Session

from data_models.engine import mark_changed


def _sqlite_value(value):
    # The text formats SQLAlchemy's SQLite Date and Time types read back.
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time):
        return value.strftime("%H:%M:%S.%f")
    return value


def insert_rows(session: Session, table: Table, columns: Sequence[str],
                rows: Sequence[tuple]) -> int:
    if not rows:  # SQLite's driver would run the statement once, with no values
        return 0
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        mark_changed(connection)  # COPY goes past SQLAlchemy's statement events
        raw = connection.connection.driver_connection
        with raw.cursor() as cursor, cursor.copy(
            f"COPY {table.name} ({', '.join(columns)}) FROM STDIN"
        ) as copy:
            for row in rows:
                copy.write_row(row)
        return len(rows)
    placeholders = ", ".join("?" for _ in columns)
    statement = f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({placeholders})"
    connection.exec_driver_sql(statement, _sqlite_rows(rows, len(columns)))
    return len(rows)


def _sqlite_rows(rows: Sequence[tuple], width: int) -> list[tuple]:
    """Convert only the columns that hold dates or times, column by column: a per-value
    check over every cell costs more than the insert itself at 50 000 rows."""
    if not rows:
        return []
    columns = list(zip(*rows, strict=True))
    for index in range(width):
        sample = next((v for v in columns[index] if v is not None), None)
        if isinstance(sample, dt.date | dt.time):
            # Each distinct value once: an import's 50 000 rows hold a few hundred days.
            text = {value: _sqlite_value(value) for value in set(columns[index])}
            columns[index] = [text[v] for v in columns[index]]
    return list(zip(*columns, strict=True))
