"""The optional LLM judge: a 1–5 score per drafted section, k runs, invalid replies retried then counted."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any

from assistant.drafting.llm import LLM, LLMError, Message, get_llm, provider_profile
from assistant.drafting.prompts import data_block, render
from assistant.evaluation import metrics
from assistant.evaluation.gold import EvalError
from assistant.facts import Facts
from assistant.runtime import Runtime

JUDGE_RETRIES = 2
JUDGE_SCALE = (1.0, 5.0)


@dataclass
class JudgeScore:
    scores: list[float] = field(default_factory=list)
    missing: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "scores": self.scores,
            "mean": metrics.mean(self.scores),
            "stdev": metrics.stdev(self.scores),
            "missing": self.missing,
        }


def default_judge(rt: Runtime) -> LLM:
    if not provider_profile(rt.settings.provider).uses_model:
        raise EvalError(
            "评审模型需要大模型：请用 --provider local 或 openai 起草，或设置 BEIAN_PROVIDER 指定评审所用的模型"
        )
    return get_llm(rt.settings.provider, rt.settings)


def parse_judge(raw: str) -> float | None:
    """The score of a judge reply `{"score": 1–5, "reason": …}`, or None when the reply is not valid."""
    start, end = raw.find("{"), raw.rfind("}")
    if start < 0 or end <= start:
        return None
    try:
        data = json.loads(raw[start : end + 1])
    except ValueError:
        return None
    score = data.get("score") if isinstance(data, dict) else None
    if isinstance(score, bool) or not isinstance(score, int | float) or not math.isfinite(score):
        return None
    return float(score) if JUDGE_SCALE[0] <= score <= JUDGE_SCALE[1] else None


def judge_once(llm: LLM, prompt: str, retries: int = JUDGE_RETRIES) -> float | None:
    """One judgement: retried when the output is not valid JSON; None (counted as missing) after that."""
    messages = [Message("system", render("system")), Message("user", prompt)]
    for _ in range(retries + 1):
        try:
            score = parse_judge(llm.complete(messages, max_tokens=200, json_schema={"type": "object"}))
        except LLMError:
            score = None
        if score is not None:
            return score
    return None


def judge_section(llm: LLM, rt: Runtime, facts: Facts, section_id: str, draft: str, runs: int) -> JudgeScore:
    section = rt.spec.section(section_id)
    elements = "；".join(e.name for e in section.applicable_elements(facts))
    prompt = render("judge", title=section.title, elements=elements, draft=data_block(draft))
    result = JudgeScore()
    for _ in range(max(1, runs)):
        score = judge_once(llm, prompt)
        if score is None:
            result.missing += 1
        else:
            result.scores.append(score)
    return result
