"""Project a case for one recipient organisation and purpose, field by field, by policy."""

from __future__ import annotations

import hashlib
import hmac
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from coordination.accounts.models import Organisation
from coordination.cases.contents import open_case_contents
from coordination.cases.models import Case
from coordination.cases.queries import case_summary, case_title
from coordination.core.context import keyring
from coordination.core.db import get_session
from coordination.evidence.models import Evidence
from coordination.identifiers.normalise import normalise
from coordination.policy import evidence_policy, redaction_policy
from coordination.policy.redaction import RedactionPolicy
from coordination.redaction.scrub import Scrubber
from coordination.subjects.sealed import OpenSubject, OpenTransaction

ROLE_LABELS = {
    "victim": "Korban",
    "suspect": "Terduga",
    "account_holder": "Pemilik-Rekening",
    "counterparty": "Lawan-Transaksi",
    "reporter": "Pelapor",
}
PSEUDONYM_PREFIX = {"identifier": "ACC", "nik": "NIK", "phone": "TEL", "email": "EML", "name": "ORANG"}


@dataclass
class Projection:
    purpose: str
    policy_version: str
    case: dict[str, Any]
    withheld: dict[str, int] = field(default_factory=dict)
    message: str = ""


def _plain(value: Any) -> Any:
    """JSON-ready: the projection is stored, sent and compared as JSON."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def age_band(birth: date, today: date | None = None) -> str:
    today = today or date.today()
    age = today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))
    for upper, band in ((9, "0-9"), (12, "10-12"), (15, "13-15"), (17, "16-17")):
        if age <= upper:
            return band
    return "18+"


class _Projector:
    def __init__(
        self, recipient: Organisation, purpose: str, policy: RedactionPolicy, contact_route: str | None
    ) -> None:
        self.recipient, self.purpose, self.policy = recipient, purpose, policy
        self.contact_route = contact_route
        self.withheld: Counter[str] = Counter()
        self.names: dict[str, str] = {}
        self.identifiers: dict[str, str] = {}
        self.scrubber: Scrubber | None = None
        self.key = keyring().derive(f"pseudonym:{recipient.id}")

    def learn(self, subject: OpenSubject, counters: Counter[str]) -> str:
        """Give the subject its role label ("Korban-1") and note what free text must not reveal."""
        counters[subject.role] += 1
        label = f"{ROLE_LABELS.get(subject.role, 'Orang')}-{counters[subject.role]}"
        if subject.name:
            self.names[subject.name] = label
        for kind, value in (("nik", subject.nik), ("phone", subject.phone), ("email", subject.email)):
            if value:
                self.identifiers[value] = {"nik": "[NIK]", "phone": "[TELEPON]", "email": "[EMAIL]"}[kind]
        for account in subject.accounts:
            self.identifiers[account.identifier] = "[REKENING]"
        return label

    def pseudonym(self, kind: str, value: str) -> str:
        norm = normalise(kind if kind in ("nik", "phone", "email") else "account", value)
        code = hmac.new(self.key, f"{kind}:{norm}".encode(), hashlib.sha256).hexdigest()[:6].upper()
        return f"{PSEUDONYM_PREFIX.get(kind, 'ID')}-{code}"

    def treatment(self, name: str, role: str | None = None, own: bool = False) -> tuple[str, str | None]:
        cls = self.policy.class_of(name, role)
        treatment = self.policy.treatment(self.recipient.kind, self.purpose, cls)
        if own and cls == "financial_identifier":
            treatment = "full"  # a PJK may always see its own customers' identifiers
        return treatment, cls

    def put(
        self,
        out: dict,
        key: str,
        name: str,
        value: Any,
        *,
        role: str | None = None,
        own: bool = False,
        label: str | None = None,
    ) -> None:
        """Set out[key] to the treated value, or count it withheld. The only place values pass."""
        if value is None or value == "" or value == []:
            return
        treatment, cls = self.treatment(name, role, own)
        result = self.apply(treatment, name, value, label, role)
        if result is None:
            self.withheld[cls or "unclassified"] += 1
        else:
            out[key] = _plain(result)

    def apply(self, treatment: str, name: str, value: Any, label: str | None, role: str | None) -> Any:
        kind = name.split(".", 1)[1]
        if treatment == "full":
            return value
        if treatment == "withheld":
            return None
        if treatment == "consented":
            # The consent (the victim's or a guardian's) opens one route to the victim, not to
            # anyone else in the case: a reporter's or account holder's contact stays withheld.
            return value if kind == self.contact_route and role == "victim" else None
        if kind in ("title", "summary", "narrative", "note", "message"):
            if self.scrubber is None:  # every person is learnt before the first free text
                self.scrubber = Scrubber(self.names, self.identifiers)
            return self.scrubber(value)
        if isinstance(value, datetime):
            return value.date().isoformat()
        if isinstance(value, Decimal):
            return Decimal(f"{value:.2g}") if value else value
        if kind == "name":
            return label if treatment in ("derived", "masked") else self.pseudonym("name", value)
        if kind in ("identifier", "from_account", "to_account", "nik", "phone", "email"):
            if treatment == "pseudonym":
                return self.pseudonym(kind if kind in PSEUDONYM_PREFIX else "identifier", value)
            if treatment == "masked":
                return "****" + str(value)[-4:]
            return None  # derived: an identifier has no coarser form
        if kind in ("birth_date", "address", "tx_id", "reference"):
            return None
        if kind == "province" and treatment == "derived":
            return None
        return value  # role, gender, age band, type, provider, channel, currency, lists


def project_case_for(
    recipient: Organisation, purpose: str, case: Case, message: str = "", contact_route: str | None = None
) -> Projection:
    """What `recipient` may see of `case` for `purpose`; `message` is the sender's covering note,
    treated as free text like any other."""
    policy = redaction_policy()
    contents = open_case_contents(case)
    p = _Projector(recipient, purpose, policy, contact_route)
    # Labels and scrub lists first, over everyone in the case: free text may name anyone.
    counters: Counter[str] = Counter()
    labels = [[p.learn(subject, counters) for subject in alert.subjects] for alert in contents.alerts]
    case_labels = [p.learn(subject, counters) for subject in contents.subjects]
    out: dict[str, Any] = {"id": str(case.id)}
    p.put(out, "title", "case.title", case_title(case))
    p.put(out, "summary", "case.summary", case_summary(case))
    out["alerts"] = []
    for alert, row_labels in zip(contents.alerts, labels, strict=True):
        own = recipient.kind == "pjk" and alert.organisation_id == recipient.id
        projected: dict[str, Any] = {}
        p.put(projected, "reference", "alert.reference", alert.reference, own=own)
        p.put(projected, "pjk", "alert.pjk", {"name": alert.organisation_name, "kind": alert.organisation_kind})
        p.put(projected, "typologies", "alert.typologies", alert.typologies)
        p.put(projected, "indicators", "alert.indicators", alert.indicators)
        p.put(projected, "narrative", "alert.narrative", alert.narrative)
        projected["subjects"] = [
            _subject(p, s, label, own) for s, label in zip(alert.subjects, row_labels, strict=True)
        ]
        projected["transactions"] = [_transaction(p, tx, own) for tx in alert.transactions]
        out["alerts"].append(projected)
    # The case's own people and payments: recorded by the case owner, never a PJK's own customers.
    out["subjects"] = [_subject(p, s, label, False) for s, label in zip(contents.subjects, case_labels, strict=True)]
    out["transactions"] = [_transaction(p, tx, False) for tx in contents.transactions]
    out["evidence"] = _evidence(p, case)
    note: dict[str, Any] = {}
    p.put(note, "message", "referral.message", message)
    return Projection(purpose, policy.version, out, dict(p.withheld), note.get("message", ""))


def _evidence(p: _Projector, case: Case) -> list[dict[str, Any]]:
    """The case's evidence items the policy lets travel to this recipient and purpose: their
    custody facts (never the file name or description); the others are counted as withheld."""
    travels = evidence_policy().travels
    items = []
    rows = get_session().execute(
        select(Evidence.id, Evidence.category, Evidence.content_type, Evidence.size, Evidence.sha256)
        .where(Evidence.case_id == case.id)
        .order_by(Evidence.uploaded_at, Evidence.id)
    )
    for row in rows:
        if travels(p.recipient.kind, p.purpose, row.category):
            items.append(
                {
                    "id": str(row.id),
                    "category": row.category,
                    "content_type": row.content_type,
                    "size": row.size,
                    "sha256": row.sha256,
                }
            )
        else:
            p.withheld["evidence"] += 1
    return items


def _subject(p: _Projector, s: OpenSubject, label: str, own: bool) -> dict[str, Any]:
    out: dict[str, Any] = {"label": label}
    role = s.role
    p.put(out, "role", "subject.role", role, role=role)
    p.put(out, "name", "subject.name", s.name, role=role, label=label)
    p.put(out, "nik", "subject.nik", s.nik, role=role)
    p.put(out, "birth_date", "subject.birth_date", s.birth_date.isoformat() if s.birth_date else None, role=role)
    p.put(out, "age_band", "subject.age_band", age_band(s.birth_date) if s.birth_date else None, role=role)
    p.put(out, "gender", "subject.gender", s.gender, role=role)
    p.put(out, "province", "subject.province", s.province, role=role)
    p.put(out, "phone", "subject.phone", s.phone, role=role)
    p.put(out, "email", "subject.email", s.email, role=role)
    p.put(out, "address", "subject.address", s.address, role=role)
    accounts = []
    for account in s.accounts:
        projected: dict[str, Any] = {}
        p.put(projected, "type", "account.type", account.type, role=role, own=own)
        p.put(projected, "provider", "account.provider", account.provider, role=role, own=own)
        p.put(projected, "identifier", "account.identifier", account.identifier, role=role, own=own)
        if projected:
            accounts.append(projected)
    out["accounts"] = accounts
    return out


def _transaction(p: _Projector, tx: OpenTransaction, own: bool) -> dict[str, Any]:
    out: dict[str, Any] = {}
    p.put(out, "tx_id", "transaction.tx_id", tx.tx_id, own=own)
    p.put(out, "timestamp", "transaction.timestamp", tx.timestamp, own=own)
    p.put(out, "amount", "transaction.amount", tx.amount, own=own)
    p.put(out, "currency", "transaction.currency", tx.currency, own=own)
    p.put(out, "channel", "transaction.channel", tx.channel, own=own)
    p.put(out, "from_account", "transaction.from_account", tx.from_account, own=own)
    p.put(out, "to_account", "transaction.to_account", tx.to_account, own=own)
    p.put(out, "note", "transaction.note", tx.note, own=own)
    return out
