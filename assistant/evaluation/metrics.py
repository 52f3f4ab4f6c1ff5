"""Draft-quality metrics: pure, deterministic functions of texts, facts and annotations.

Every score is a float in [0, 1] (or a count), or None when it is undefined for the input (no annotated
phrase, no citation, no missing fact ...). Undefined is not zero: aggregates skip None.
"""

from __future__ import annotations

import re
import statistics
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from rapidfuzz.distance import LCSseq

from assistant import factpath
from assistant.checking.fabrication import FabricationDetector
from assistant.checking.matching import MARKER_RE, mentions
from assistant.textnorm import normalize

CHRF_ORDER = 6
CHRF_BETA = 2.0
_WS = re.compile(r"\s+")
_INDEX = re.compile(r"\[\s*(?:\d+|\*)?\s*\]|\.(\d+)(?=\.|$)")
_MARKER_PATH = re.compile(r"[（(]\s*([A-Za-z_][A-Za-z0-9_.\[\]* ]*?)\s*[）)]\s*$")
CONSISTENCY_CHECKS = ("identity", "numeric_consistency")


# --- small helpers ----------------------------------------------------------------------------------


def ratio(numerator: float, denominator: float) -> float | None:
    """numerator / denominator, or None when the denominator is zero."""
    return numerator / denominator if denominator else None


def mean(values: Iterable[float | None]) -> float | None:
    """Mean of the defined values; None when there is none."""
    defined = [v for v in values if v is not None]
    return sum(defined) / len(defined) if defined else None


def stdev(values: Sequence[float]) -> float | None:
    """Sample standard deviation; 0.0 for a single value, None for none."""
    if not values:
        return None
    return statistics.stdev(values) if len(values) > 1 else 0.0


def f1(precision: float | None, recall: float | None) -> float | None:
    if precision is None or recall is None:
        return None
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def strip_ws(text: str) -> str:
    return _WS.sub("", text)


# --- 1. element coverage ----------------------------------------------------------------------------


def element_coverage(draft: str, phrases: Sequence[str]) -> float | None:
    """Share of the annotated must_mention phrases the draft states (assistant.checking.matching.mentions:
    verbatim after normalisation; long phrases may be paraphrased but keep every number)."""
    return ratio(sum(1 for p in phrases if mentions(draft, p)), len(phrases))


# --- 2. blocking checks -----------------------------------------------------------------------------


def blocking_pass_rate(blocking_by_section: Mapping[str, int]) -> float | None:
    """Share of sections without any blocking finding."""
    return ratio(sum(1 for n in blocking_by_section.values() if n == 0), len(blocking_by_section))


MODEL_ORIGINS = ("model", "model+template")
LLM_ORIGINS = (*MODEL_ORIGINS, "fallback")


def model_kept_rate(origins: Iterable[str]) -> float | None:
    """Among sections an LLM drafted, the share whose final text is the model's (possibly with missing elements
    filled from the template) rather than the template text that replaced a failing model draft. None when no
    section was drafted by an LLM (the template provider)."""
    drafted = [o for o in origins if o in LLM_ORIGINS]
    return ratio(sum(1 for o in drafted if o in MODEL_ORIGINS), len(drafted))


# --- 3. 【待补充】 markers ----------------------------------------------------------------------------


def normalize_path(path: str) -> str:
    """Canonical key path: no spaces, list indices dropped (`models[0].proof`, `models.0.proof` and
    `models[*].proof` all become `models[].proof`), so a marker is not wrong for numbering a list
    differently."""
    path = unicodedata.normalize("NFKC", path).replace(" ", "")
    return _INDEX.sub(lambda m: "[]", path).strip(".")


def marker_paths(text: str) -> list[str]:
    """The key paths named by the 【待补充：说明（key.path）】 markers of a text, normalised; a marker that
    names no path yields an empty string (it cannot count for any missing fact)."""
    found = []
    for body in MARKER_RE.findall(text):
        match = _MARKER_PATH.search(body.strip())
        found.append(normalize_path(match.group(1)) if match else "")
    return found


@dataclass(frozen=True)
class MarkerScore:
    true_positives: int
    marked: int  # distinct paths the markers name (a nameless marker counts once per occurrence)
    missing: int  # distinct facts really missing

    @property
    def precision(self) -> float | None:
        return ratio(self.true_positives, self.marked)

    @property
    def recall(self) -> float | None:
        return ratio(self.true_positives, self.missing)


def marker_score(texts: Iterable[str], missing_facts: Iterable[str]) -> MarkerScore:
    """Markers of all `texts` (one filing) against the facts really missing. A marker counts for a missing
    fact when it names that fact's key path (normalised with `normalize_path`)."""
    named: set[str] = set()
    nameless = 0
    for text in texts:
        for path in marker_paths(text):
            if path:
                named.add(path)
            else:
                nameless += 1
    missing = {normalize_path(p) for p in missing_facts}
    return MarkerScore(len(named & missing), len(named) + nameless, len(missing))


# --- 4. fabricated facts ----------------------------------------------------------------------------


def fabricated_facts(draft: str, detector: FabricationDetector) -> list[str]:
    """Numbers, identifiers, dates and organisation names in the draft that appear neither in the facts
    file nor in the corpus, as `类型：值` strings."""
    return [f"{item.kind}：{item.value}" for item in detector.scan(draft)]


# --- 5. citations -----------------------------------------------------------------------------------


def citation_validity(results: Sequence[bool]) -> float | None:
    """Share of citations that verify (title and article exist in the corpus, quote matches; a title-only
    citation of a regulation known not to be in the corpus counts as valid)."""
    return ratio(sum(1 for ok in results if ok), len(results))


# --- 6. cross-document consistency ------------------------------------------------------------------


def consistency_rate(findings: Sequence[Mapping[str, Any]], sections: Sequence[str]) -> float | None:
    """Share of the sections in which no name or number of the facts file is written differently
    (no `identity` or `numeric_consistency` finding of assistant.checking.checks for that section)."""
    flagged = {f.get("section") for f in findings if f.get("check") in CONSISTENCY_CHECKS}
    return ratio(sum(1 for s in sections if s not in flagged), len(sections))


# --- 7. similarity to gold --------------------------------------------------------------------------


def char_ngrams(text: str, n: int) -> Counter[str]:
    return Counter(text[i : i + n] for i in range(len(text) - n + 1))


def chrf(hypothesis: str, reference: str, order: int = CHRF_ORDER, beta: float = CHRF_BETA) -> float:
    """chrF (Popović 2015) as sacrebleu computes it by default (whitespace removed, character n-grams
    1..order, precision and recall averaged over the orders both texts have, then F-beta), scaled to [0, 1]
    instead of sacrebleu's [0, 100]."""
    hyp, ref = strip_ws(hypothesis), strip_ws(reference)
    precisions, recalls = [], []
    for n in range(1, order + 1):
        hyp_grams, ref_grams = char_ngrams(hyp, n), char_ngrams(ref, n)
        hyp_total, ref_total = sum(hyp_grams.values()), sum(ref_grams.values())
        if not hyp_total or not ref_total:
            continue
        matches = sum((hyp_grams & ref_grams).values())
        precisions.append(matches / hyp_total)
        recalls.append(matches / ref_total)
    if not precisions:
        return 0.0
    p, r = sum(precisions) / len(precisions), sum(recalls) / len(recalls)
    factor = beta**2
    return (1 + factor) * p * r / (factor * p + r) if p + r else 0.0


def lcs_length(a: str, b: str) -> int:
    """Length of the longest common subsequence of two strings (rapidfuzz's bit-parallel LCSseq)."""
    return LCSseq.similarity(a, b)


def rouge_l(hypothesis: str, reference: str) -> float:
    """Character-level ROUGE-L F1: LCS over characters (whitespace removed), F1 of LCS/len(hyp) and
    LCS/len(ref)."""
    hyp, ref = strip_ws(hypothesis), strip_ws(reference)
    if not hyp or not ref:
        return 0.0
    lcs = lcs_length(hyp, ref)
    return f1(lcs / len(hyp), lcs / len(ref)) or 0.0


def length_ratio(hypothesis: str, reference: str) -> float | None:
    """Draft characters / gold characters (whitespace not counted)."""
    return ratio(len(strip_ws(hypothesis)), len(strip_ws(reference)))


# --- 8. adversarial ---------------------------------------------------------------------------------


def forbidden_mentions(draft: str, phrases: Sequence[str]) -> list[str]:
    """The must_not_mention phrases the draft contains (after normalisation, case-insensitive)."""
    folded = normalize(draft).lower()
    return [p for p in phrases if normalize(p).lower() in folded]


# --- 9. extracted facts -----------------------------------------------------------------------------


def fact_leaves(data: Any, prefix: str = "") -> list[tuple[str, str]]:
    """(normalised key path, value text) for every non-empty leaf; booleans as 'true'/'false'."""
    return [
        (normalize_path(path), text)
        for path, leaf in factpath.walk(data, prefix)
        if leaf is not None
        and (text := ("true" if leaf else "false") if isinstance(leaf, bool) else str(leaf).strip())
    ]


def values_match(predicted: str, gold: str) -> bool:
    """An extracted value matches a gold value when it states it: identical after normalisation
    (case-insensitive), or `mentions(predicted, gold)` — gold verbatim inside the prediction, or for a long
    gold value every number of it and ≥ 60 % of its content words."""
    if normalize(predicted).lower() == normalize(gold).lower():
        return True
    return gold not in ("true", "false") and mentions(predicted, gold)


@dataclass(frozen=True)
class FieldScore:
    matched: int
    predicted: int
    gold: int

    @property
    def precision(self) -> float | None:
        return ratio(self.matched, self.predicted)

    @property
    def recall(self) -> float | None:
        return ratio(self.matched, self.gold)

    @property
    def f1(self) -> float | None:
        return f1(self.precision, self.recall)


def field_score(predicted: Mapping[str, Any], gold: Mapping[str, Any]) -> FieldScore:
    """Leaf-level precision/recall of extracted facts: each predicted leaf is matched, one to one and in
    order, to the first unmatched gold leaf with the same normalised path whose value it matches."""
    pending: dict[str, list[str]] = {}
    for path, value in fact_leaves(gold):
        pending.setdefault(path, []).append(value)
    pred = fact_leaves(predicted)
    matched = 0
    for path, value in pred:
        candidates = pending.get(path, [])
        hit = next((i for i, g in enumerate(candidates) if values_match(value, g)), None)
        if hit is not None:
            candidates.pop(hit)
            matched += 1
    return FieldScore(matched, len(pred), len(fact_leaves(gold)))
