"""GET /graphql serves GraphiQL from this server's own files; fetching them is pinned."""

from __future__ import annotations

import hashlib
import io
import json
import re
import tarfile
from pathlib import Path

import httpx
import pytest

from app.config import Settings
from app.graphql.graphiql import (
    BUNDLES,
    AssetsUnavailable,
    NpmPackage,
    ensure_assets,
    fetch_assets,
    missing_assets,
)
from app.http.app import create_app

HTML = {"Accept": "text/html"}


async def test_graphiql_loads_every_script_and_style_from_this_server(
    http: httpx.AsyncClient, graphiql_assets: Path
) -> None:
    page = await http.get("/graphql", headers=HTML)

    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    urls = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert urls, page.text
    for url in urls:
        if url.startswith("data:"):
            continue
        assert url.startswith("/graphql/static/"), url  # no CDN, no other host
        asset = await http.get(url)
        assert asset.status_code == 200, url
        assert len(asset.content) > 100, url
        kind = "text/css" if url.endswith(".css") else "javascript"
        assert kind in asset.headers["content-type"], (url, asset.headers["content-type"])
    assert not re.search(r"https?://", page.text), "the page must not name another host"


async def test_graphiql_page_prefills_the_bearer_header_and_an_example(
    http: httpx.AsyncClient,
) -> None:
    script = await http.get("/graphql/static/graphiql-setup.js")
    assert script.status_code == 200
    assert 'Authorization: "Bearer <access_token>"' in script.text
    assert "mutation CreateDebt" in script.text
    assert "query Debts" in script.text


async def test_without_its_bundles_graphiql_explains_how_to_install_them(
    settings: Settings, tmp_path: Path
) -> None:
    app = create_app(settings.model_copy(update={"graphiql_assets_dir": tmp_path / "none"}))
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://api") as http,
    ):
        page = await http.get("/graphql", headers=HTML)
        asset = await http.get("/graphql/static/vendor/graphiql.min.js")
        api = await http.post("/graphql", json={"query": "{ __typename }"})

    assert page.status_code == 503
    assert "debt-api fetch-graphiql" in page.text
    assert "graphiql.min.js" in page.text
    assert asset.status_code == 404
    assert api.json() == {"data": {"__typename": "Query"}}


def fake_registry(root: Path, files: dict[str, bytes]) -> NpmPackage:
    """A registry directory holding one tarball, and the package pinned to its checksum."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, content in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(content)
            archive.addfile(info, io.BytesIO(content))
    tarball = buffer.getvalue()
    package = NpmPackage(
        "widget",
        "1.0.0",
        hashlib.sha256(tarball).hexdigest(),
        {"package/widget.min.js": "widget.min.js", "package/LICENSE": "widget.LICENSE.txt"},
    )
    (root / "widget" / "-").mkdir(parents=True)
    (root / package.tarball).write_bytes(tarball)
    return package


def test_fetch_installs_the_pinned_files_after_checking_the_tarball(tmp_path: Path) -> None:
    registry = tmp_path / "registry"
    package = fake_registry(
        registry,
        {
            "package/widget.min.js": b"window.Widget = 1;",
            "package/LICENSE": b"MIT",
            "package/../../escape.js": b"never written",
        },
    )
    target = tmp_path / "vendor"
    assert missing_assets(target, (package,)) == ["widget.min.js", "widget.LICENSE.txt"]

    fetch_assets(target, registry=registry.as_uri(), packages=(package,))

    assert missing_assets(target, (package,)) == []
    assert (target / "widget.min.js").read_bytes() == b"window.Widget = 1;"
    assert sorted(p.name for p in target.iterdir()) == [
        "bundles.json",
        "widget.LICENSE.txt",
        "widget.min.js",
    ]
    assert not (tmp_path / "escape.js").exists()


def test_fetch_refuses_a_tarball_that_is_not_the_pinned_one(tmp_path: Path) -> None:
    registry = tmp_path / "registry"
    package = fake_registry(registry, {"package/widget.min.js": b"x", "package/LICENSE": b"MIT"})
    tampered = NpmPackage(package.name, package.version, "0" * 64, package.files)
    target = tmp_path / "vendor"

    with pytest.raises(AssetsUnavailable, match=r"sha256 \w+ is not the pinned"):
        fetch_assets(target, registry=registry.as_uri(), packages=(tampered,))
    assert not target.exists()


def test_fetch_refuses_a_tarball_without_the_expected_files(tmp_path: Path) -> None:
    registry = tmp_path / "registry"
    package = fake_registry(registry, {"package/other.js": b"x"})

    with pytest.raises(AssetsUnavailable, match="unexpected content"):
        fetch_assets(tmp_path / "vendor", registry=registry.as_uri(), packages=(package,))


def test_another_installed_version_counts_as_missing(tmp_path: Path) -> None:
    for package in BUNDLES:
        for name in package.files.values():
            (tmp_path / name).write_text("stale")
    (tmp_path / "bundles.json").write_text(json.dumps({"graphiql": "3.8.3"}))

    assert len(missing_assets(tmp_path)) == sum(len(p.files) for p in BUNDLES)


def test_an_unreachable_registry_gives_a_clear_message_not_a_crash(tmp_path: Path) -> None:
    # Port 9 (discard) on loopback: refused at once, no network needed.
    problem = ensure_assets(tmp_path / "vendor", registry="http://127.0.0.1:9", timeout=5)

    assert problem is not None
    assert "debt-api fetch-graphiql" in problem
    assert "The API works" in problem
    assert not (tmp_path / "vendor").exists()


async def test_with_graphiql_off_neither_the_page_nor_its_files_are_served(
    settings: Settings, graphiql_assets: Path
) -> None:
    app = create_app(settings.model_copy(update={"graphiql": False}))
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://api") as http,
    ):
        page = await http.get("/graphql", headers=HTML)
        bundle = await http.get("/graphql/static/vendor/graphiql.min.js")
        script = await http.get("/graphql/static/graphiql-setup.js")

    assert (page.status_code, bundle.status_code, script.status_code) == (404, 404, 404)
