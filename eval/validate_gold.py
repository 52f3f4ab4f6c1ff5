"""Validate the gold set: `python eval/validate_gold.py [GOLD_DIR]` prints one line per problem and a case
table; exit status 0 when there is none, 1 otherwise.

Adapted from the gold-set author's validator. Per case it checks: facts.yaml parses (assistant.facts) and
carries every contract key (facts-example.yaml plus the optional blocks its type, role and function need)
unless the key is annotated as missing; the credit code passes GB 32100 and GB 11714; 网信算备 numbers have
21 digits; dates, URLs and e-mail domains are fictitious-safe; annotations agree with the facts (case id,
type, role); each gold section has the expected set of sections, a sane length, 2–5 must_mention phrases
that occur verbatim both in the facts and in the gold text, no number absent from the facts, no
【待补充】 in complete cases and a marker for every missing fact in incomplete ones; adversarial cases list
must_not_mention phrases, and no gold text contains one.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant import factpath  # noqa: E402
from assistant.facts import (  # noqa: E402
    FILING_NUMBER_RE,
    FactsError,
    credit_code_problem,
    field_specs,
    load_facts_text,
    parse_facts,
)
from assistant.spec import Applicability  # noqa: E402

DEFAULT_GOLD = ROOT / "eval" / "gold"
CONTRACT = ROOT / "tests" / "fixtures" / "facts-example.yaml"
NUMBER = re.compile(r"\d+(?:\.\d+)?")
CORE_SECTIONS = [
    "principle",
    "mechanism",
    "scenarios",
    "purpose",
    "algo_flow",
    "algo_data",
    "algo_model",
    "intervention",
    "risk_assessment",
    "risk_controls",
]
SECTION_CJK_MIN, SECTION_CHARS_MAX = 200, 700
DESCRIPTION_CHARS = (400, 1200)


def leaves(value: Any) -> Iterator[str]:
    yield from (str(leaf) for _, leaf in factpath.walk(value) if leaf is not None)


has_path = factpath.has


def key_paths(data: dict[str, Any], prefix: str = "") -> Iterator[str]:
    for key, value in data.items():
        path = f"{prefix}.{key}" if prefix else key
        yield path
        if isinstance(value, dict):
            yield from key_paths(value, path)


def section_numbers(text: str) -> list[str]:
    """Numbers of a gold text that must come from the facts (not list numbering or article numbers)."""
    text = re.sub(r"\[\d+\]", "", text)
    text = re.sub(r"第\s*[0-9一二三四五六七八九十百]+\s*条", "", text)
    text = re.sub(r"(?m)^\s*\d+[.、)]\s", "", text)
    return NUMBER.findall(text)


def cjk_count(text: str) -> int:
    return len(re.findall(r"[\u4e00-\u9fff]", text))


def expected_sections(facts: dict[str, Any]) -> list[str]:
    sections = list(CORE_SECTIONS)
    if facts["filing"]["algorithm_type"] == "生成合成类":
        sections.append("labeling")
    sections.append("service" if facts["filing"]["role"] == "服务提供者" else "tech_service_info")
    return sorted(sections)


def required_paths(facts: dict[str, Any], contract: list[str]) -> list[str]:
    """The contract's keys plus every leaf of each optional field or block the facts schema says applies
    (by type, role, filing kind, biometric editing), plus a third-party model's provider, number and proof."""
    need = list(contract)
    parsed = parse_facts(facts)
    specs = field_specs()
    for path, spec in specs.items():
        if spec.applies and Applicability.model_validate(spec.applies).applies(parsed):
            need += [p for p, s in specs.items() if s.leaf and (p == path or p.startswith(path + "."))]
    for index, model in enumerate(facts.get("algorithm", {}).get("models") or []):
        if model.get("provenance") == "第三方API":
            need += [
                f"algorithm.models[{index}].{k}" for k in ("provider", "algorithm_filing_number", "proof")
            ]
    return need


class CaseValidator:
    def __init__(self, directory: Path, contract: list[str]):
        self.dir, self.contract = directory, contract
        self.errors: list[str] = []
        self.row: tuple[str, ...] | None = None

    def error(self, message: str) -> None:
        self.errors.append(f"{self.dir.name}: {message}")

    def run(self) -> list[str]:
        text = (self.dir / "facts.yaml").read_text(encoding="utf-8")
        try:
            facts = yaml.safe_load(text)
            load_facts_text(text, f"{self.dir.name}/facts.yaml")
        except (yaml.YAMLError, FactsError) as exc:
            self.error(f"facts.yaml 无法解析：{exc}")
            return self.errors
        notes = yaml.safe_load((self.dir / "annotations.yaml").read_text(encoding="utf-8")) or {}
        self.check_identity(facts, notes, text)
        self.check_contract(facts, notes)
        present = self.check_sections(facts, notes, text)
        self.check_description()
        provenances = sorted({str(m.get("provenance")) for m in facts["algorithm"].get("models") or []})
        self.row = (
            self.dir.name,
            facts["filing"]["algorithm_type"],
            facts["filing"]["role"],
            notes.get("kind", ""),
            "+".join(provenances),
            str(len(present)),
        )
        return self.errors

    def check_identity(self, facts: dict[str, Any], notes: dict[str, Any], text: str) -> None:
        if notes.get("case") != self.dir.name:
            self.error(f"annotations 中的 case 为 {notes.get('case')}")
        for key in ("algorithm_type", "role"):
            if notes.get(key) != facts["filing"].get(key):
                self.error(f"annotations 的 {key} 与 facts 不一致")
        code = str(facts["entity"].get("credit_code", ""))
        if problem := credit_code_problem(code):
            self.error(f"统一社会信用代码 {code} 无效：{problem}")
        for number in re.findall(r"网信算备\S*?号", text):
            if not FILING_NUMBER_RE.match(number):
                self.error(f"备案编号格式无效：{number}")
        launch = str(facts["product"].get("launch_date"))
        if not (re.fullmatch(r"\d{4}-\d{2}-\d{2}", launch) or launch == "未上线"):
            self.error(f"launch_date 无效：{launch}")
        for url in facts["product"].get("urls") or []:
            if not re.match(r"https://[a-z0-9.-]+\.example\.(com|cn)(/|$)", url):
                self.error(f"网址应使用 example 域名：{url}")
        for domain in re.findall(r"[\w.-]+@([\w.-]+)", "\n".join(leaves(facts))):
            if not re.search(r"example\.(com|cn)$", domain):
                self.error(f"邮箱应使用 example 域名：{domain}")

    def check_contract(self, facts: dict[str, Any], notes: dict[str, Any]) -> None:
        missing = list(notes.get("missing_facts") or [])
        for path in missing:
            if has_path(facts, path):
                self.error(f"missing_facts 中的 {path} 实际存在")
        if notes.get("kind") == "incomplete" and not missing:
            self.error("incomplete 案例没有 missing_facts")
        if notes.get("kind") == "adversarial" and not notes.get("must_not_mention"):
            self.error("adversarial 案例没有 must_not_mention")
        for path in required_paths(facts, self.contract):
            if not has_path(facts, path) and path not in missing:
                self.error(f"缺少 {path}（且未列入 missing_facts）")

    def check_sections(self, facts: dict[str, Any], notes: dict[str, Any], facts_text: str) -> list[str]:
        present = sorted(p.stem for p in (self.dir / "sections").glob("*.md"))
        if present != expected_sections(facts):
            self.error(f"章节 {present} 应为 {expected_sections(facts)}")
        values, numbers = "\n".join(leaves(facts)), set(NUMBER.findall(facts_text))
        annotated = notes.get("sections") or {}
        forbidden = [p.lower() for p in notes.get("must_not_mention") or []]
        all_text = ""
        for sid in present:
            text = (self.dir / "sections" / f"{sid}.md").read_text(encoding="utf-8")
            all_text += text
            self.check_section_text(sid, text, notes.get("kind"), numbers, forbidden)
            phrases = (annotated.get(sid) or {}).get("must_mention") or []
            if not 2 <= len(phrases) <= 5:
                self.error(f"{sid}: must_mention 应为 2–5 个，实为 {len(phrases)}")
            for phrase in phrases:
                if phrase not in values:
                    self.error(f"{sid}: must_mention “{phrase}” 不在事实文件中")
                if phrase not in text:
                    self.error(f"{sid}: must_mention “{phrase}” 不在金标准正文中")
        for sid in annotated:
            if sid not in present:
                self.error(f"标注了不存在的章节 {sid}")
        if notes.get("kind") == "incomplete":
            for path in notes.get("missing_facts") or []:
                if path not in all_text:
                    self.error(f"没有点名 {path} 的【待补充】标记")
        return present

    def check_section_text(
        self, sid: str, text: str, kind: str | None, numbers: set[str], forbidden: list[str]
    ) -> None:
        chars = len(re.sub(r"\s", "", text))
        if cjk_count(text) < SECTION_CJK_MIN or chars > SECTION_CHARS_MAX:
            self.error(f"{sid}: 长度不合适（汉字 {cjk_count(text)}，总字数 {chars}）")
        stray = [n for n in section_numbers(text) if n not in numbers]
        if stray:
            self.error(f"{sid}: 数字不在事实文件中：{stray}")
        if kind != "incomplete" and "待补充" in text:
            self.error(f"{sid}: 非 incomplete 案例含有“待补充”")
        for phrase in forbidden:
            if phrase in text.lower():
                self.error(f"{sid}: 含有 must_not_mention “{phrase}”")

    def check_description(self) -> None:
        path = self.dir / "description.md"
        if not path.is_file():
            self.error("缺少 description.md")
            return
        size = len(re.sub(r"\s", "", path.read_text(encoding="utf-8")))
        if not DESCRIPTION_CHARS[0] <= size <= DESCRIPTION_CHARS[1]:
            self.error(f"description.md 长度 {size} 不在 {DESCRIPTION_CHARS[0]}–{DESCRIPTION_CHARS[1]} 之间")


def validate(gold_dir: Path, contract_file: Path = CONTRACT) -> tuple[list[str], list[tuple[str, ...]]]:
    """All problems of the gold set, and a summary row per case."""
    contract = list(key_paths(yaml.safe_load(contract_file.read_text(encoding="utf-8"))))
    errors: list[str] = []
    rows: list[tuple[str, ...]] = []
    cases = sorted(p for p in gold_dir.iterdir() if p.is_dir())
    if not cases:
        return [f"{gold_dir}: 没有金标准案例"], rows
    for directory in cases:
        validator = CaseValidator(directory, contract)
        errors += validator.run()
        if validator.row:
            rows.append(validator.row)
    return errors, rows


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    gold_dir = Path(args[0]) if args else DEFAULT_GOLD
    errors, rows = validate(gold_dir)
    for message in errors:
        print(f"ERROR {message}")
    print(f"\n{'case':34} {'type':8} {'role':10} {'kind':12} {'provenance':20} sections")
    for row in rows:
        print(f"{row[0]:34} {row[1]:8} {row[2]:10} {row[3]:12} {row[4]:20} {row[5]}")
    print(f"\n{len(rows)} cases, {len(errors)} errors")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
