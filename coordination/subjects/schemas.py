"""JSON shapes of subjects (people, with their accounts) and transactions, shared by alerts and
cases. Catalogue values (roles, genders, provinces, account types, channels) are checked by
`operations.catalogue_problems` against `policies/catalogue.yaml`."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from pydantic import AwareDatetime, BaseModel, ConfigDict, EmailStr, Field, field_validator


class Request(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class AccountIn(Request):
    type: str = Field(max_length=20)
    provider: str | None = Field(default=None, max_length=100)
    identifier: str = Field(min_length=1, max_length=100)


class SubjectIn(Request):
    role: str = Field(max_length=20)
    name: str | None = Field(default=None, max_length=200)
    nik: str | None = Field(default=None, pattern=r"^[0-9]{16}$", description="16-digit national id (NIK)")
    birth_date: date | None = None
    gender: str | None = Field(default=None, max_length=10)
    phone: str | None = Field(default=None, pattern=r"^\+?[0-9][0-9 \-]{5,19}$")
    email: EmailStr | None = None
    address: str | None = Field(default=None, max_length=500)
    province: str | None = Field(default=None, max_length=40)
    accounts: list[AccountIn] = Field(default_factory=list, max_length=20)

    @field_validator("birth_date")
    @classmethod
    def _not_in_future(cls, value: date | None) -> date | None:
        if value is not None and (value > date.today() or value.year < 1900):
            raise ValueError("birth date must be a past date after 1900")
        return value


class TransactionIn(Request):
    tx_id: str = Field(min_length=1, max_length=100)
    timestamp: AwareDatetime = Field(description="ISO 8601 with a UTC offset, e.g. 2026-05-01T21:14:00+07:00")
    amount: Decimal = Field(gt=0, max_digits=18, decimal_places=2)
    currency: str = Field(default="IDR", pattern=r"^[A-Z]{3}$")
    channel: str = Field(max_length=20)
    from_account: str | None = Field(default=None, max_length=100)
    to_account: str | None = Field(default=None, max_length=100)
    note: str | None = Field(default=None, max_length=500)


class AccountOut(BaseModel):
    type: str
    provider: str | None
    identifier: str


class SubjectOut(BaseModel):
    role: str
    name: str | None
    nik: str | None
    birth_date: date | None
    gender: str | None
    phone: str | None
    email: str | None
    address: str | None
    province: str | None
    accounts: list[AccountOut]


class TransactionOut(BaseModel):
    tx_id: str
    timestamp: datetime
    amount: Decimal
    currency: str
    channel: str
    from_account: str | None
    to_account: str | None
    note: str | None


class PartiesIn(Request):
    """People and payments together, as a page's repeated fieldsets post them."""

    subjects: list[SubjectIn] = Field(default_factory=list, max_length=50)
    transactions: list[TransactionIn] = Field(default_factory=list, max_length=2000)
