"""The check report page in a real browser (Playwright, headless Debian chromium): a fact removed from the
example project is one problem however many sections it affects, shown with Chinese labels, grouped by section
and by fact, and its fix button opens the field in the facts form. Screenshots go to test-artifacts/ui/."""

from __future__ import annotations

import yaml

from assistant.store import Workspace
from tests.helpers import example_data, example_registry_warnings
from tests.test_ui_browser import (  # noqa: F401 - `server` is a fixture used by name
    CHROMIUM,
    FIRST_RENDER_PROBE,
    Server,
    browser_page,
    pytestmark,
    server,
    shot,
    wait_healthy,
)


def _save_without_launch_date(server: Server) -> None:  # noqa: F811 - the fixture
    """A new facts version of the example project without product.launch_date, as another session would save."""
    ws = Workspace(f"sqlite:///{(server.data_dir / 'workspace.db').resolve()}")
    project_id = ws.projects()[0]["id"]
    data = example_data()
    del data["product"]["launch_date"]
    ws.save_facts(project_id, yaml.safe_dump(data, allow_unicode=True), ws.latest_facts(project_id).version)


def test_check_report_grouped_by_section_and_fact_with_fix_buttons(server: Server) -> None:  # noqa: F811
    from playwright.sync_api import expect

    with browser_page("99-review-failure.png", 1440, 1800) as page:
        page.add_init_script(FIRST_RENDER_PROBE)
        wait_healthy(server)
        page.goto(server.url)
        page.wait_for_function("() => window.__firstRender", polling="raf", timeout=60_000)
        _save_without_launch_date(server)

        page.locator('[data-testid="stSidebarNav"] a', has_text="起草").click()
        expect(page.get_by_role("heading", name="起草")).to_be_visible(timeout=30_000)
        page.get_by_role("button", name="全部起草").click()
        expect(page.get_by_text("已起草并保存")).to_be_visible(timeout=120_000)

        page.locator('[data-testid="stSidebarNav"] a', has_text="检查与导出").click()
        expect(page.get_by_role("heading", name="检查报告")).to_be_visible(timeout=30_000)
        problems = page.locator('[data-testid="stMetric"]', has_text="问题")
        expected = str(1 + example_registry_warnings())  # the removed fact, and the example's invented number
        expect(problems.locator('[data-testid="stMetricValue"]')).to_have_text(expected)
        finding = page.get_by_text("缺少事实“上线时间”").first
        expect(finding).to_be_visible()
        expect(page.get_by_text("product.launch_date")).to_have_count(0)  # labels, not key paths
        page.wait_for_timeout(500)
        shot(page, "review-by-section.png")

        page.get_by_role("tab", name="按事实").click()
        expect(page.get_by_text("上线时间：1 项阻断")).to_be_visible(timeout=30_000)
        page.wait_for_timeout(500)
        shot(page, "review-by-fact.png")

        page.get_by_role("button", name="修改事实：上线时间").first.click()
        expect(page.get_by_role("heading", name="项目")).to_be_visible(timeout=30_000)
        expect(page.locator('input[aria-label="上线时间"]')).to_be_visible(timeout=30_000)
        page.wait_for_timeout(500)
        shot(page, "review-fix-field.png")
