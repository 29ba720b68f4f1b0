"""What screening hands back: flagged accounts, each with the indicators that fired and why."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class IndicatorHit:
    id: str  # indicator id from the policy
    tx_ids: tuple[str, ...]  # evidence transactions, sorted
    explanation: str  # what was seen, in English, numbers written the Indonesian way ("Rp 75.000")
    explanation_id: str = ""  # the same in Bahasa Indonesia

    def to_json(self) -> dict:
        return {"id": self.id, "tx_ids": list(self.tx_ids), "explanation": self.explanation}


@dataclass(frozen=True)
class FlaggedAccount:
    account: str
    score: int
    indicators: tuple[IndicatorHit, ...]  # by weight descending, then id
    name: str | None = None  # most frequent name seen for the account
    country: str | None = None
    birth_date: date | None = None

    def to_json(self, *, with_identity: bool = False) -> dict:
        """The CLI's line: account, score, indicators. Name, country and birth date only when the
        caller asks, since the output file travels further than the export it came from."""
        data: dict = {
            "account": self.account,
            "score": self.score,
            "indicators": [h.to_json() for h in self.indicators],
        }
        if with_identity:
            data["name"] = self.name
            data["country"] = self.country
            data["birth_date"] = self.birth_date.isoformat() if self.birth_date else None
        return data


@dataclass(frozen=True)
class ScreeningResult:
    flagged: list[FlaggedAccount]  # highest score first, then account
    rows_read: int
    rows_rejected: int
    accounts_seen: int
    seconds: float
