"""Reading one value out of a JSON document stored as text, in SQL, on SQLite and PostgreSQL
alike (so an export of every case need not load each case's whole screening result)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import String
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement


class json_text(FunctionElement):  # noqa: N801 - used like a SQL function
    """``json_text(column, "screening", "verdict")``: the text at that path, or NULL."""

    type = String()
    inherit_cache = True

    def __init__(self, column: Any, *path: str) -> None:
        self.path = path
        super().__init__(column)


def _path_ok(path: tuple[str, ...]) -> None:
    if not all(part.isidentifier() for part in path):
        raise ValueError(f"JSON path parts must be plain names: {path!r}")


@compiles(json_text, "sqlite")
def _sqlite(element: json_text, compiler, **kw) -> str:
    _path_ok(element.path)
    column = compiler.process(element.clauses, **kw)
    return f"json_extract({column}, '$.{'.'.join(element.path)}')"


@compiles(json_text, "postgresql")
def _postgresql(element: json_text, compiler, **kw) -> str:
    _path_ok(element.path)
    column = compiler.process(element.clauses, **kw)
    return f"(CAST({column} AS JSON) #>> '{{{','.join(element.path)}}}')"
