"""What an organisation's dashboard shows, computed in one place for page and API alike."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from coordination.accounts.access import can, permissions_of, restrict_organisations, restrict_tokens, restrict_users
from coordination.accounts.models import ApiToken, Organisation, User
from coordination.alerts.access import restrict_alerts
from coordination.alerts.models import Alert
from coordination.audit.access import restrict_events
from coordination.audit.models import AuditEvent
from coordination.cases.access import restrict_cases
from coordination.cases.models import Case
from coordination.core.db import get_session, utcnow
from coordination.forum.queries import overdue_action_items, upcoming_meetings
from coordination.referrals.access import restrict_referrals
from coordination.referrals.models import Referral

# What each kind of organisation does on the platform, in the words of the workflows in
# DOMAIN.md; shown at the top of its dashboard.
PURPOSE = {
    "pjk": _l("Raise alerts on suspicious transactions, triage them and escalate the suspicious ones to PPATK."),
    "fiu": _l(
        "Receive alerts escalated by PJKs, build cases across institutions and refer them to the police, "
        "KemenPPPA and service units."
    ),
    "police": _l("Receive case referrals and evidence for investigation, and hand victims to service units and NGOs."),
    "ministry": _l("Coordinate victim protection, receive referrals and follow national figures."),
    "service": _l("Manage the victims' cases referred to you and hand victims on to NGOs for support."),
    "ngo": _l(
        "Receive victim-support handoffs, report service status back, and refer complaints with payment "
        "details for tracing."
    ),
    "regulator": _l("Follow aggregate, de-identified figures on the financial side of child exploitation."),
    "operator": _l("Run the platform: organisations, their first administrators and the audit trail."),
}


@dataclass
class Board:
    purpose: str
    permissions: list[str] = field(default_factory=list)
    people: dict[str, int] | None = None
    tokens_active: int | None = None
    organisations_by_kind: dict[str, int] | None = None
    alerts_by_status: dict[str, int] | None = None
    referrals_by_status: dict[str, int] | None = None
    cases_open: int | None = None
    upcoming_meetings: list | None = None  # forum meetings of the organisation, soonest first
    overdue_action_items: list | None = None  # its forum action items past their due date
    recent_events: list[AuditEvent] = field(default_factory=list)
    my_sign_ins: list[AuditEvent] = field(default_factory=list)


def dashboard_for(user: User) -> Board:
    session = get_session()
    board = Board(purpose=str(PURPOSE[user.organisation.kind]), permissions=permissions_of(user))
    if can(user, "users.manage"):
        own = restrict_users(select(User), user).where(User.organisation_id == user.organisation_id)
        rows = session.execute(
            own.with_only_columns(User.active, User.mfa_enrolled_at, User.is_demo, User.locked_until)
        ).all()
        now = utcnow()
        board.people = {
            "active": sum(1 for r in rows if r.active),
            "inactive": sum(1 for r in rows if not r.active),
            "without_mfa": sum(1 for r in rows if r.active and r.mfa_enrolled_at is None and not r.is_demo),
            "locked": sum(1 for r in rows if r.locked_until is not None and r.locked_until > now),
        }
    if can(user, "alert.view"):
        query = restrict_alerts(select(Alert.status, func.count(Alert.id)), user).group_by(Alert.status)
        board.alerts_by_status = {status: n for status, n in session.execute(query)}
    if can(user, "referral.receive"):
        query = restrict_referrals(select(Referral.status, func.count()), user, "inbox").group_by(Referral.status)
        board.referrals_by_status = {status: n for status, n in session.execute(query)}
    if can(user, "case.view"):
        board.cases_open = session.scalar(
            restrict_cases(select(func.count()).select_from(Case), user).where(Case.status == "open")
        )
    if can(user, "forum.view"):
        board.upcoming_meetings = upcoming_meetings(user)
        board.overdue_action_items = overdue_action_items(user)
    if can(user, "api_tokens.manage"):
        query = restrict_tokens(select(func.count(ApiToken.id)), user).where(ApiToken.revoked_at.is_(None))
        board.tokens_active = session.scalar(query)
    if can(user, "orgs.manage"):
        query = restrict_organisations(select(Organisation.kind, func.count(Organisation.id)), user)
        board.organisations_by_kind = {kind: n for kind, n in session.execute(query.group_by(Organisation.kind))}
    if can(user, "audit.read"):
        query = restrict_events(select(AuditEvent), user).order_by(AuditEvent.id.desc()).limit(8)
        board.recent_events = list(session.scalars(query))
    # Everyone sees their own recent sign-ins, so a stolen password shows up to its owner.
    query = (
        select(AuditEvent)
        .where(AuditEvent.actor_user_id == user.id, AuditEvent.action.in_(["login.success", "login.failure"]))
        .order_by(AuditEvent.id.desc())
        .limit(5)
    )
    board.my_sign_ins = list(session.scalars(query))
    return board
