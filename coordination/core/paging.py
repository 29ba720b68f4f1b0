"""One way to page a restricted list: a COUNT(*) over the same filter, then one page of rows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import ColumnElement, Select, false, func, select, union

from coordination.core.db import get_session

T = TypeVar("T")
PAGE_SIZE = 50


@dataclass
class Page(Generic[T]):
    items: list[T]
    total: int
    page: int
    pages: int


def paginate(
    query: Select, page: int, *, rows: bool = False, page_size: int = PAGE_SIZE, count: int | None = None
) -> Page[Any]:
    """`query` must already be restricted to what the viewer may see and ordered.

    COUNT(*) (not COUNT(id)) lets SQLite and PostgreSQL answer from an index alone; a caller
    whose page query is narrowed for speed passes the count of the whole list.
    """
    session = get_session()
    total = count if count is not None else session.scalar(query.with_only_columns(func.count()).order_by(None)) or 0
    pages = max(1, -(-total // page_size))
    page = min(max(1, page), pages)
    window = query.offset((page - 1) * page_size).limit(page_size)
    items = [tuple(r) for r in session.execute(window)] if rows else list(session.scalars(window))
    return Page(items, total, page, pages)


def newest_first(model: Any, query: Select, conditions: list[ColumnElement[bool]], page: int) -> Page[Any]:
    """A page of `query` (already restricted: rows matching any of `conditions`), newest first.

    Sorting every visible row to show the newest fifty is what makes a busy inbox slow. Instead
    each condition is read as its own index scan, newest first, stopping after the rows the page
    needs; only those candidates are sorted. The restriction in `query` still applies on top, so
    this can narrow the rows but never widen them. `model` needs `id` and `created_at`.
    """
    session = get_session()
    total = session.scalar(query.with_only_columns(func.count()).order_by(None)) or 0
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(1, page), pages)
    branches = [
        select(model.id, model.created_at)
        .where(condition)
        .order_by(model.created_at.desc())
        .limit(page * PAGE_SIZE)
        .subquery()
        .select()
        for condition in conditions or [false()]
    ]
    newest = (union(*branches) if len(branches) > 1 else branches[0]).subquery()
    # The page's ids first, then its rows: a plan that never depends on the planner guessing
    # how many rows the visibility filter keeps (after a bulk load its statistics are stale).
    ids = list(
        session.scalars(
            select(newest.c.id)
            .order_by(newest.c.created_at.desc(), newest.c.id)
            .offset((page - 1) * PAGE_SIZE)
            .limit(PAGE_SIZE)
        )
    )
    rows = session.scalars(query.where(model.id.in_(ids)).order_by(model.created_at.desc(), model.id))
    return Page(list(rows), total, page, pages)
