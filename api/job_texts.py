"""What a job tells its reader (its stage and, when it failed, why), as catalogue messages.

A job's ``stage`` column holds a stage's catalogue code and its ``error`` column a
message as JSON (code and parameters), so the reader's language is chosen where the
job is shown (the JSON API by ``Accept-Language``, the page by its own language),
never by translating a stored English sentence. Rows written before codes were
stored keep their text: it is shown as it is.
"""

from __future__ import annotations

import json

from matcher.messages import Message

STAGE_QUEUED = "stage.queued"
STAGE_STARTING = "stage.starting"
STAGE_REQUEUED = "stage.requeued_worker"
STAGE_REQUEUED_RESTART = "stage.requeued_restart"
STAGE_REQUEUED_CHANGED = "stage.requeued_changed"
STAGE_READING = "stage.reading"
STAGE_REPLANNING = "stage.replanning"
STAGE_SOLVING_AGAIN = "stage.solving_again"
STAGE_LOOKING_FOR_FIXES = "stage.looking_for_fixes"
STAGE_STORING = "stage.storing"
STAGE_DONE = "stage.done"
STAGE_REUSED = "stage.reused"
STAGE_CANCELLED = "stage.cancelled"
STAGE_FAILED = "stage.failed"

STORED_TEXT = "job.stored_text"  # a row from before codes: its text as it was


def interrupted(attempts: int) -> Message:
    return Message("job.error_interrupted", n=attempts)


def internal_error(name: str) -> Message:
    return Message("job.error_internal", name=name)


def rebased_too_often(times: int) -> Message:
    return Message("job.error_rebased_too_often", n=times)


def no_plan_to_replan() -> Message:
    return Message("job.error_no_plan")


def stored(message: Message) -> str:
    """A message as the ``error`` column keeps it."""
    return json.dumps(message.to_json(), ensure_ascii=False, sort_keys=True)


def stage_message(value: str | None) -> Message | None:
    if not value:
        return None
    if value.startswith("stage."):
        return Message(value)
    return Message(STORED_TEXT, text=value)


def error_message(value: str | None) -> Message | None:
    if not value:
        return None
    try:
        document = json.loads(value)
        return Message.from_json(str(document["code"]), document.get("params"))
    except (ValueError, TypeError, KeyError):
        return Message(STORED_TEXT, text=value)
