"""GraphiQL in a real headless Chromium, on a live server, with no network beyond it."""

from __future__ import annotations

import json
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Browser, Page, async_playwright

from app.config import Settings
from tests.utils.api import Api

ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"
# As root, in a sandbox with a closed network: no sandboxing, no GPU, no calls home.
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-quic",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
]
HEADERS_EDITOR = ".graphiql-editor-tool .graphiql-editor:not(.hidden) .CodeMirror"
RESULT = ".result-window .CodeMirror"


@pytest.fixture(scope="session")
async def chromium() -> AsyncIterator[Browser]:
    executable = shutil.which("chromium")
    if executable is None:
        pytest.skip("no Chromium on this machine: `apt-get install chromium` (.ci/run does)")
    async with async_playwright() as playwright:
        # Debian's Chromium: Playwright's own browser download is never used.
        browser = await playwright.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_FLAGS
        )
        yield browser
        await browser.close()


async def editor_text(page: Page, selector: str) -> str:
    text: str = await page.eval_on_selector(selector, "node => node.CodeMirror.getValue()")
    return text


async def test_graphiql_creates_a_debt_with_the_bearer_token(
    chromium: Browser, server_url: str, api: Api, graphiql_assets: Path, settings: Settings
) -> None:
    context = await chromium.new_context(viewport={"width": 1400, "height": 900})
    page = await context.new_page()
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    try:
        await page.goto(f"{server_url}/graphql")
        await page.wait_for_selector(HEADERS_EDITOR, timeout=20_000)
        assert "mutation CreateDebt" in await editor_text(
            page, ".graphiql-query-editor .CodeMirror"
        )
        assert "Bearer <access_token>" in await editor_text(page, HEADERS_EDITOR)

        # As a person does: select the example headers and type the token over them.
        await page.click(HEADERS_EDITOR)
        await page.keyboard.press("Control+A")
        await page.keyboard.type(json.dumps({"Authorization": f"Bearer {api.token}"}))
        assert json.loads(await editor_text(page, HEADERS_EDITOR)) == {
            "Authorization": f"Bearer {api.token}"
        }

        await page.click(".graphiql-execute-button")
        await page.wait_for_function(
            f"""() => {{
                const node = document.querySelector({json.dumps(RESULT)});
                return node && node.CodeMirror.getValue().includes('"createDebt"');
            }}""",
            timeout=20_000,
        )
        ARTIFACTS.mkdir(exist_ok=True)
        await page.screenshot(path=ARTIFACTS / f"graphiql-{settings_backend(settings)}.png")
        result: dict[str, Any] = json.loads(await editor_text(page, RESULT))

        # The run is in GraphiQL's history, kept in localStorage, and the token nowhere
        # in the browser's storage: not before a reload, not after.
        history = await stored(page)
        assert any("mutation CreateDebt" in value for value in history.values()), history
        await page.reload()
        await page.wait_for_selector(HEADERS_EDITOR, timeout=20_000)
        after_reload = await stored(page)
        assert "mutation CreateDebt" in after_reload.get("local:graphiql:queries", "")
        assert "Bearer <access_token>" in await editor_text(page, HEADERS_EDITOR)
    finally:
        await context.close()
    for storage in (history, after_reload):
        assert not [key for key, value in storage.items() if api.token in value], storage
        assert not [key for key, value in storage.items() if "Bearer ey" in value], storage

    debt = result["data"]["createDebt"]
    assert debt["__typename"] == "Debt", result
    assert debt["status"] == "PENDING"
    assert debt["phone"] == "+33612345678"
    assert debt["amountText"] == "1250.00"
    # Written for the token's company: the API reads it back with the same token.
    read = await api.debt(debt["id"])
    assert read is not None
    assert read["amountText"] == "1250.00"
    assert all(url.startswith(server_url) for url in requests), requests


async def stored(page: Page) -> dict[str, str]:
    """Everything in the page's localStorage and sessionStorage, keyed "local:..." and
    "session:..."."""
    entries: dict[str, str] = await page.evaluate(
        """() => {
            const all = {};
            for (const [kind, storage] of [["local", localStorage], ["session", sessionStorage]]) {
                for (let i = 0; i < storage.length; i += 1) {
                    const key = storage.key(i);
                    all[`${kind}:${key}`] = storage.getItem(key);
                }
            }
            return all;
        }"""
    )
    return entries


def settings_backend(settings: Settings) -> str:
    return "sqlite" if settings.is_sqlite else "postgresql"


async def test_headers_an_older_page_left_in_storage_are_scrubbed(
    chromium: Browser, server_url: str, graphiql_assets: Path
) -> None:
    context = await chromium.new_context()
    page = await context.new_page()
    leaked = json.dumps({"Authorization": "Bearer left-by-an-older-page"})
    try:
        await page.goto(f"{server_url}/graphql")
        await page.wait_for_selector(HEADERS_EDITOR, timeout=20_000)
        await page.evaluate(
            """(headers) => {
                const item = {query: "{ __typename }", headers: headers};
                localStorage.setItem("graphiql:queries", JSON.stringify({queries: [item]}));
                localStorage.setItem("graphiql:headers", headers);
            }""",
            leaked,
        )
        await page.reload()
        await page.wait_for_selector(HEADERS_EDITOR, timeout=20_000)
        after_reload = await stored(page)
    finally:
        await context.close()
    assert "__typename" in after_reload["local:graphiql:queries"]
    assert not [key for key, value in after_reload.items() if "left-by" in value], after_reload
