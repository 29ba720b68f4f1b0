"""Reading screening runs: the organisation's list, and one run's findings a page at a time."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from coordination.accounts.models import User
from coordination.core.paging import Page, paginate
from coordination.screening.access import restrict_runs
from coordination.screening.models import ScreeningRun

FINDINGS_PER_PAGE = 50


def list_runs(viewer: User, page: int) -> Page[ScreeningRun]:
    return paginate(restrict_runs(select(ScreeningRun), viewer).order_by(ScreeningRun.created_at.desc()), page)


@dataclass(frozen=True)
class FindingsPage:
    items: list[dict]
    page: int
    pages: int
    total: int


def findings_page(flagged: list[dict], page: int) -> FindingsPage:
    """Flagged accounts are kept highest score first; a page is a slice of that order."""
    pages = max(1, -(-len(flagged) // FINDINGS_PER_PAGE))
    page = min(max(page, 1), pages)
    start = (page - 1) * FINDINGS_PER_PAGE
    return FindingsPage(flagged[start : start + FINDINGS_PER_PAGE], page, pages, len(flagged))
