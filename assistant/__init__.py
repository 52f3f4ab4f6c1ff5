"""备案助手：互联网信息服务算法备案材料的起草、检查与导出。"""

from pathlib import Path

__version__ = "0.1.0"

SPEC_DIR = Path(__file__).parent / "spec"
"""Domain knowledge as data (sections, checks, aliases, terms), read by the drafter and the checker."""
