"""Bulk loading for the data generators: COPY on PostgreSQL, executemany elsewhere; the names and
languages their synthetic people are drawn from."""

from django.db import connection
from psycopg import sql

# 34 languages; weights in per cent of the backlog (French about 85 %).
LANGUAGES = [
    ("fr", 85.0), ("ar", 3.0), ("en", 1.5), ("pt", 1.3), ("tr", 1.0), ("ro", 0.9), ("zh", 0.8),
    ("snk", 0.6), ("ta", 0.5), ("es", 0.5), ("ru", 0.45), ("wo", 0.4), ("bm", 0.4), ("it", 0.35),
    ("ln", 0.3), ("kab", 0.3), ("fa", 0.25), ("ps", 0.25), ("ur", 0.2), ("bn", 0.2), ("vi", 0.2),
    ("pl", 0.15), ("de", 0.15), ("uk", 0.15), ("ka", 0.12), ("hy", 0.1), ("sq", 0.1), ("sr", 0.1),
    ("ku", 0.1), ("ti", 0.1), ("so", 0.08), ("ff", 0.08), ("ht", 0.06), ("mfe", 0.06),
]  # fmt: skip

FIRST_NAMES = ["Camille", "Lucas", "Inès", "Mohamed", "Léa", "Yanis", "Aïcha", "Hugo", "Fatou",
               "Nathan", "Chloé", "Karim", "Manon", "Moussa", "Sarah", "Adam", "Mei", "Ana", "Emre",
               "Ioana", "Priya", "Jules", "Awa", "Rayan"]  # fmt: skip
LAST_NAMES = ["Martin", "Bernard", "Diallo", "Nguyen", "Da Silva", "Benali", "Traoré", "Petit",
              "Dubois", "Yilmaz", "Popescu", "Wang", "Sivakumar", "Moreau", "Fofana", "Laurent",
              "Haddad", "Cissé", "Garcia", "Rossi", "Kone", "Roux"]  # fmt: skip


class Table:
    """The rows of one model: the columns given, then every other column at its default."""

    def __init__(self, model, columns: list[str]):
        self.model = model
        fields = model._meta.concrete_fields
        known = {f.column for f in fields}
        unknown = set(columns) - known
        if unknown:
            raise ValueError(f"{model._meta.db_table}: no column {sorted(unknown)}")
        self.columns = list(columns)
        self.extra: tuple = ()
        for f in fields:
            if f.column in columns:
                continue
            default = f.get_default()  # "" for a text field without one
            if default is None and not f.null:
                raise ValueError(
                    f"{model._meta.db_table}.{f.column} has no default: the generator must fill it"
                )
            self.columns.append(f.column)
            self.extra += (
                f.get_db_prep_save(default, connection) if default is not None else None,
            )
        self.rows: list[tuple] = []

    def add(self, *values) -> None:
        self.rows.append(values + self.extra)

    def flush(self) -> int:
        rows, self.rows = self.rows, []
        if not rows:
            return 0
        table = self.model._meta.db_table
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
                    sql.Identifier(table), sql.SQL(", ").join(map(sql.Identifier, self.columns))
                )
                with cursor.cursor.copy(statement) as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                quoted = ", ".join(connection.ops.quote_name(c) for c in self.columns)
                marks = ", ".join(["%s"] * len(self.columns))
                cursor.executemany(
                    f"INSERT INTO {connection.ops.quote_name(table)} ({quoted}) VALUES ({marks})",
                    rows,
                )
        return len(rows)


def next_id(model) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT COALESCE(MAX(id), 0) FROM {connection.ops.quote_name(model._meta.db_table)}"
        )
        return cursor.fetchone()[0] + 1


def sync_sequence(model) -> None:
    if connection.vendor != "postgresql":
        return
    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence(%s, 'id'),"
            f" (SELECT COALESCE(MAX(id), 0) + 1 FROM {table}), false)",
            [table],
        )
