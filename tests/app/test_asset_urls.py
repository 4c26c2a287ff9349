"""The pages name their assets by path alone, never by the Host header a client sent: a shared
cache that stored a page asked for with a forged Host would otherwise serve script URLs on
another site."""
from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from app.main import create_app


@pytest.fixture(scope="module")
def client():
    with TestClient(create_app(), raise_server_exceptions=False) as c:
        yield c


@pytest.mark.parametrize("path", ["/", "/docs"])
def test_asset_urls_are_paths_whatever_the_host_header(client, path):
    page = client.get(path, headers={"Host": "evil.example"})
    assert page.status_code == 200
    assert "evil.example" not in page.text
    urls = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assets = [u for u in urls if "static/" in u]
    assert assets, "the page names its assets"
    assert all(u.startswith("/static/") for u in assets), assets


def test_asset_urls_are_served(client):
    page = client.get("/")
    for url in re.findall(r'(?:src|href)="(/static/[^"]+)"', page.text):
        assert client.get(url).status_code == 200, url
