"""Fast set-based reads and upserts: COPY on PostgreSQL, plain queries elsewhere.

Both functions make a fixed number of queries whatever the number of rows, so
the batch recompute's query count does not grow with the number of candidates.
"""

from collections.abc import Sequence

import numpy as np
from django.db import connection, models

# Binary COPY layout of one row of ``width`` bigint columns: a 16-bit field
# count, then per field a 32-bit length and the 64-bit value (big-endian).
_BINARY_HEADER = 19  # signature (11), flags (4), header extension length (4)
_BINARY_TRAILER = 2  # the -1 field count that ends the data


def fetch_int_columns(sql: str, params: Sequence, width: int) -> np.ndarray:
    """Run a query whose ``width`` columns are non-null integers; return an (n x width) int64 array.

    On PostgreSQL the result streams through binary COPY and is decoded by
    NumPy without a Python object per row; columns must be cast to bigint.
    """
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        return np.array(rows, dtype=np.int64).reshape(-1, width)

    row_dtype = np.dtype(
        [("count", ">i2")] + [item for i in range(width) for item in ((f"l{i}", ">i4"), (f"v{i}", ">i8"))]
    )
    chunks = []
    with connection.cursor() as cursor:
        query = cursor.cursor.mogrify(sql, params)  # COPY takes no parameters: bind them client-side
        with cursor.cursor.copy(f"COPY ({query}) TO STDOUT (FORMAT BINARY)") as copy:
            for chunk in copy:
                chunks.append(bytes(chunk))
    data = b"".join(chunks)
    body = data[_BINARY_HEADER : len(data) - _BINARY_TRAILER]
    records = np.frombuffer(body, dtype=row_dtype)
    if len(records) and (records["count"] != width).any():
        raise ValueError("unexpected COPY row layout")
    return (
        np.stack([records[f"v{i}"].astype(np.int64) for i in range(width)], axis=1)
        if len(records)
        else (np.empty((0, width), dtype=np.int64))
    )


def upsert(
    model: type[models.Model], *, fields: list[str], unique_fields: list[str], rows: list[tuple]
) -> None:
    """Insert or update ``rows`` (tuples in ``fields`` order) keyed by ``unique_fields``.

    PostgreSQL: COPY into a temporary table, then one INSERT ... ON CONFLICT DO
    UPDATE. Other databases: ``bulk_create(update_conflicts=True)``. Call it
    inside a transaction.
    """
    if not rows:
        return
    if connection.vendor != "postgresql":
        objects = [model(**dict(zip(fields, row, strict=True))) for row in rows]
        model.objects.bulk_create(
            objects,
            batch_size=2000,
            update_conflicts=True,
            unique_fields=unique_fields,
            update_fields=[f for f in fields if f not in unique_fields],
        )
        return

    from psycopg.types.json import Jsonb

    meta = model._meta
    columns = [meta.get_field(name).column for name in fields]
    json_positions = [
        i for i, name in enumerate(fields) if isinstance(meta.get_field(name), models.JSONField)
    ]
    table = connection.ops.quote_name(meta.db_table)
    temp = connection.ops.quote_name(f"upsert_{meta.db_table}")
    column_list = ", ".join(connection.ops.quote_name(c) for c in columns)
    conflict = ", ".join(connection.ops.quote_name(meta.get_field(f).column) for f in unique_fields)
    updates = ", ".join(
        f"{connection.ops.quote_name(c)} = EXCLUDED.{connection.ops.quote_name(c)}"
        for name, c in zip(fields, columns, strict=True)
        if name not in unique_fields
    )
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {temp}")
        cursor.execute(
            # Identifiers come from the model's metadata, quoted; no user input reaches this SQL.
            f"CREATE TEMPORARY TABLE {temp} ON COMMIT DROP AS SELECT {column_list} FROM {table} WITH NO DATA"  # noqa: S608
        )
        with cursor.cursor.copy(f"COPY {temp} ({column_list}) FROM STDIN") as copy:
            for row in rows:
                if json_positions:
                    row = list(row)
                    for position in json_positions:
                        row[position] = Jsonb(row[position])
                copy.write_row(row)
        cursor.execute(
            f"INSERT INTO {table} ({column_list}) SELECT {column_list} FROM {temp} "  # noqa: S608
            f"ON CONFLICT ({conflict}) DO UPDATE SET {updates}"
        )
        cursor.execute(f"DROP TABLE {temp}")
