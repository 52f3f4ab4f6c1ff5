"""Fact extraction quality and speed: leaf-level recall and precision per group and overall against the
gold set (eval/gold/*/description.md vs facts.yaml), identifiers separately, seconds per description.

    python bench/extraction_bench.py [--providers template,local,openai] [--model 0.5b] [--limit N]
                                     [--set gold|heldout] [--case NAME] [--mode choose|noverify|mixed|write]
                                     [--cache FILE]

`template` is the deterministic layer alone. `local` runs the embedded model (BEIAN_LOCAL_MODEL or --model).
`openai` goes through the OpenAI-compatible client against tests/openai_server.py, whose replies come from
the embedded model answering the same request (messages and JSON schema) — the real protocol path with a
real model behind it. The local paths are slow on 2 cores: use --limit for a subset.

Recall is reported twice: against every gold leaf, and against the gold leaves the description states at
all ("stated": the gold value is mentioned in the description), since a gold facts file holds much that its
description never says. Precision is reported against all gold leaves, for the values marked found only,
and over the judgeable leaves (leaving out leaves at paths where the gold holds only values the description
does not state: the gold's rewording of a stated fact cannot tell a right extraction from a wrong one).
Identifiers are scored on the gold set's identifier leaves that the description
states and on tests/fixtures/descriptions/ (written for the tests, identifier-rich).

`--mode` picks how the model works: `choose` (default: it answers the long free-text fields with a sentence
number among the candidate sentences and the enumerations with a value, writes nothing, and its choices are
verified in one more call), `noverify` (the same, not verified), `mixed` (chosen long fields, verified, and
the other fields written), `write` (every field written, the earlier way). `--cache FILE` keeps every model reply keyed by its request
(with the seconds the call took), so a change of the post-processing can be scored again without re-running
the model; seconds then count the cached calls' original time.

`--set heldout` scores eval/heldout/ instead: descriptions written for this benchmark with the facts each
states (facts.yaml holds only stated values), committed before the rules were tuned and never tuned against
since — the check on descriptions the rules were not written from.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant.checking.matching import mentions  # noqa: E402
from assistant.config import get_settings  # noqa: E402
from assistant.drafting.extract import extract_facts  # noqa: E402
from assistant.drafting.extraction.record import set_path  # noqa: E402
from assistant.drafting.extraction.schemas import ENUMS  # noqa: E402
from assistant.drafting.llm import LLM, LocalLLM  # noqa: E402
from assistant.evaluation.metrics import fact_leaves, field_score, values_match  # noqa: E402
from assistant.spec import load_spec  # noqa: E402
from bench.model_server import openai_llm  # noqa: E402

SETS = {"gold": ROOT / "eval" / "gold", "heldout": ROOT / "eval" / "heldout"}
FIXTURES = ROOT / "tests" / "fixtures" / "descriptions"
ENUM_VALUES = {v for values in ENUMS.values() for v in values}
IDENTIFIERS = {
    "entity.credit_code",
    "product.icp_number",
    "product.urls[]",
    "filing.existing_filing_number",
    "algorithm.models[].llm_filing_number",
    "algorithm.models[].algorithm_filing_number",
    "entity.security_officer.phone",
    "entity.security_officer.email",
}


def cases(
    limit: int | None, where: str = "gold", only: list[str] | None = None
) -> list[tuple[str, str, dict[str, Any]]]:
    out = []
    for case in sorted((SETS[where] if where in SETS else Path(where)).iterdir()):
        if only and case.name not in only:
            continue
        if (case / "description.md").is_file() and (case / "facts.yaml").is_file():
            gold = yaml.safe_load((case / "facts.yaml").read_text(encoding="utf-8"))
            out.append((case.name, (case / "description.md").read_text(encoding="utf-8"), _json(gold)))
    return out[:limit] if limit else out


def _json(data: Any) -> Any:
    """YAML dates as ISO text, like the facts model gives them."""
    if isinstance(data, dict):
        return {k: _json(v) for k, v in data.items()}
    if isinstance(data, list):
        return [_json(v) for v in data]
    return data.isoformat() if hasattr(data, "isoformat") else data


def _stated(gold: Any, description: str) -> Any:
    """The gold facts restricted to leaves the description states."""
    if isinstance(gold, dict):
        kept = {k: _stated(v, description) for k, v in gold.items()}
        return {k: v for k, v in kept.items() if v not in (None, {}, [])}
    if isinstance(gold, list):
        return [v for v in (_stated(x, description) for x in gold) if v not in (None, {}, [])]
    if isinstance(gold, bool) or str(gold) in ENUM_VALUES:
        return gold  # booleans and enumerations are judged from the wording, never quoted: kept
    return gold if gold is not None and mentions(description, str(gold)) else None


def _judgeable(predicted: Any, gold: Any, stated: Any) -> tuple[int, int]:
    """(matched, predicted) over the predicted leaves that can be judged: a leaf at a path where the gold
    holds values the description never states (the gold's own rewording) cannot be called right or wrong
    and is left out; every other leaf counts, a field the gold leaves empty included."""
    unstated = {p for p, _ in fact_leaves(gold)} - {p for p, _ in fact_leaves(stated)}
    pending: dict[str, list[str]] = {}
    for path, value in fact_leaves(stated):
        pending.setdefault(path, []).append(value)
    matched = judged = 0
    for path, value in fact_leaves(predicted):
        if path in unstated:
            continue
        judged += 1
        candidates = pending.get(path, [])
        hit = next((i for i, g in enumerate(candidates) if values_match(value, g)), None)
        if hit is not None:
            candidates.pop(hit)
            matched += 1
    return matched, judged


def _only(data: dict[str, Any], paths: set[str]) -> list[tuple[str, str]]:
    return [(p, v) for p, v in fact_leaves(data) if p in paths]


class Totals:
    def __init__(self) -> None:
        self.counts: dict[str, list[int]] = {}

    def add(self, group: str, matched: int, predicted: int, gold: int) -> None:
        row = self.counts.setdefault(group, [0, 0, 0])
        row[0] += matched
        row[1] += predicted
        row[2] += gold

    def ratio(self, group: str) -> tuple[str, str]:
        matched, predicted, gold = self.counts.get(group, [0, 0, 0])
        fmt = lambda n, d: f"{n / d:.2f}" if d else "—"  # noqa: E731
        return fmt(matched, gold), fmt(matched, predicted)


def _identifier_score(predicted: dict[str, Any], expected: list[tuple[str, str]]) -> tuple[int, int, int]:
    got = _only(predicted, IDENTIFIERS)
    pending = list(expected)
    matched = 0
    for item in got:
        if item in pending:
            pending.remove(item)
            matched += 1
    return matched, len(got), len(expected)


class CachedLLM:
    """An LLM whose replies are kept in a JSON file keyed by the request; a cached call adds the seconds it
    originally took to `spent`, so seconds per description stay comparable."""

    def __init__(self, llm: LLM, path: Path):
        self.llm, self.path, self.name, self.model = llm, path, llm.name, llm.model
        self.store: dict[str, Any] = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
        self.spent = 0.0

    def complete(self, messages: Any, **kwargs: Any) -> str:
        key_data = (
            [[m.role, m.content] for m in messages],
            kwargs.get("json_schema"),
            kwargs.get("max_tokens"),
        )
        key = hashlib.sha256(json.dumps(key_data, ensure_ascii=False).encode()).hexdigest()
        if key not in self.store:
            started = time.monotonic()
            text = self.llm.complete(messages, **kwargs)
            self.store[key] = {"text": text, "seconds": time.monotonic() - started}
            self.path.write_text(json.dumps(self.store, ensure_ascii=False), encoding="utf-8")
        else:
            self.spent += self.store[key]["seconds"]
        return str(self.store[key]["text"])


MODES = {  # (choose, verify, write)
    "choose": (True, True, False),
    "mixed": (True, True, True),
    "noverify": (True, False, False),
    "write": (False, False, True),
}


def run(
    provider: str,
    llm: LLM | None,
    limit: int | None,
    where: str = "gold",
    only: list[str] | None = None,
    mode: str = "choose",
) -> None:
    spec = load_spec()
    overall, stated, ident, certain, judged = Totals(), Totals(), Totals(), Totals(), Totals()
    seconds = []
    choose, verify, write = MODES[mode]
    for name, description, gold in cases(limit, where, only):
        started, cached = time.monotonic(), getattr(llm, "spent", 0.0)
        result = extract_facts(description, llm, spec, choose=choose, verify=verify, write=write)
        seconds.append(time.monotonic() - started + getattr(llm, "spent", 0.0) - cached)
        predicted = result.facts.as_dict()
        found: dict[str, Any] = {}  # only the values marked found (the review pre-accepts these)
        for path, value in result.sources.items():
            if not value.uncertain:
                set_path(found, path, value.value)
        reachable = _stated(gold, description)
        for group in sorted(set(gold) | set(predicted)):
            score = field_score({group: predicted.get(group, {})}, {group: gold.get(group, {})})
            overall.add(group, score.matched, score.predicted, score.gold)
            overall.add("全部", score.matched, score.predicted, score.gold)
            reach = field_score({group: predicted.get(group, {})}, {group: reachable.get(group, {})})
            stated.add(group, reach.matched, reach.predicted, reach.gold)
            stated.add("全部", reach.matched, reach.predicted, reach.gold)
            sure = field_score({group: found.get(group, {})}, {group: gold.get(group, {})})
            certain.add(group, sure.matched, sure.predicted, sure.gold)
            certain.add("全部", sure.matched, sure.predicted, sure.gold)
            part = [{group: x.get(group, {})} for x in (predicted, gold, reachable)]
            judged.add(group, *_judgeable(*part), 0)
            judged.add("全部", *_judgeable(*part), 0)
        expected = _only(reachable, IDENTIFIERS)
        ident.add("gold", *_identifier_score(predicted, expected))
        print(f"  {name}: {seconds[-1]:.1f} s, {len(fact_leaves(predicted))} leaves", flush=True)
    fixtures = yaml.safe_load((FIXTURES / "identifiers.yaml").read_text(encoding="utf-8"))
    for file, values in [] if limit or only or where != "gold" else fixtures.items():
        result = extract_facts(
            (FIXTURES / file).read_text(encoding="utf-8"),
            llm,
            spec,
            choose=choose,
            verify=verify,
            write=write,
        )
        ident.add(
            "fixtures", *_identifier_score(result.facts.as_dict(), [(p, str(v)) for p, v in values.items()])
        )
    print(
        f"\n### {provider} on {where}: {len(seconds)} descriptions, {sum(seconds) / max(1, len(seconds)):.1f} s each"
    )
    print(
        "| group | recall (all gold leaves) | recall (stated in description) | precision | precision (found only)"
        " | precision (judgeable leaves) |"
    )
    print("|---|---|---|---|---|---|")
    for group in [*sorted(g for g in overall.counts if g != "全部"), "全部"]:
        recall_all, precision = overall.ratio(group)
        recall_stated, _ = stated.ratio(group)
        _, precision_found = certain.ratio(group)
        _, precision_judged = judged.ratio(group)
        print(
            f"| {group} | {recall_all} | {recall_stated} | {precision} | {precision_found} | {precision_judged} |"
        )
    for where in ("gold", "fixtures"):
        recall, precision = ident.ratio(where)
        m, p, g = ident.counts.get(where, [0, 0, 0])
        print(
            f"identifiers ({where}): recall {recall}, precision {precision} ({m} matched, {p} predicted, {g} stated)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--providers", default="template")
    parser.add_argument("--model", default=None, help="0.5b or 1.5b for local/openai")
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--set", dest="where", choices=sorted(SETS), default="gold")
    parser.add_argument(
        "--dir",
        dest="where",
        help="score the cases in this directory instead (NAME/description.md, NAME/facts.yaml)",
    )
    parser.add_argument("--case", action="append", default=None, help="only this case (repeatable)")
    parser.add_argument("--mode", choices=sorted(MODES), default="choose")
    parser.add_argument("--cache", type=Path, default=None, help="JSON file of model replies to reuse")
    args = parser.parse_args()
    wrap = (lambda llm: CachedLLM(llm, args.cache)) if args.cache else (lambda llm: llm)
    settings = get_settings()
    if args.model:
        settings = settings.model_copy(update={"local_model": args.model})
    for provider in args.providers.split(","):
        print(f"## {provider}", flush=True)
        if provider == "template":
            run("template (rules only)", None, args.limit, args.where, args.case)
        elif provider == "local":
            llm = wrap(LocalLLM(settings))
            run(
                f"local {settings.local_model} ({args.mode})",
                llm,
                args.limit,
                args.where,
                args.case,
                args.mode,
            )
        elif provider == "openai":
            with openai_llm(settings) as client:
                run(
                    f"openai → test server → local {settings.local_model} ({args.mode})",
                    wrap(client),
                    args.limit,
                    args.where,
                    args.case,
                    args.mode,
                )


if __name__ == "__main__":
    main()
