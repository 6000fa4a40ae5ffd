"""Querysets compiled once per process: for the reads of the call loop, run at every request
with only their parameters changing. Django builds a queryset's SQL, and the plan of turning
its rows into instances (select_related, annotations, converters), again at every evaluation;
for a read joining four tables that is most of the request's CPU (bench/README.md). A
CompiledQuery asks Django once per database alias, then runs the same SQL with the call's
values and builds the instances as Django's ModelIterable does."""

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.db import connections
from django.db.models import Model, QuerySet
from django.db.models.query import (  # type: ignore[attr-defined]
    ModelIterable,
    ValuesListIterable,
    get_related_populators,
)
from django.db.transaction import TransactionManagementError

M = TypeVar("M")

# What stands for each parameter while Django compiles the queryset: values no call passes,
# found again among the compiled parameters by equality.
_MARKERS: dict[type, Callable[[int], Any]] = {
    str: lambda i: f"\x00compiled-query-parameter-{i}\x00",
    int: lambda i: -(2**62) - i,
}


@dataclass(frozen=True)
class _Plan:
    sql: str
    params: tuple
    positions: tuple[int, ...]
    locks: bool
    col_count: int
    converters: tuple
    model: type[Model]
    init_list: tuple[str, ...]
    fields_start: int
    fields_end: int
    related_populators: tuple
    annotation_col_map: dict[str, int]
    # values_list(): tuples of the selected columns (Django 5.2 selects them in the order the
    # queryset names them) rather than instances.
    values: bool = False


class CompiledQuery(Generic[M]):
    """`build(*markers)` returns the queryset, with the parameters in it; `types` are their
    types (str or int). `all(*values)` runs it with those values. The queryset may use
    select_related, annotations, select_for_update and values_list() (tuples), but not
    prefetch_related (nothing more than its one statement is run)."""

    def __init__(self, build: Callable[..., QuerySet[Any, Any]], *types: type) -> None:
        self.build = build
        self.types = types
        self._plans: dict[str, _Plan] = {}
        self._lock = threading.Lock()

    def _plan(self, alias: str) -> _Plan:
        plan = self._plans.get(alias)
        if plan is None:
            with self._lock:
                plan = self._plans.get(alias) or self._compile(alias)
                self._plans[alias] = plan
        return plan

    def _compile(self, alias: str) -> _Plan:
        markers = [_MARKERS[kind](i) for i, kind in enumerate(self.types)]
        queryset = self.build(*markers).using(alias)
        if queryset._prefetch_related_lookups:  # type: ignore[attr-defined]
            raise ValueError("A CompiledQuery runs one statement: no prefetch_related.")
        _refuse_lock_outside_transaction(queryset.query.select_for_update, alias)
        compiler = queryset.query.get_compiler(using=alias)
        sql, params = compiler.as_sql()
        positions = []
        for marker in markers:
            found = [i for i, value in enumerate(params) if value == marker]
            if len(found) != 1:
                raise ValueError(f"A parameter of {self.build} appears {len(found)} times.")
            positions.append(found[0])
        select, klass_info = compiler.select, compiler.klass_info
        converters = compiler.get_converters([s[0] for s in select[: compiler.col_count]])
        common = {
            "sql": sql,
            "params": tuple(params),
            "positions": tuple(positions),
            "locks": queryset.query.select_for_update,
            "col_count": compiler.col_count,
            "converters": tuple(converters.items()),
            "model": queryset.model,
        }
        if queryset._iterable_class is not ModelIterable:
            if queryset._iterable_class is not ValuesListIterable:
                raise ValueError(
                    "A CompiledQuery gives instances or values_list() tuples, no other."
                )
            return _Plan(
                **common,
                init_list=(),
                fields_start=0,
                fields_end=0,
                related_populators=(),
                annotation_col_map={},
                values=True,
            )
        fields = klass_info["select_fields"]
        start, end = fields[0], fields[-1] + 1
        return _Plan(
            **common,
            init_list=tuple(f[0].target.attname for f in select[start:end]),
            fields_start=start,
            fields_end=end,
            related_populators=tuple(get_related_populators(klass_info, select, alias)),
            annotation_col_map=dict(compiler.annotation_col_map),
        )

    def all(self, *values: Any, using: str = "default") -> list[M]:
        """The instances the queryset would give with these values, in its order."""
        plan = self._plan(using)
        _refuse_lock_outside_transaction(plan.locks, using)
        connection = connections[using]
        params = list(plan.params)
        for position, value in zip(plan.positions, values, strict=True):
            params[position] = value
        with connection.cursor() as cursor:
            cursor.execute(plan.sql, params)
            rows = cursor.fetchall()
        found: list[M] = []
        for fetched in rows:
            row = list(fetched[: plan.col_count])
            for position, (convs, expression) in plan.converters:
                value = row[position]
                for converter in convs:
                    value = converter(value, expression, connection)
                row[position] = value
            if plan.values:
                found.append(tuple(row))  # type: ignore[arg-type]
                continue
            obj: Any = plan.model.from_db(
                using, plan.init_list, row[plan.fields_start : plan.fields_end]
            )
            for populator in plan.related_populators:
                populator.populate(row, obj)
            for name, position in plan.annotation_col_map.items():
                setattr(obj, name, row[position])
            found.append(obj)
        return found

    def get(self, *values: Any, using: str = "default") -> M:
        """The one instance, as QuerySet.get(); the model's DoesNotExist if there is none."""
        found = self.all(*values, using=using)
        if len(found) == 1:
            return found[0]
        model: Any = self._plan(using).model
        if not found:
            raise model.DoesNotExist(f"{model._meta.object_name} matching query does not exist.")
        raise model.MultipleObjectsReturned(
            f"get() returned {len(found)} {model._meta.object_name}."
        )


def _refuse_lock_outside_transaction(locks: bool, alias: str) -> None:
    """As Django does: a lock taken in autocommit would be released at once (a database that
    cannot lock rows, SQLite, ignores select_for_update)."""
    connection = connections[alias]
    if locks and connection.features.has_select_for_update and connection.get_autocommit():
        raise TransactionManagementError(
            "select_for_update cannot be used outside of a transaction."
        )
