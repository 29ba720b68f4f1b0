"""One way to page a restricted list: a COUNT(*) over the same filter, then one page of rows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, func

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
