"""The algorithm's flow chart: a vertical chain of numbered boxes joined by arrows, drawn with Pillow.

Chinese labels need a font with Chinese glyphs. The font is, in order: the file named by `BEIAN_CJK_FONT`,
a Simplified-Chinese face fontconfig knows (`fc-list :lang=zh`; Debian's `fonts-noto-cjk` is installed by
scripts/setup.sh and .ci/apt-packages.txt), or one of the usual system paths. Without one the chart has
only its step numbers and `render_flowchart` returns a notice that the exporter writes into the document
under the chart and the CLI and the app show as a warning."""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

CHART_WIDTH, BOX_WIDTH, FONT_PX, PADDING, GAP, MARGIN = 1000, 820, 30, 22, 64, 30
FONT_ENV = "BEIAN_CJK_FONT"
_FONT_PATHS = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
    "/System/Library/Fonts/PingFang.ttc",
    "/System/Library/Fonts/STHeiti Light.ttc",
    "C:/Windows/Fonts/msyh.ttc",
    "C:/Windows/Fonts/simhei.ttf",
)
_NO_LINE_START = "，。；：、！？）」』”’》】,.;:!?)"
NO_FONT_NOTICE = (
    "警告：未找到可用的中文字体，流程图只绘制了方框和步骤序号，没有步骤文字。"
    "请安装中文字体（Debian/Ubuntu：apt-get install fonts-noto-cjk），"
    f"或用环境变量 {FONT_ENV} 指定一个中文字体文件（.ttf/.ttc/.otf），然后重新导出。"
)


def _declared_font() -> tuple[str, int] | None:
    declared = os.environ.get(FONT_ENV, "").strip()
    return (declared, 0) if declared and Path(declared).is_file() else None


def _fontconfig_fonts() -> list[tuple[tuple[int, ...], str, int]]:
    if not shutil.which("fc-list"):
        return []
    try:
        listing = subprocess.run(
            ["fc-list", "-f", "%{file}\t%{index}\t%{family}\t%{style}\n", ":lang=zh"],
            capture_output=True,
            text=True,
            timeout=20,
            check=False,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    candidates = []
    for line in listing.splitlines():
        path, index, family, style = (line.split("\t") + ["", "", "", ""])[:4]
        if not path.lower().endswith((".ttf", ".ttc", ".otf", ".otc")):
            continue
        rank = (
            "SC" in family or "CN" in family or "GB" in family,
            "Mono" not in family,
            "Sans" in family or "Hei" in family,
            "Regular" in style or "Book" in style,
        )
        candidates.append((tuple(int(x) for x in rank), path, int(index or 0)))
    return candidates


@lru_cache(maxsize=1)
def find_cjk_font() -> tuple[str, int] | None:
    """(font file, face index) of a font with Chinese glyphs, preferring a Simplified-Chinese sans face."""
    if declared := _declared_font():
        return declared
    if candidates := _fontconfig_fonts():
        _, path, index = max(candidates, key=lambda c: c[0])
        return path, index
    return next(((path, 0) for path in _FONT_PATHS if Path(path).is_file()), None)


def _wrap(text: str, font: ImageFont.FreeTypeFont, width: int) -> list[str]:
    """Greedy wrapping by measured width; Latin words stay whole, closing punctuation never starts a line."""
    lines, current = [], ""
    for token in re.findall(r"[A-Za-z0-9_.@/-]+|.", text):
        if current and font.getlength(current + token) > width and token[0] not in _NO_LINE_START:
            lines.append(current.rstrip())
            current = token.lstrip()
        else:
            current += token
    return [*lines, current.rstrip()] if current.strip() else lines


def _cjk_font() -> ImageFont.FreeTypeFont | None:
    located = find_cjk_font()
    if located is None:
        return None
    try:
        font = ImageFont.truetype(located[0], FONT_PX, index=located[1])
    except OSError:
        return None
    return font if font.getmask("算法").getbbox() else None  # a face without Chinese glyphs draws nothing


def render_flowchart(steps: list[str]) -> tuple[bytes, list[str]]:
    """A vertical flow chart PNG (numbered boxes joined by arrows) and any notices about how it was drawn.

    Without a CJK font the boxes carry only their step numbers (Pillow's built-in font has no Chinese)."""
    notices: list[str] = []
    font = _cjk_font()
    if font is not None:
        wrapped = [_wrap(f"{i}. {step}", font, BOX_WIDTH - 2 * PADDING) for i, step in enumerate(steps, 1)]
    else:
        notices.append(NO_FONT_NOTICE)
        font = ImageFont.load_default(size=FONT_PX)
        wrapped = [[str(i)] for i in range(1, len(steps) + 1)]
    line_height = int(FONT_PX * 1.45)
    heights = [max(len(lines), 1) * line_height + 2 * PADDING for lines in wrapped]
    total = 2 * MARGIN + sum(heights) + GAP * (len(steps) - 1)
    image = Image.new("RGB", (CHART_WIDTH, total), "white")
    draw = ImageDraw.Draw(image)
    left, top = (CHART_WIDTH - BOX_WIDTH) // 2, MARGIN
    for index, (lines, height) in enumerate(zip(wrapped, heights, strict=True)):
        draw.rounded_rectangle(
            (left, top, left + BOX_WIDTH, top + height), radius=14, fill="#EEF3F8", outline="#2F4F6F", width=3
        )
        for n, line in enumerate(lines):
            y = top + PADDING + n * line_height + (line_height - FONT_PX) // 2
            draw.text((left + PADDING, y), line, font=font, fill="#111111")
        top += height
        if index < len(steps) - 1:
            _arrow(draw, CHART_WIDTH // 2, top, top + GAP)
            top += GAP
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", dpi=(200, 200))
    return buffer.getvalue(), notices


def _arrow(draw: ImageDraw.ImageDraw, x: int, start: int, end: int) -> None:
    head = 16
    draw.line((x, start + 4, x, end - head), fill="#2F4F6F", width=4)
    draw.polygon(
        [(x - head * 0.7, end - head - 2), (x + head * 0.7, end - head - 2), (x, end - 2)], fill="#2F4F6F"
    )
