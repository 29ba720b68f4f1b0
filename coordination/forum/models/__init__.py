from coordination.forum.models.action_item import ACTION_STATUSES, ActionItem
from coordination.forum.models.agenda_item import AgendaItem
from coordination.forum.models.meeting import Meeting, meeting_invitees
from coordination.forum.models.minutes_version import MinutesVersion

__all__ = ["ACTION_STATUSES", "ActionItem", "AgendaItem", "Meeting", "MinutesVersion", "meeting_invitees"]
