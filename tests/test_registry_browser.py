"""The 备案清单 page in a real browser (headless Debian chromium through Playwright, the app as a `streamlit
run` subprocess, tests/test_ui_browser.py's server): search, a filing's history, the number decoder and the
charts. Screenshots go to test-artifacts/ui/registry-*.png."""

from __future__ import annotations

import pytest

from assistant.config import get_settings
from assistant.registry.index import get_index
from tests.test_ui_browser import CHROMIUM, Server, browser_page, server, shot, wait_healthy  # noqa: F401

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian chromium (/usr/bin/chromium) is not installed"),
]


def test_registry_page_search_history_decoder_charts(server: Server) -> None:  # noqa: F811
    from playwright.sync_api import expect

    index = get_index(get_settings())
    row = next(r for rows in index.by_digits.values() if len(rows) > 1 for r in rows[-1:])
    with browser_page("registry-99-failure.png", 1440, 1600) as page:
        wait_healthy(server)
        page.goto(f"{server.url}/registry")
        expect(page.get_by_role("heading", name="备案清单")).to_be_visible(timeout=60_000)
        expect(page.get_by_text(f"{len(index.rows)} 条备案")).to_be_visible(timeout=60_000)

        query = page.locator('input[aria-label="查询"]')
        query.fill(row.algorithm_name)
        query.press("Enter")
        expect(page.get_by_text("份清单中出现")).to_be_visible(timeout=60_000)
        history = page.locator('[data-testid="stMarkdown"]', has_text="份清单中出现")
        expect(history).to_contain_text(row.entity)
        expect(page.locator('[data-testid="stDataFrame"]')).to_be_visible()
        page.wait_for_timeout(500)
        shot(page, "registry-1-search.png")

        page.get_by_role("tab", name="备案编号解读").click()
        number = page.locator('input[aria-label="备案编号"]')
        expect(number).to_be_visible(timeout=30_000)
        number.fill(row.display_number)
        number.press("Enter")
        expect(page.get_by_text(f"已在清单中找到：{row.algorithm_name}")).to_be_visible(timeout=60_000)
        expect(page.locator('[data-testid="stTable"]')).to_contain_text(row.province)
        page.wait_for_timeout(500)
        shot(page, "registry-2-decoder.png")

        page.get_by_role("tab", name="统计").click()
        expect(page.get_by_text("各批次备案数（按类别）")).to_be_visible(timeout=30_000)
        expect(page.locator('[data-testid="stVegaLiteChart"]')).to_have_count(2, timeout=60_000)
        page.wait_for_timeout(1500)
        shot(page, "registry-3-charts.png")
