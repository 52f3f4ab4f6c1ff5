"""The extraction tab: field-by-field review beside the source sentence, uncertain fields not accepted by
default, edits kept, nothing saved until confirmed (AppTest); and the same in a real browser (Playwright)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from streamlit.testing.v1 import AppTest

from assistant.config import PROJECT_ROOT, get_settings
from assistant.store import Workspace

APP = str(PROJECT_ROOT / "app.py")
DESCRIPTION = (Path(__file__).parent / "fixtures" / "descriptions" / "writing-assistant.md").read_text(
    encoding="utf-8"
)


@pytest.fixture(autouse=True)
def template_provider(monkeypatch: pytest.MonkeyPatch, isolated_environment: Path) -> None:
    monkeypatch.setenv("BEIAN_PROVIDER", "template")
    get_settings.cache_clear()


def _extracted(at: AppTest) -> AppTest:
    at.session_state["projects.tab"] = "从产品描述提取"
    at.run()
    at.text_area(key="extract.text.1").set_value(DESCRIPTION).run()
    at.button(key="extract.run").click().run()
    assert not at.exception, at.exception
    return at


def test_review_field_by_field_and_save_only_on_confirm() -> None:
    at = _extracted(AppTest.from_file(APP, default_timeout=180).run())
    workspace = Workspace(get_settings().workspace_url)
    before = workspace.latest_facts(1)
    prefix = "extract.field.1"
    # found values are ticked, uncertain ones are not; each shows its source sentence with the span marked
    assert at.checkbox(key=f"{prefix}.ok.entity.credit_code").value is True
    assert at.checkbox(key=f"{prefix}.ok.filing.role").value is False
    sources = [m.value for m in at.markdown if "extract-source" in str(m.value)]
    assert any("<mark>91330106MA2H7K3B80</mark>" in s and "统一社会信用代码" in s for s in sources)
    assert workspace.latest_facts(1).version == before.version  # nothing saved by extracting
    at.text_input(key=f"{prefix}.value.product.name").set_value("青禾写作助手")
    at.checkbox(key=f"{prefix}.ok.product.user_scale").uncheck()
    at.run()
    at.button(key="extract.replace").click().run()
    assert not at.exception, at.exception
    latest = workspace.latest_facts(1)
    assert latest.version == before.version + 1
    saved = yaml.safe_load(latest.text)
    assert saved["product"]["name"] == "青禾写作助手"  # the edit
    assert saved["entity"]["credit_code"] == "91330106MA2H7K3B80"
    assert "user_scale" not in saved["product"] and "role" not in saved.get("filing", {})


def test_discarding_keeps_the_saved_facts() -> None:
    at = _extracted(AppTest.from_file(APP, default_timeout=180).run())
    workspace = Workspace(get_settings().workspace_url)
    before = workspace.latest_facts(1)
    at.button(key="extract.discard").click().run()
    assert workspace.latest_facts(1).text == before.text
    assert not any("提取结果（尚未保存）" in str(m.value) for m in at.markdown)


def test_over_long_description_is_refused_before_running() -> None:
    at = AppTest.from_file(APP, default_timeout=180).run()
    at.session_state["projects.tab"] = "从产品描述提取"
    at.run()
    assert any("描述上限 8000 字" in str(c.value) for c in at.caption)  # said before the user waits
    at.text_area(key="extract.text.1").set_value("我们的产品用大模型生成文案。" * 700).run()
    at.button(key="extract.run").click().run()
    assert any("上限为 8000 字" in str(e.value) for e in at.error)


@pytest.mark.slow
def test_review_in_chromium(tmp_path: Path) -> None:
    """The whole review in a real browser: paste, extract, see the marked source, edit, untick, confirm."""
    from playwright.sync_api import expect

    from tests.test_ui_browser import CHROMIUM, browser_page, launch, shot, stop, wait_healthy

    if not CHROMIUM.exists():
        pytest.skip("Debian chromium (/usr/bin/chromium) is not installed")
    server = launch(tmp_path)
    try:
        with browser_page("extraction-99-failure.png", 1440, 2200) as page:
            wait_healthy(server)
            page.goto(server.url)
            page.get_by_role("tab", name="从产品描述提取").click(timeout=60_000)
            box = page.locator('textarea[aria-label="产品描述"]')
            expect(box).to_be_visible(timeout=30_000)
            expect(page.get_by_text("描述上限 8000 字")).to_be_visible()
            box.fill(DESCRIPTION)
            box.press("Control+Enter")
            page.get_by_role("button", name="提取事实").click()
            expect(page.get_by_text("提取结果（尚未保存）")).to_be_visible(timeout=60_000)
            expect(page.locator("mark", has_text="91330106MA2H7K3B80")).to_be_visible(timeout=30_000)
            shot(page, "extraction-01-review.png")
            product = page.locator('[data-testid="stExpander"]', has_text="产品信息（")
            name = product.locator('input[aria-label="产品名称"]')
            expect(name).to_have_value("青禾写作", timeout=30_000)
            name.fill("青禾写作助手")
            name.press("Enter")
            page.wait_for_timeout(800)
            row = product.locator('[data-testid="stHorizontalBlock"]').filter(
                has=page.get_by_text("product.forms", exact=True)
            )
            first = row.locator('[data-testid="stCheckbox"]').last  # the row of product.forms
            expect(first.locator("input")).to_be_checked()
            first.locator("label").click()  # untick: the forms are not taken
            expect(first.locator("input")).not_to_be_checked()
            page.wait_for_timeout(800)
            shot(page, "extraction-02-edited.png")
            page.get_by_role("button", name="确认：保存为新版本（替换）").click()
            expect(page.get_by_text("已保存为第 2 版（从产品描述提取（逐项确认））")).to_be_visible(
                timeout=60_000
            )
            shot(page, "extraction-03-saved.png")
        saved = yaml.safe_load(
            Workspace(f"sqlite:///{server.data_dir / 'workspace.db'}").latest_facts(1).text
        )
        assert saved["product"]["name"] == "青禾写作助手"
        assert saved["entity"]["credit_code"] == "91330106MA2H7K3B80"
        assert "forms" not in saved["product"]
    finally:
        stop(server)
