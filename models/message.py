"""A message to a user as data: a stable code plus parameters (see :mod:`matcher.messages`
for the catalogues that make it text).

The data shape lives with the other models, so a plan or a scenario can carry its
messages without the models importing the engine; ``matcher.messages`` renders them
and re-exports these names.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeAlias


@dataclass(frozen=True, slots=True)
class Percent:
    """A share (0.825) shown as a percentage (82,5 % / 82.5%)."""

    share: float
    decimals: int = 1


Param: TypeAlias = "str | int | float | dt.date | Percent | Message | Sequence[Message]"


class Message:
    """One thing to tell a user: a stable ``code`` and its parameters.

    ``str(message)`` is the English text (for logs and plain-text back
    compatibility); an edge renders it with ``render(message, lang)``.
    """

    __slots__ = ("code", "params")

    def __init__(self, code: str, /, **params: Param) -> None:
        self.code = code
        self.params: dict[str, Param] = params

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, Message) and other.code == self.code
                and other.params == self.params)

    def __hash__(self) -> int:
        return hash(self.code)

    def __repr__(self) -> str:
        args = "".join(f", {k}={v!r}" for k, v in self.params.items())
        return f"Message({self.code!r}{args})"

    def __str__(self) -> str:
        return _english(self)

    def to_json(self) -> dict[str, Any]:
        """Code and parameters as JSON values (nested messages as objects, dates as
        ISO text), for plan.json and problem documents."""
        return {"code": self.code, "params": {k: _json_param(v) for k, v in self.params.items()}}

    @classmethod
    def from_json(cls, code: str, params: Mapping[str, Any] | None) -> Message:
        return cls(code, **{k: _from_json_param(v) for k, v in (params or {}).items()})


def _json_param(value: Param) -> Any:
    if isinstance(value, Message):
        return value.to_json()
    if isinstance(value, Percent):
        return {"percent": value.share, "decimals": value.decimals}
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [_json_param(v) for v in value]
    return value


def _from_json_param(value: Any) -> Param:
    if isinstance(value, dict) and "code" in value:
        return Message.from_json(str(value["code"]), value.get("params"))
    if isinstance(value, dict) and "percent" in value:
        return Percent(float(value["percent"]), int(value.get("decimals", 1)))
    if isinstance(value, list):
        return [v for v in (_from_json_param(item) for item in value)
                if isinstance(v, Message)]
    if isinstance(value, str | int | float):
        return value
    return str(value)


def _code_only(message: Message) -> str:
    return message.code


# How ``str(message)`` makes English text: set by ``matcher.messages`` when it loads its
# catalogues (until then a message shows as its code, as render does for an unknown code).
_english: Callable[[Message], str] = _code_only


def set_english_text(english: Callable[[Message], str]) -> None:
    """Let ``str(message)`` render English text with ``english``."""
    global _english
    _english = english
