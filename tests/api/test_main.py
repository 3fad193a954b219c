"""The app as a first visitor meets it: the API documentation works without internet."""

from __future__ import annotations

import re

import pytest

from tests.api.conftest import Api

ASSET = re.compile(r"""(?:src|href|url)\s*[=:(]\s*['"]([^'"]+)['"]""")


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_documentation_loads_everything_from_this_server(api: Api, page: str) -> None:
    response = api.client.get(page)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assets = ASSET.findall(response.text)
    assert any(asset.endswith(".js") for asset in assets)
    for asset in assets:
        assert asset.startswith("/"), asset  # nothing from a CDN or web font service
        fetched = api.client.get(asset)
        assert fetched.status_code == 200, asset
        assert fetched.content
    assert "http://" not in response.text and "https://" not in response.text
    if page == "/docs":
        assert '"validatorUrl": null' in response.text  # Swagger UI calls no validator


def test_documentation_describes_the_api(api: Api) -> None:
    schema = api.client.get("/openapi.json").json()
    assert "/scenarios" in schema["paths"]
