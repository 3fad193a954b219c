"""API keys: random tokens shown once, stored only as their sha256.

A key is looked up by its hash (an index), and the stored hash is then
compared with ``hmac.compare_digest``, so neither the lookup nor the
comparison tells an attacker how much of a guess was right.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.audit import Actor, Operator, record
from api.tables import User
from matcher.messages import Message
from models.roles import ROLES, Role

KEY_PREFIX = "lwm_"


@dataclass(frozen=True)
class Principal:
    """The caller of a request."""

    id: int
    name: str
    role: Role
    coach_id: str | None

    @property
    def is_consultant(self) -> bool:
        return self.role == "consultant"


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def new_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


class UserRefused(ValueError):
    """A user that cannot be added; ``message`` says why, for the operator."""

    def __init__(self, message: Message) -> None:
        super().__init__(str(message))
        self.message = message


def create_user(session: Session, role: Role, name: str, coach_id: str | None = None,
                by: Actor | None = None) -> str:
    """Store a user and return their API key, which is not kept anywhere. The audit
    records who added them: ``by``, else the operator at this machine's command line."""
    if role not in ROLES:
        raise UserRefused(Message("cli.user_role_unknown", roles=", ".join(ROLES)))
    if not name.strip():
        raise UserRefused(Message("cli.user_name_required"))
    if role == "coach" and not (coach_id or "").strip():
        raise UserRefused(Message("cli.user_coach_needs_id"))
    if role == "consultant" and coach_id:
        raise UserRefused(Message("cli.user_coach_id_for_coaches"))
    key = new_key()
    user = User(name=name.strip(), role=role, coach_id=coach_id.strip() if coach_id else None,
                key_hash=hash_key(key))
    session.add(user)
    session.flush()
    record(session, by or Operator.current(), "user_add",
           details={"user_id": user.id, "name": user.name, "role": user.role,
                    "coach_id": user.coach_id})
    session.commit()
    return key


REVOKED_PREFIX = "revoked:"  # a sha256 hex digest never holds ':', so no key matches


def list_users(session: Session) -> list[User]:
    return list(session.scalars(select(User).order_by(User.id)))


def is_revoked(user: User) -> bool:
    return user.key_hash.startswith(REVOKED_PREFIX)


def revoke_user(session: Session, user_id: int, by: Actor | None = None) -> User | None:
    """End a user's key and web sessions at once. The user stays (the audit trail names
    them) with a stored hash that no key has; ``matcher users add`` gives a new key. The
    audit records who revoked it: ``by``, else the operator at the command line."""
    user = session.get(User, user_id)
    if user is None:
        return None
    if not is_revoked(user):
        user.key_hash = REVOKED_PREFIX + secrets.token_hex(28)  # unique, 64 characters
        user.sessions_valid_after = dt.datetime.now(dt.UTC)
        record(session, by or Operator.current(), "user_revoke",
               details={"user_id": user.id, "name": user.name, "role": user.role})
        session.commit()
    return user


def _principal(user: User) -> Principal:
    role: Role = "consultant" if user.role == "consultant" else "coach"
    return Principal(user.id, user.name, role, user.coach_id)


def key_fingerprint(key_hash: str) -> str:
    """Part of the key's hash, kept in a web session so that a replaced key ends it."""
    return key_hash[:16]


def find_session_principal(session: Session, user_id: int, fingerprint: str,
                           started: dt.datetime) -> Principal | None:
    """The user of a web session, unless their key changed or they logged out since."""
    user = session.get(User, user_id)
    if user is None or not hmac.compare_digest(key_fingerprint(user.key_hash), fingerprint):
        return None
    if user.sessions_valid_after is not None and started <= user.sessions_valid_after:
        return None
    return _principal(user)


def end_sessions(session: Session, user_id: int) -> None:
    """Log the user out of every web session started until now."""
    user = session.get(User, user_id)
    if user is not None:
        user.sessions_valid_after = dt.datetime.now(dt.UTC)
        session.commit()


def find_principal(session: Session, key: str) -> Principal | None:
    digest = hash_key(key)
    user = session.scalar(select(User).where(User.key_hash == digest))
    if user is None or not hmac.compare_digest(user.key_hash, digest):
        return None
    return _principal(user)
