"""The de-identified statistics pack of a meeting: its period, its attendees' combined figures.

Built, suppressed and rendered by `coordination.statistics` (disclosure control lives there, not
here); reading it is the caller's to record (`stats.view`).
"""

from __future__ import annotations

from coordination.forum.models import Meeting
from coordination.statistics import StatsPack, build_pack, pack_csv, pack_pdf

GROUP_BY = ("typology",)  # the breakdown a forum reviews first; the statistics policy bounds it


def meeting_pack(meeting: Meeting) -> StatsPack:
    """The pack over the attendees' organisations for the meeting's period (WIB days, inclusive)."""
    return build_pack(sorted(meeting.attendee_ids), meeting.period_start, meeting.period_end, GROUP_BY)


def pack_file(pack: StatsPack, form: str, title: str) -> bytes:
    return pack_pdf(pack, title) if form == "pdf" else pack_csv(pack).encode("utf-8")
