"""The demo's built-in SLA policies, for the sandbox account whose Zendesk plan has none.

``demo-zendesk-team`` is a Zendesk Team plan: Zendesk reports no SLA for it, so its queue
order comes from these computed clocks. They match that account only, and come after the
user's own ``[[sla.policies]]`` (a user policy matching the account wins), so they never touch
a real account. Plain config values: importing this module costs nothing.
"""

from __future__ import annotations

from typing import Any

DEMO_CALENDAR = "queuebench-demo"
"""Name of the demo's business calendar (chosen not to clash with a user's calendar)."""

DEMO_CALENDARS: dict[str, dict[str, Any]] = {
    DEMO_CALENDAR: {
        "timezone": "Europe/London",
        "hours": {"mon-fri": "09:00-17:00"},
        "holidays": {"country": "GB", "subdiv": "ENG", "extra": []},
    }
}
"""Mon-Fri 09:00-17:00 London time, English public holidays."""

DEMO_POLICIES: list[dict[str, Any]] = [
    {
        "name": "Team plan urgent (24x7)",
        "match": {"account": ["demo-zendesk-team"], "priority": ["P1"]},
        "calendar": "24x7",
        "pause_statuses": ["pending"],
        "targets": {
            "first_response": "1h",
            "next_response": "2h",
            "periodic_update": "4h",
            "resolution": "1d",
        },
    },
    {
        "name": "Team plan business hours",
        "match": {"account": ["demo-zendesk-team"]},
        "calendar": DEMO_CALENDAR,
        "pause_statuses": ["pending", "on_hold"],
        "targets": {"first_response": "4h", "next_response": "8h", "resolution": "3d"},
    },
]
"""P1 on a 24x7 clock; everything else in London business hours."""
