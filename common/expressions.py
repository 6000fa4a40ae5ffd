"""Database expressions the ORM lacks, written for PostgreSQL and SQLite alike."""

from django.db.models import F, FloatField, Func


class SecondsBetween(Func):
    """`SecondsBetween("ended_at", "started_at")`: the first datetime minus the second, in
    seconds as a float (aggregates over it, Avg or StdDev, stay in the database)."""

    output_field = FloatField()
    arg_joiner = " - "
    template = "EXTRACT(EPOCH FROM (%(expressions)s))::double precision"

    def __init__(self, later: str, earlier: str, **extra) -> None:
        super().__init__(F(later), F(earlier), **extra)

    def as_sqlite(self, compiler, connection, **extra_context):
        # SQLite keeps datetimes as text: julianday() reads them, in days.
        return self.as_sql(
            compiler,
            connection,
            template="((julianday(%(expressions)s)) * 86400.0)",
            arg_joiner=") - julianday(",
            **extra_context,
        )
