"""Request dependencies: services, database sessions, the caller and their role.

A key comes in ``X-API-Key`` or ``Authorization: Bearer``. No key (or an
unknown one) is 401; a role that may not do something is 403.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request, Security
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from api.auth import Principal, find_principal
from api.problems import ApiProblem, forbidden
from api.services import Services
from matcher.messages import Message

api_key_header = APIKeyHeader(name="X-API-Key", auto_error=False,
                              description="An API key from `matcher users add`.")
bearer_token = HTTPBearer(auto_error=False, description="The same API key as a bearer token.")


def get_services(request: Request) -> Services:
    services = request.app.state.services
    assert isinstance(services, Services)
    return services


ServicesDep = Annotated[Services, Depends(get_services)]


def get_db(services: ServicesDep) -> Iterator[Session]:
    with services.sessions() as session:
        yield session


def get_write_db(services: ServicesDep) -> Iterator[Session]:
    with services.write_sessions() as session:
        yield session


DbDep = Annotated[Session, Depends(get_db)]
WriteDbDep = Annotated[Session, Depends(get_write_db)]


def get_principal(
    services: ServicesDep,
    api_key: Annotated[str | None, Security(api_key_header)] = None,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Security(bearer_token)] = None,
) -> Principal:
    key = api_key or (bearer.credentials if bearer else None)
    if not key:
        raise ApiProblem(401, Message("api.key_required"), kind="unauthenticated",
                         headers={"WWW-Authenticate": "Bearer"})
    with services.sessions() as db:
        principal = find_principal(db, key)
    if principal is None:
        raise ApiProblem(401, Message("api.key_unknown"), kind="unauthenticated",
                         headers={"WWW-Authenticate": "Bearer"})
    return principal


PrincipalDep = Annotated[Principal, Depends(get_principal)]


def get_consultant(principal: PrincipalDep) -> Principal:
    if not principal.is_consultant:
        raise forbidden(Message("api.consultant_only"))
    return principal


ConsultantDep = Annotated[Principal, Depends(get_consultant)]
