"""GraphiQL without a CDN: pinned npm bundles fetched once and verified, and the page using them."""

from __future__ import annotations

import hashlib
import io
import json
import os
import tarfile
import tempfile
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from string import Template

from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import BaseRoute, Mount
from starlette.staticfiles import StaticFiles

NPM_REGISTRY = "https://registry.npmjs.org"
STATIC_DIR = Path(__file__).parent / "static"
# Third-party code stays out of git (.gitignore): `debt-api fetch-graphiql` puts it here.
DEFAULT_ASSETS_DIR = STATIC_DIR / "vendor"
STATIC_URL = "/graphql/static"
ASSETS_URL = f"{STATIC_URL}/vendor"
FETCH_COMMAND = "debt-api fetch-graphiql"
_MANIFEST = "bundles.json"
_MAX_TARBALL_BYTES = 32 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class NpmPackage:
    """One pinned npm tarball and the files GraphiQL needs from it."""

    name: str
    version: str
    sha256: str  # of the tarball as the registry serves it
    files: dict[str, str]  # path inside the tarball -> file name in the assets directory

    @property
    def tarball(self) -> str:
        return f"{self.name}/-/{self.name}-{self.version}.tgz"


# GraphiQL 3.9 is the newest line that still ships a browser bundle (graphiql 5 is ES modules
# for a bundler); it runs on React 18 through the UMD builds. Licenses travel with the code.
BUNDLES: tuple[NpmPackage, ...] = (
    NpmPackage(
        "react",
        "18.3.1",
        "8d9bed01a672e7eaf387942d781ad47c6a43089a30a0306060f9fd5ac7870347",
        {
            "package/umd/react.production.min.js": "react.production.min.js",
            "package/LICENSE": "react.LICENSE.txt",
        },
    ),
    NpmPackage(
        "react-dom",
        "18.3.1",
        "031d4427a99f2f3f6cac18bbbf308594a67e4f47d10f4896fdec446505b040e0",
        {
            "package/umd/react-dom.production.min.js": "react-dom.production.min.js",
            "package/LICENSE": "react-dom.LICENSE.txt",
        },
    ),
    NpmPackage(
        "graphiql",
        "3.9.0",
        "d955c99ae100ed5facb45f4f94d1a8c0a156f81106434f0e35b0dcb0be574f27",
        {
            "package/graphiql.min.js": "graphiql.min.js",
            "package/graphiql.min.css": "graphiql.min.css",
            "package/LICENSE": "graphiql.LICENSE.txt",
        },
    ),
)


class AssetsUnavailable(Exception):
    """The bundles could not be fetched or did not match their pinned checksum."""


def _pins(packages: tuple[NpmPackage, ...]) -> dict[str, str]:
    return {package.name: f"{package.version} sha256:{package.sha256}" for package in packages}


def missing_assets(directory: Path, packages: tuple[NpmPackage, ...] = BUNDLES) -> list[str]:
    """Files the page needs that are absent, or all of them when another version is installed."""
    wanted = [name for package in packages for name in package.files.values()]
    try:
        installed = json.loads((directory / _MANIFEST).read_text())
    except (OSError, ValueError):
        installed = None
    if installed != _pins(packages):
        return wanted
    return [name for name in wanted if not (directory / name).is_file()]


def _download(url: str, timeout: float) -> bytes:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            body: bytes = response.read(_MAX_TARBALL_BYTES + 1)
    except (urllib.error.URLError, OSError, ValueError) as error:
        raise AssetsUnavailable(f"cannot download {url}: {error}") from error
    if len(body) > _MAX_TARBALL_BYTES:
        raise AssetsUnavailable(f"{url} is larger than expected")
    return body


def _extract(package: NpmPackage, tarball: bytes) -> dict[str, bytes]:
    """Only the listed members, read into memory: nothing in the archive chooses a path."""
    try:
        with tarfile.open(fileobj=io.BytesIO(tarball), mode="r:gz") as archive:
            found: dict[str, bytes] = {}
            for member, name in package.files.items():
                stream = archive.extractfile(member)
                if stream is None:
                    raise KeyError(member)
                found[name] = stream.read()
            return found
    except (tarfile.TarError, KeyError, OSError, EOFError) as error:
        raise AssetsUnavailable(f"{package.tarball}: unexpected content ({error})") from error


def fetch_assets(
    directory: Path,
    *,
    registry: str = NPM_REGISTRY,
    packages: tuple[NpmPackage, ...] = BUNDLES,
    timeout: float = 30.0,
) -> None:
    """Download the pinned tarballs, check each sha256, then install their files in one go.

    Nothing is written unless every tarball downloaded and matched its checksum.
    """
    files: dict[str, bytes] = {}
    for package in packages:
        tarball = _download(f"{registry.rstrip('/')}/{package.tarball}", timeout)
        digest = hashlib.sha256(tarball).hexdigest()
        if digest != package.sha256:
            raise AssetsUnavailable(
                f"{package.name}@{package.version}: sha256 {digest} is not the pinned "
                f"{package.sha256}; refusing to install it"
            )
        files |= _extract(package, tarball)
    try:
        directory.mkdir(parents=True, exist_ok=True)
        (directory / _MANIFEST).unlink(missing_ok=True)  # incomplete until rewritten last
        for name, content in files.items():
            _write_atomically(directory / name, content)
        _write_atomically(directory / _MANIFEST, json.dumps(_pins(packages)).encode())
    except OSError as error:
        raise AssetsUnavailable(f"cannot write to {directory}: {error}") from error


def _write_atomically(path: Path, content: bytes) -> None:
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(content)
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def ensure_assets(
    directory: Path, *, registry: str = NPM_REGISTRY, timeout: float = 15.0
) -> str | None:
    """Fetch the bundles if they are missing; a message saying why GraphiQL is off, or None."""
    if not missing_assets(directory):
        return None
    try:
        fetch_assets(directory, registry=registry, timeout=timeout)
    except AssetsUnavailable as error:
        return (
            f"GraphiQL is unavailable: its JavaScript is not installed in {directory} and "
            f"could not be fetched ({error}). The API works; run `{FETCH_COMMAND}` once with "
            "access to the npm registry (or copy that directory from a machine that has it)."
        )
    return None


_PAGE = Template((STATIC_DIR / "graphiql.html").read_text(encoding="utf-8"))
_MISSING = Template((STATIC_DIR / "graphiql-missing.html").read_text(encoding="utf-8"))


def graphiql_response(request: Request, directory: Path) -> HTMLResponse:
    """The GraphiQL page, loading everything from this server; 503 with how to fix it if not."""
    root = request.scope.get("root_path", "")
    missing = missing_assets(directory)
    if missing:
        page = _MISSING.substitute(command=FETCH_COMMAND, missing=", ".join(missing))
        return HTMLResponse(page, status_code=503)
    return HTMLResponse(
        _PAGE.substitute(static=f"{root}{STATIC_URL}", assets=f"{root}{ASSETS_URL}")
    )


class _Bundles(StaticFiles):
    async def check_config(self) -> None:
        # Absent bundles are a 404 (the page explains why), not a server error.
        return None


def static_routes(directory: Path) -> list[BaseRoute]:
    """The fetched bundles and this package's own page script, under /graphql/static."""
    return [
        Mount(ASSETS_URL, _Bundles(directory=directory, check_dir=False)),
        Mount(STATIC_URL, StaticFiles(directory=STATIC_DIR)),
    ]
