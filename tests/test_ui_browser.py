"""The app in a real browser: `streamlit run app.py` as a subprocess, driven by Playwright in headless Debian
chromium. Open the example project → draft one section (template provider) → check report → export →
download a .docx and open it. Screenshots of each step go to test-artifacts/ui/."""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from docx import Document

from assistant.config import PROJECT_ROOT

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = PROJECT_ROOT / "test-artifacts" / "ui"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
START_TIMEOUT = 90.0
# Records, inside the page, the moment the example project's facts form shows the algorithm name: checked on
# every DOM mutation and animation frame, so the figure does not depend on how often the test polls.
FIRST_RENDER_PROBE = """
(() => {
  const check = () => {
    const input = document.querySelector('input[aria-label="算法名称"]');
    if (!window.__firstRender && input && input.value === "灵犀文本生成算法") {
      window.__firstRender = performance.timeOrigin + performance.now();
    }
  };
  new MutationObserver(check).observe(document, {subtree: true, childList: true, attributes: true});
  const tick = () => { check(); if (!window.__firstRender) requestAnimationFrame(tick); };
  requestAnimationFrame(tick);
})();
"""

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian chromium (/usr/bin/chromium) is not installed"),
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    url: str
    process: subprocess.Popen[bytes]
    started: float  # time.perf_counter() just before the process was started
    started_epoch: float  # time.time() at the same moment, to compare with the page's own clock
    data_dir: Path
    log: Path


def wait_healthy(server: Server) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise AssertionError(
                "streamlit exited:\n" + server.log.read_text(encoding="utf-8", errors="replace")
            )
        try:
            with urllib.request.urlopen(f"{server.url}/_stcore/health", timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.05)
    raise AssertionError(
        "streamlit did not become healthy:\n" + server.log.read_text(encoding="utf-8", errors="replace")
    )


def launch(
    tmp_path: Path,
    *,
    shared_index: Path | None = None,
    env: dict[str, str] | None = None,
    address: bool = True,
    extra: tuple[str, ...] = (),
) -> Server:
    """`streamlit run app.py` on a free port with its own data directory (a copy of `shared_index` when
    given), the template provider unless `env` says otherwise, and, unless `address` is False, an explicit
    `--server.address 127.0.0.1` (without it the project's .streamlit/config.toml decides)."""
    data_dir = tmp_path / "data"
    if shared_index is not None:
        shutil.copytree(shared_index / "index", data_dir / "index")
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "BEIAN_", "STREAMLIT_"))}
    environ.update(
        BEIAN_DATA_DIR=str(data_dir),
        BEIAN_PROVIDER="template",
        ANONYMIZED_TELEMETRY="False",
        BEIAN_OPENAI_BASE_URL="http://127.0.0.1:9/v1",
    )
    environ.update(env or {})
    port = free_port()
    log = tmp_path / "streamlit.log"
    argv = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port)]
    if address:
        argv += ["--server.headless", "true", "--server.address", "127.0.0.1"]
        argv += ["--browser.gatherUsageStats", "false"]
    started, started_epoch = time.perf_counter(), time.time()
    with log.open("wb") as handle:
        process = subprocess.Popen(
            [*argv, *extra], cwd=PROJECT_ROOT, env=environ, stdout=handle, stderr=subprocess.STDOUT
        )
    return Server(f"http://127.0.0.1:{port}", process, started, started_epoch, data_dir, log)


def stop(server: Server) -> None:
    server.process.terminate()
    try:
        server.process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        server.process.kill()


@pytest.fixture
def server(shared_index: Path, tmp_path: Path) -> Iterator[Server]:
    running = launch(tmp_path, shared_index=shared_index)
    try:
        yield running
    finally:
        stop(running)


def shot(page, name: str) -> None:  # noqa: ANN001 - playwright Page
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name), full_page=True)


@contextmanager
def browser_page(failure_shot: str, width: int = 1440, height: int = 1200, **options: Any) -> Iterator[Any]:
    """A zh-CN page in headless chromium (`options` go to `new_page`); a screenshot named `failure_shot` is
    kept when the body fails, and a JavaScript error on the page fails the test after it."""
    from playwright.sync_api import sync_playwright

    errors: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": width, "height": height}, locale="zh-CN", **options)
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        try:
            yield page
        except Exception:
            shot(page, failure_shot)
            raise
        finally:
            browser.close()
    assert not errors, errors


def open_example(server: Server, page: Any) -> Any:  # noqa: ANN401 - playwright Page / Locator
    """The app's first page with the example project's facts form shown; returns the 算法名称 input."""
    from playwright.sync_api import expect

    wait_healthy(server)
    page.goto(server.url)
    name = page.locator('input[aria-label="算法名称"]')
    expect(name).to_have_value("灵犀文本生成算法", timeout=60_000)
    return name


def draft_one_section(page: Any, title: str, timeout: int = 60_000) -> None:  # noqa: ANN401 - playwright Page
    """From any page: open 起草, choose the section titled `title`, draft it and wait until it is saved."""
    from playwright.sync_api import expect

    page.locator('[data-testid="stSidebarNav"] a', has_text="起草").click()
    expect(page.get_by_role("heading", name="起草")).to_be_visible(timeout=30_000)
    page.locator('[data-testid="stRadio"] label', has_text=title).click()
    expect(page.get_by_role("heading", name=title)).to_be_visible(timeout=30_000)
    page.get_by_role("button", name="起草本章节").click()
    expect(page.get_by_text("已起草并保存 1 个章节")).to_be_visible(timeout=timeout)


def test_open_draft_check_export_download(server: Server, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    with browser_page("99-failure.png", 1440, 1800, accept_downloads=True) as page:
        page.add_init_script(FIRST_RENDER_PROBE)
        wait_healthy(server)
        healthy = time.perf_counter() - server.started
        page.goto(server.url)
        page.wait_for_function("() => window.__firstRender", polling="raf", timeout=60_000)
        first_render = page.evaluate("() => window.__firstRender") / 1000 - server.started_epoch
        print(
            f"\nTIME TO FIRST RENDERED PAGE: {first_render:.2f} s (process start → example project's facts form "
            f"in the page; server healthy after {healthy:.2f} s)"
        )
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        (ARTIFACTS / "startup.json").write_text(
            json.dumps({"first_render_s": round(first_render, 3), "healthy_s": round(healthy, 3)}),
            encoding="utf-8",
        )
        expect(page.locator('input[aria-label="算法名称"]')).to_have_value("灵犀文本生成算法")
        expect(page.get_by_role("heading", name="项目")).to_be_visible()
        page.wait_for_timeout(500)
        shot(page, "01-projects.png")
        page.locator('[data-testid="stRadio"] label', has_text="产品信息").click()
        expect(page.locator('input[aria-label="产品名称"]')).to_have_value("灵犀写作助手", timeout=30_000)
        page.wait_for_timeout(500)
        shot(page, "02-projects-product.png")
        page.get_by_role("tab", name="版本历史").click()  # lazy tab: runs only once it is opened
        expect(page.get_by_text("查看版本（共 1 个）")).to_be_visible(timeout=30_000)
        expect(page.locator('[data-testid="stCode"]')).to_contain_text("灵犀文本生成算法")

        draft_one_section(page, "算法流程")
        editor = page.locator('textarea[aria-label="草稿（可直接修改）"]')
        expect(editor).to_contain_text("灵犀写作助手")
        expect(page.locator('[data-testid="stRadio"] label', has_text="算法流程")).to_contain_text("通过")
        page.wait_for_timeout(500)
        shot(page, "03-drafting.png")

        page.locator('[data-testid="stSidebarNav"] a', has_text="检查与导出").click()
        expect(page.get_by_role("heading", name="检查报告")).to_be_visible(timeout=30_000)
        export = page.get_by_role("button", name="导出 .docx")
        expect(export).to_be_disabled()  # 18 sections are not drafted yet
        page.wait_for_timeout(500)
        shot(page, "04-review.png")

        page.get_by_text("负责人确认后强制导出").click()
        reason = page.locator('textarea[aria-label^="强制导出的理由"]')
        reason.fill("演示导出：其余章节尚未起草，仅供内部审阅格式")
        reason.press("Control+Enter")
        override = page.get_by_role("button", name="记录理由并强制导出")
        expect(override).to_be_enabled(timeout=15_000)
        override.click()
        expect(page.get_by_text("已导出")).to_be_visible(timeout=60_000)
        download_button = page.get_by_role("button", name="算法安全自评估报告.docx")
        expect(download_button).to_be_visible()
        page.wait_for_timeout(500)
        shot(page, "05-exported.png")

        with page.expect_download(timeout=30_000) as info:
            download_button.click()
        target = tmp_path / info.value.suggested_filename
        info.value.save_as(str(target))
        assert target.exists() and target.stat().st_size > 5000
        document = Document(str(target))
        text = "\n".join(p.text for p in document.paragraphs)
        text += "\n".join(cell.text for table in document.tables for row in table.rows for cell in row.cells)
        assert "灵犀写作助手" in text
        assert "灵犀文本生成算法" in text
        shot(page, "06-downloaded.png")


def test_eval_html_report_renders_in_chromium(tmp_path: Path) -> None:
    """The evaluation report opened from disk: its tables and SVG charts lay out with a real size."""
    from playwright.sync_api import expect

    from assistant.evaluation import reports, run
    from assistant.runtime import Runtime

    report = run.evaluate(
        PROJECT_ROOT / "eval" / "gold",
        "template",
        Runtime(),
        cases=["g01-gen-sp-text-travel", "g10-push-ecommerce-incomplete"],
    )
    html = reports.write_reports(report, tmp_path / "report")["html"]
    with browser_page("99-failure-eval-report.png", 1280) as page:
        page.goto(html.as_uri())
        expect(page.get_by_role("cell", name="要素覆盖率").first).to_be_visible()
        charts = page.locator("svg")
        assert charts.count() >= 4
        for index in range(charts.count()):
            box = charts.nth(index).bounding_box()
            assert box is not None and box["width"] > 100 and box["height"] > 50
        bars = page.locator("svg rect")
        assert bars.count() > 0
        shot(page, "eval-report.png")


# --- safe defaults, the project in the URL, errors in Chinese, login (issue 21) ----------------------------


def _listening(port: int) -> list[str]:
    """Local addresses (hex, as in /proc/net/tcp*) of sockets listening on `port`."""
    found = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        path = Path(table)
        if not path.exists():
            continue
        for line in path.read_text().splitlines()[1:]:
            fields = line.split()
            address, hex_port = fields[1].rsplit(":", 1)
            if int(hex_port, 16) == port and fields[3] == "0A":  # 0A = LISTEN
                found.append(address)
    return found


def test_default_server_listens_on_loopback_only(shared_index: Path, tmp_path: Path) -> None:
    """No address on the command line: .streamlit/config.toml binds 127.0.0.1 and nothing probes the network."""
    running = launch(tmp_path, shared_index=shared_index, address=False)
    try:
        wait_healthy(running)
        port = int(running.url.rsplit(":", 1)[1])
        assert _listening(port) == ["0100007F"], _listening(port)  # 127.0.0.1 only, no IPv6 wildcard
        log = running.log.read_text(encoding="utf-8", errors="replace")
        assert f"URL: http://127.0.0.1:{port}" in log
        assert "Network URL" not in log and "External URL" not in log, log
    finally:
        stop(running)


def _second_project(server: Server) -> int:
    from assistant.store import Workspace

    ws = Workspace(f"sqlite:///{(server.data_dir / 'workspace.db').resolve()}")
    project = ws.create_project("第二个项目：智能客服")
    data = (PROJECT_ROOT / "tests/fixtures/facts-example.yaml").read_text(encoding="utf-8")
    ws.save_facts(project, data.replace("灵犀文本生成算法", "智能客服应答算法"), None)
    return project


def test_project_and_section_survive_reload(server: Server) -> None:
    from playwright.sync_api import expect

    with browser_page("99-failure-url.png") as page:
        name = open_example(server, page)
        expect(page).to_have_url(re.compile(r"[?&]project=1\b"))
        second = _second_project(server)
        page.goto(f"{server.url}/?project={second}")
        expect(name).to_have_value("智能客服应答算法", timeout=60_000)
        page.reload()  # a refresh opens the same project, not the first one
        expect(name).to_have_value("智能客服应答算法", timeout=60_000)
        expect(page).to_have_url(re.compile(rf"[?&]project={second}\b"))
        shot(page, "21-project-in-url.png")

        page.locator('[data-testid="stSidebarNav"] a', has_text="起草").click()
        expect(page.get_by_role("heading", name="起草")).to_be_visible(timeout=30_000)
        page.locator('[data-testid="stRadio"] label', has_text="风险研判").first.click()
        expect(page).to_have_url(re.compile(r"[?&]section=risk_assessment\b"), timeout=30_000)
        expect(page).to_have_url(re.compile(rf"[?&]project={second}\b"))
        page.reload()
        expect(page.get_by_role("heading", name="风险研判")).to_be_visible(timeout=60_000)
        page.wait_for_timeout(500)
        shot(page, "22-section-in-url-after-reload.png")

        page.goto(f"{server.url}/?project=999")
        expect(page.get_by_text("不存在或已被删除")).to_be_visible(timeout=60_000)
        expect(name).to_have_count(0)  # no other project's facts were opened instead
        expect(page).to_have_url(re.compile(r"[?&]project=999\b"))
        page.wait_for_timeout(500)
        shot(page, "23-missing-project.png")


def test_yaml_upload_error_in_chinese_with_line_and_column(server: Server) -> None:
    from playwright.sync_api import expect

    with browser_page("99-failure-yaml.png") as page:
        open_example(server, page)
        page.get_by_role("tab", name="导入/导出 YAML").click()
        expect(page.get_by_text("上传事实文件（.yaml / .yml，不超过 5.0 MB）")).to_be_visible(timeout=30_000)
        bad = "filing:\n  algorithm_name: 甲\n  role: [服务提供者\nproduct:\n  name: 乙\n"
        page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(
            files=[{"name": "bad.yaml", "mimeType": "application/x-yaml", "buffer": bad.encode("utf-8")}]
        )
        error = page.get_by_text("第 3 行第 9 列不是有效的 YAML")
        expect(error).to_be_visible(timeout=30_000)
        expect(page.get_by_text("方括号“[”没有闭合")).to_be_visible()
        page.wait_for_timeout(500)
        shot(page, "24-yaml-error-in-chinese.png")


def test_configured_login_hides_the_app(shared_index: Path, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    secrets = tmp_path / "secrets.toml"
    secrets.write_text(
        '[auth]\nredirect_uri = "http://127.0.0.1/oauth2callback"\ncookie_secret = "'
        + "s" * 32
        + '"\nclient_id = "beian"\nclient_secret = "x"\n'
        'server_metadata_url = "http://127.0.0.1:9/.well-known/openid-configuration"\n',
        encoding="utf-8",
    )
    running = launch(tmp_path, shared_index=shared_index, extra=("--secrets.files", str(secrets)))
    try:
        wait_healthy(running)
        with browser_page("99-failure-login.png", 1280, 900) as page:
            page.goto(running.url)
            expect(page.get_by_role("button", name="登录")).to_be_visible(timeout=60_000)
            expect(page.get_by_text("本应用已开启登录")).to_be_visible()
            expect(page.locator('input[aria-label="算法名称"]')).to_have_count(0)
            expect(page.locator('[data-testid="stSidebarNav"]')).to_have_count(0)
            shot(page, "25-login-required.png")
    finally:
        stop(running)
