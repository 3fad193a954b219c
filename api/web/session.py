"""The login cookie: which user, a fingerprint of their key, and the CSRF token.

The cookie is signed (itsdangerous), HttpOnly and SameSite=Lax; it never holds
the API key. Every form and htmx request that changes something sends the
CSRF token back, so another site cannot act in the user's name.
"""

from __future__ import annotations

import datetime as dt
import hmac
import secrets
from dataclasses import dataclass

from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.responses import Response

COOKIE = "matcher_session"
MAX_AGE_SECONDS = 12 * 3600  # a working day


@dataclass(frozen=True)
class WebSession:
    user_id: int
    fingerprint: str
    csrf: str
    started: dt.datetime  # to the microsecond: logging out ends sessions started before

    def csrf_matches(self, token: str | None) -> bool:
        return bool(token) and hmac.compare_digest(self.csrf, str(token))


class SessionCodec:
    def __init__(self, secret: str, secure: bool) -> None:
        self._serializer = URLSafeTimedSerializer(secret, salt="matcher-web-session")
        self.secure = secure

    def new(self, user_id: int, fingerprint: str) -> WebSession:
        return WebSession(user_id, fingerprint, secrets.token_urlsafe(24),
                          dt.datetime.now(dt.UTC))

    def read(self, cookie: str | None) -> WebSession | None:
        if not cookie:
            return None
        try:
            data = self._serializer.loads(cookie, max_age=MAX_AGE_SECONDS)
        except BadSignature:
            return None
        try:
            return WebSession(int(data["u"]), str(data["f"]), str(data["c"]),
                              dt.datetime.fromtimestamp(float(data["t"]), dt.UTC))
        except (KeyError, TypeError, ValueError):
            return None

    def store(self, response: Response, session: WebSession) -> None:
        value = self._serializer.dumps({"u": session.user_id, "f": session.fingerprint,
                                        "c": session.csrf,
                                        "t": session.started.timestamp()})
        response.set_cookie(COOKIE, value, max_age=MAX_AGE_SECONDS, httponly=True,
                            samesite="lax", secure=self.secure, path="/")

    @staticmethod
    def clear(response: Response) -> None:
        response.delete_cookie(COOKIE, path="/")
