"""Who uses the service: the roles of its users (API keys, the web page, ``matcher users``)."""

from __future__ import annotations

from typing import Literal, get_args

# consultant: reads and changes everything; coach (trajectbegeleider): reads the students
# they follow, as the coach-view policy (api/privacy.py) allows.
Role = Literal["consultant", "coach"]
ROLES: tuple[Role, ...] = get_args(Role)
