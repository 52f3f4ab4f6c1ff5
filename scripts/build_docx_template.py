"""Regenerate assistant/output/template.docx, the reference document of the .docx export.

    python scripts/build_docx_template.py [OUT.docx]

The styles are defined in assistant/output/docx_template.py; a user may instead restyle the generated file
in Word and save it (or point BEIAN_DOCX_TEMPLATE at a copy)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from assistant.output.docx_template import TEMPLATE_PATH, build_template


def main() -> None:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else TEMPLATE_PATH
    build_template().save(str(out))
    print(f"已生成样式模板：{out}")


if __name__ == "__main__":
    main()
