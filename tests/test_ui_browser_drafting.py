"""The drafting page in a real browser with a model: `streamlit run app.py` drafting through the openai
provider against the loopback OpenAI-protocol server (tests/openai_server.py), in headless Debian chromium
with a non-default time zone. Provenance, per-paragraph sources, the logged calls and local times are
checked on the page; screenshots go to test-artifacts/ui/."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from assistant.drafting.template_drafter import draft_section
from assistant.spec import load_spec
from assistant.store import Workspace
from tests.fakes import reworded
from tests.helpers import facts_with
from tests.openai_server import OpenAITestServer
from tests.test_ui_browser import (
    CHROMIUM,
    Server,
    browser_page,
    draft_one_section,
    launch,
    open_example,
    shot,
    stop,
)

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian chromium (/usr/bin/chromium) is not installed"),
]
ZONE = "Europe/Berlin"  # not the server's zone (UTC) nor the fallback (Asia/Shanghai)


@pytest.fixture
def model_server() -> Iterator[OpenAITestServer]:
    """Answers like a model that rewords the template draft but leaves out the complaint channel."""
    facts, spec = facts_with(), load_spec()

    def respond(body: dict) -> str:
        title = re.search(r"“(.+?)”一节", body["messages"][-1]["content"]).group(1)
        text = draft_section(facts, spec.section(title).id)
        return reworded("\n".join(line for line in text.splitlines() if "投诉举报：" not in line))

    with OpenAITestServer() as srv:
        srv.state.responder = respond
        yield srv


@pytest.fixture
def app(model_server: OpenAITestServer, shared_index: Path, tmp_path: Path) -> Iterator[Server]:
    model = {"BEIAN_PROVIDER": "openai", "BEIAN_OPENAI_BASE_URL": model_server.base_url}
    running = launch(
        tmp_path, shared_index=shared_index, env={**model, "BEIAN_OPENAI_MODEL": "loopback-model"}
    )
    try:
        yield running
    finally:
        stop(running)


def test_model_draft_shows_its_provenance_calls_and_local_times(app: Server) -> None:
    from playwright.sync_api import expect

    with browser_page("drafting-model-failure.png", 1440, 2200, timezone_id=ZONE) as page:
        open_example(app, page)
        draft_one_section(page, "风险防控情况", timeout=90_000)

        record = Workspace(f"sqlite:///{app.data_dir / 'workspace.db'}").latest_drafts(1)["risk_controls"]
        assert record.record["provenance"] == "mixed" and record.record["model"] == "loopback-model"
        expect(page.get_by_text("来源：模型改写，部分段落由模板补入")).to_be_visible()
        expect(page.get_by_text("模型：loopback-model")).to_be_visible()
        # the version's time in the browser's zone, not UTC
        created = datetime.fromisoformat(record.created).astimezone(ZoneInfo(ZONE))
        expect(page.get_by_text(f"第 1 版 · {created:%Y-%m-%d %H:%M}", exact=False)).to_be_visible()

        page.get_by_text("逐段来源").click()
        complaint = next(
            line for line in record.text.splitlines() if "投诉举报：" in line
        )  # filled in from the template
        sources = page.locator('[data-testid="stExpander"]', has_text="逐段来源")
        expect(sources.get_by_text("模板", exact=True).first).to_be_visible()
        expect(sources).to_contain_text(complaint.strip()[:30])
        calls = page.locator('[data-testid="stExpander"]', has_text="模型调用记录")
        calls.get_by_text("模型调用记录").click()
        expect(calls.locator('[data-testid="stDataFrame"]')).to_be_visible(timeout=15_000)
        expect(calls).to_contain_text("用户提示词")
        page.wait_for_timeout(800)
        shot(page, "drafting-model-provenance.png")

        page.get_by_role("tab", name="编辑").click()
        editor = page.locator('textarea[aria-label="草稿（可直接修改）"]')
        expect(editor).to_be_visible()
        expect(editor).to_have_value(re.compile("投诉举报"))
        shot(page, "drafting-model-editor.png")
