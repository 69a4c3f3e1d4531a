"""Fast set-based reads and upserts: one statement each, whatever the number of rows.

PostgreSQL gets the fast paths: ratings stream out through binary COPY into a
NumPy array, and results go in as whole columns (``unnest`` of arrays) in one
``INSERT ... ON CONFLICT DO UPDATE``. Other databases (SQLite for ``make run``)
get plain queries and ``bulk_create``. Either way the number of queries does
not grow with the number of candidates.
"""

import json
import math
from collections.abc import Sequence

import numpy as np
from django.db import connection, models


def fetch_int_columns(sql: str, params: Sequence, width: int) -> np.ndarray:
    """Run a query whose ``width`` columns are non-null bigints; return an (n x width) int64 array.

    The first column should be an id that groups rows (the application id):
    PostgreSQL sends the rows in chunks keyed by it.
    """
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        return np.array(rows, dtype=np.int64).reshape(-1, width)

    # The server packs rows into big-endian int8 bytes, a few thousand first-column
    # values per chunk: a hundred messages instead of one per row, decoded by NumPy.
    columns = [f"c{i}" for i in range(width)]
    packed = " || ".join(f"int8send({column})" for column in columns)
    query = (
        f"SELECT string_agg({packed}, ''::bytea) FROM ({sql}) AS q ({', '.join(columns)}) "  # noqa: S608
        f"GROUP BY c0 / {CHUNK_KEYS}"
    )
    import psycopg

    connection.ensure_connection()
    with psycopg.Cursor(connection.connection) as cursor:
        cursor.execute(query, params, binary=True)
        chunks = [row[0] for row in cursor.fetchall()]
    # Decoded chunk by chunk into one array, each chunk released once copied: the peak is
    # about one copy of the data, not three (bytes, joined bytes, native-order array).
    values = np.empty(sum(len(chunk) for chunk in chunks) // 8, dtype=np.int64)
    position = 0
    for index, chunk in enumerate(chunks):
        count = len(chunk) // 8
        values[position : position + count] = np.frombuffer(chunk, dtype=">i8")
        position += count
        chunks[index] = None
    return values.reshape(-1, width)


CHUNK_KEYS = 2048


def _postgres_type(field: models.Field) -> str:
    if isinstance(field, models.ForeignKey | models.IntegerField):  # every integer goes in as bigint
        return "bigint"
    if isinstance(field, models.FloatField):
        return "double precision"
    if isinstance(field, models.BooleanField):
        return "boolean"
    if isinstance(field, models.JSONField):
        return "jsonb"
    if isinstance(field, models.DateTimeField):
        return "timestamptz"
    if isinstance(field, models.CharField | models.TextField):
        return "text"
    raise TypeError(f"no column type for {field!r}")


def upsert_columns(
    model: type[models.Model],
    *,
    columns: dict[str, list],
    unique_fields: list[str],
    constants: dict[str, object] | None = None,
) -> None:
    """Insert or update rows given column-wise, keyed by ``unique_fields``.

    ``columns`` maps field names (``application_id``...) to equal-length lists;
    floats may be NaN for NULL, JSON columns take JSON text, and nullable
    integer columns take None. ``constants`` are one value for every row.
    PostgreSQL: one ``INSERT ... SELECT FROM unnest(...) ON CONFLICT DO UPDATE``.
    """
    constants = constants or {}
    names = list(columns)
    length = len(columns[names[0]]) if names else 0
    if length == 0:
        return
    meta = model._meta
    if connection.vendor != "postgresql":
        rows = zip(*(columns[name] for name in names), strict=True)
        objects = []
        for row in rows:
            values = dict(zip(names, row, strict=True))
            for name, value in values.items():
                field = meta.get_field(name)
                if isinstance(field, models.FloatField) and value is not None and math.isnan(value):
                    values[name] = None
                elif isinstance(field, models.JSONField) and isinstance(value, str):
                    values[name] = json.loads(value)
            objects.append(model(**values, **constants))
        model.objects.bulk_create(
            objects,
            batch_size=2000,
            update_conflicts=True,
            unique_fields=unique_fields,
            update_fields=[name for name in [*names, *constants] if name not in unique_fields],
        )
        return

    quote = connection.ops.quote_name
    select, params = [], []
    for name in names:
        field = meta.get_field(name)
        kind = _postgres_type(field)
        source = "text" if kind == "jsonb" else kind
        expression = f"%s::{source}[]"
        select.append((name, field.column, kind, expression))
        params.append(columns[name])
    arrays = ", ".join(expression for _, _, _, expression in select)
    aliases = [f"c{i}" for i in range(len(select))]
    values = []
    for alias, (_, _, kind, _) in zip(aliases, select, strict=True):
        if kind == "double precision":
            values.append(f"NULLIF({alias}, 'NaN'::double precision)")
        elif kind == "jsonb":
            values.append(f"{alias}::jsonb")
        else:
            values.append(alias)
    constant_params = []
    for name, value in constants.items():
        field = meta.get_field(name)
        values.append(f"%s::{_postgres_type(field)}")
        constant_params.append(value)
    params = constant_params + params  # the SELECT list's placeholders come before FROM unnest(...)
    column_names = [field_column for _, field_column, _, _ in select] + [
        meta.get_field(n).column for n in constants
    ]
    unique_columns = [meta.get_field(name).column for name in unique_fields]
    updates = ", ".join(f"{quote(c)} = EXCLUDED.{quote(c)}" for c in column_names if c not in unique_columns)
    sql = (
        f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(c) for c in column_names)}) "  # noqa: S608
        f"SELECT {', '.join(values)} FROM unnest({arrays}) AS input ({', '.join(aliases)}) "
        f"ON CONFLICT ({', '.join(quote(c) for c in unique_columns)}) DO UPDATE SET {updates}"
    )
    # Identifiers come from the model's metadata and are quoted; values are bound parameters.
    execute_bound(sql, params)


def execute_bound(sql: str, params: Sequence) -> None:
    """Execute with server-side, binary parameter binding (PostgreSQL).

    Django's cursors bind on the client, quoting every array element into the
    SQL text; for columns of 100,000s of values the binary path is far faster.
    Runs on Django's connection, inside its current transaction.
    """
    import psycopg

    connection.ensure_connection()
    with psycopg.Cursor(connection.connection) as cursor:
        cursor.execute(sql, params, binary=True)


_COPY_SIGNATURE = b"PGCOPY\n\xff\r\n\x00" + b"\x00\x00\x00\x00" + b"\x00\x00\x00\x00"
_COPY_TYPES = {"bigint": ">i8", "double precision": ">f8", "boolean": "?"}


def copy_into_temp_table(cursor, table: str, columns: dict[str, tuple[str, np.ndarray]]) -> None:
    """Create a temporary table and fill it with NumPy columns through binary COPY.

    ``columns`` maps a column name to (``bigint`` | ``double precision`` |
    ``boolean``, 1-D array). The COPY payload is assembled by NumPy in one
    buffer: no Python object per row or value. Values must not be NULL (use
    NaN or a sentinel, and NULLIF when reading the table). The table is
    dropped at commit.
    """
    quote = connection.ops.quote_name
    names = list(columns)
    length = len(next(iter(columns.values()))[1])
    layout = [("count", ">i2")]
    for i, name in enumerate(names):
        layout += [(f"l{i}", ">i4"), (f"v{i}", _COPY_TYPES[columns[name][0]])]
    rows = np.zeros(length, dtype=np.dtype(layout))
    rows["count"] = len(names)
    for i, name in enumerate(names):
        kind, values = columns[name]
        rows[f"l{i}"] = np.dtype(_COPY_TYPES[kind]).itemsize
        rows[f"v{i}"] = values
    definition = ", ".join(f"{quote(name)} {columns[name][0]}" for name in names)
    cursor.execute(f"DROP TABLE IF EXISTS {quote(table)}")
    cursor.execute(f"CREATE TEMPORARY TABLE {quote(table)} ({definition}) ON COMMIT DROP")
    payload = memoryview(rows.tobytes())
    with cursor.cursor.copy(
        f"COPY {quote(table)} ({', '.join(quote(n) for n in names)}) FROM STDIN (FORMAT BINARY)"
    ) as copy:
        copy.write(_COPY_SIGNATURE)
        step = 8 * 1024 * 1024
        for start in range(0, len(payload), step):
            copy.write(payload[start : start + step])
        copy.write(b"\xff\xff")


def copy_text_into_temp_table(cursor, table: str, definition: str, lines: list[str]) -> None:
    """Create a temporary table and fill it through text COPY from tab-separated ``lines``.

    For columns NumPy cannot lay out in binary (JSON text). Values must not
    contain tabs, newlines or backslashes (JSON of numbers and slugs does not).
    """
    quote = connection.ops.quote_name
    cursor.execute(f"DROP TABLE IF EXISTS {quote(table)}")
    cursor.execute(f"CREATE TEMPORARY TABLE {quote(table)} ({definition}) ON COMMIT DROP")
    with cursor.cursor.copy(f"COPY {quote(table)} FROM STDIN") as copy:
        copy.write("".join(lines))
