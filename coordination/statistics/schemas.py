"""The statistics API's query string and response, validated and described by pydantic."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from coordination.policy import statistics_policy


class StatsQuery(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True, str_strip_whitespace=True)
    from_: date = Field(alias="from", description="First day of the period (YYYY-MM-DD, WIB), included")
    to: date = Field(description="Last day of the period (YYYY-MM-DD, WIB), included")
    group_by: str = Field(
        default="typology",
        max_length=200,
        description="Comma-separated dimensions: typology, indicator, channel, province, quarter, org_kind",
    )

    @field_validator("to")
    @classmethod
    def _not_before_from(cls, value: date, info: ValidationInfo) -> date:
        start = info.data.get("from_")
        if start is not None and value < start:
            raise ValueError("must not be before 'from'")
        return value

    @field_validator("group_by")
    @classmethod
    def _known_dimensions(cls, value: str) -> str:
        policy = statistics_policy()
        dims = [d.strip() for d in value.split(",") if d.strip()]
        unknown = [d for d in dims if d not in policy.dimensions]
        if unknown:
            raise ValueError(f"unknown dimension {unknown[0]!r}; allowed: {', '.join(policy.dimensions)}")
        if not dims or len(dims) != len(set(dims)) or len(dims) > policy.max_dimensions:
            raise ValueError(f"give 1 to {policy.max_dimensions} different dimensions")
        return ",".join(dims)

    @property
    def dims(self) -> tuple[str, ...]:
        return tuple(self.group_by.split(","))

    def as_params(self) -> dict[str, str]:
        return {"from": self.from_.isoformat(), "to": self.to.isoformat(), "group_by": self.group_by}


Shown = int | str  # a count, or "<5" when the cell is hidden


class StatsRowOut(BaseModel):
    """One cell: its dimension values (one key per group_by dimension) and its figures."""

    model_config = ConfigDict(extra="allow")
    alerts: Shown
    cases: Shown
    referrals: Shown
    amount_sum: Decimal | None = Field(description="IDR; null when withheld or no payments")
    amount_median: Decimal | None


class OutcomeOut(BaseModel):
    recipient_kind: str
    referrals: Shown
    accepted: Shown
    declined: Shown
    responded: Shown
    median_hours_to_first_response: float | None


class StatsOut(BaseModel):
    rows: list[StatsRowOut]
    suppressed_cells: int = Field(description="Hidden counts in rows, by primary and secondary suppression")
    min_cell: int
    group_by: list[str]
    period: dict[str, date]
    scope: Literal["national", "organisation"]
    totals: StatsRowOut
    referral_outcomes: list[OutcomeOut]
