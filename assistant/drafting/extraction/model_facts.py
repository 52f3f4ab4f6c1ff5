"""What a model sentence says about its model, read from the sentence's structure: a Latin model identifier
as the subject of how it was made (MaLing-Coder-7B 是在…的基础上微调得到的), the base a model was made from
(<M>基于开源的 X 微调, 在 X 的基础上), the data it was trained on (训练数据为…, 用…训练而成, 用的是…) and what
it is for (，用于…, 专门用来…, <purpose>用的是<M>). Each reader returns spans; rules.py places them on the
model the sentence is about."""

from __future__ import annotations

import re

# A model identifier in Latin letters: a hyphenated or dotted id with a version or size (X-Coder-7B,
# bge-large-zh, Foo-v2), or a CamelCase word with a parameter count (Pangu13B).
LATIN_MODEL_RE = re.compile(
    r"(?<![A-Za-z0-9@/.\-])[A-Za-z][A-Za-z0-9]*(?:[-_.][A-Za-z0-9]+)+(?![A-Za-z0-9@/\-]|\.[A-Za-z0-9])"
)
_SIZE_RE = re.compile(r"(?i)(?<![A-Za-z])\d+(?:\.\d+)?[bmk]$|-(?:v\d|base|large|small|tiny|mini|zh|en|chat)")
_MADE_RE = re.compile(r"训练|微调|精调|预训练|蒸馏|研发|开发|得到|基座|底座|基础上")
# The phrase before a base model and what follows it: 基于(开源的)X(模型)微调 / 在 X 的基础上 / 以 X 为基座
_BASE_BEFORE_RE = re.compile(r"(?:基于|在|以|采用|选用|选取)\s*(?:开源(?:的|模型)?|社区版?的?|公开的?)?\s*$")
_BASE_AFTER_RE = re.compile(
    r"^\s*(?:模型)?\s*(?:的基础上|为基座|为底座|作为基座|作为底座|基座|上)?[^，。；,;]{0,24}?(?:微调|精调|训练|改进|蒸馏|得到|二次开发)"
)
_STRUCTURE_AFTER_RE = re.compile(r"^\s*(?:结构|架构|框架|网络)")
# The training data as the object of its phrase.
_DATA_LABEL_RE = re.compile(
    r"(?:训练数据|训练集|训练语料|训练样本|训练素材|语料)(?:主要)?(?:为|是|来自|包括|采用|取自|使用)[:：]?\s*"
)
_DATA_VERB_RE = re.compile(
    r"(?:使用|采用|利用|用)(?:了)?(?P<data>[^，。；,;]{4,60}?)(?:进行)?(?:训练|微调|精调|预训练)(?:而成|得到|出来)?"
)
_DATA_USED_RE = re.compile(r"用的是\s*")
_DATA_NOUN_RE = re.compile(
    r"数据|语料|样本|日志|记录|照片|图片|图像|视频|音频|语音|文本|评论|条|张|小时|GB|TB|对"
)
_CONTINUES_RE = re.compile(r"^\s*(?:以及|和|及|外加|另有|另外还有|加上|还有|并加上)")
# What the model is for: the segment after the model's that starts with 用于 / 专门用来 / 负责.
_PURPOSE_RE = re.compile(r"^\s*(?:它|该模型|这个模型|此模型)?\s*(?:主要|专门)?(?:用于|用来|负责)\s*")
# <task>（这一步）用的是 <M>: the task is the segment before the verb, when it is short and names no actor
_PURPOSE_BEFORE_RE = re.compile(
    r"(?:^|[，,；;：:])\s*([\u4e00-\u9fffA-Za-z0-9、]{2,14}?)(?:这一步|这一环节|环节|阶段|部分)?"
    r"(?:调用的是|用的是|采用的是|使用的是|依靠的是|靠的是)[^，。；]{0,12}$"
)
_ACTOR_RE = re.compile(r"我们|我司|公司|平台|系统|用户|目前|现在")


def is_latin_model(sentence: str, token: str, at: int) -> bool:
    """A Latin identifier is a model when it carries a size or version (7B, -large-zh) and the sentence says
    how a model is made or used, or when it opens the sentence that says how it was made."""
    if not _MADE_RE.search(sentence) and "模型" not in sentence and "调用" not in sentence:
        return False
    if re.fullmatch(r"[A-Z][A-Za-z]+-[A-Za-z][A-Za-z0-9]*-\d{8}", token):
        return False  # a 上线编号 (Beijing-Name-20240301), not a model
    return bool(_SIZE_RE.search(token)) or (at <= 2 and bool(_MADE_RE.search(sentence)))


def base_phrase(text: str, start: int, end: int, seg_start: int, seg_end: int) -> bool:
    """Whether the mention at [start, end) is the base another model was made from (基于开源的 X 微调, 在 X
    的基础上): a base phrase before it and a making verb after it in its segment — and not an architecture
    (基于 Transformer 结构)."""
    after = text[end:seg_end]
    if _STRUCTURE_AFTER_RE.match(after):
        return False
    return bool(_BASE_BEFORE_RE.search(text[seg_start:start]) and _BASE_AFTER_RE.match(after))


def base_name(name: str) -> str:
    """A base model's name without a trailing 模型 after Latin letters (CLIP模型 → CLIP)."""
    return re.sub(r"(?<=[A-Za-z0-9])\s*模型$", "", name)


def training_data(sentence: str) -> tuple[int, int] | None:
    """The training data a sentence states, as a span relative to the sentence: the object of 训练数据为…,
    of 用…训练(而成), or of 用的是… in a sentence about training; continued over 以及/外加 clauses."""
    m = _DATA_LABEL_RE.search(sentence)
    if m:
        return _continued(sentence, m.end(), _segment_end(sentence, m.end()))
    m = _DATA_VERB_RE.search(sentence)
    if m and _DATA_NOUN_RE.search(m.group("data")) and _specific(m.group("data")):
        data = m.group("data")
        lead = re.match(r"^(?:的是|了)?\s*", data)
        start = m.start("data") + (lead.end() if lead else 0)
        return start, m.end("data")
    m = _DATA_USED_RE.search(sentence)
    if m and re.search(r"训练", sentence[: m.start()]):
        end = _segment_end(sentence, m.end())
        if _DATA_NOUN_RE.search(sentence[m.end() : end]):
            return _continued(sentence, m.end(), end)
    return None


def _specific(data: str) -> bool:
    """Data named by more than its kind (标注数据 says nothing): a quantity, or a qualifier before it."""
    return (
        bool(re.search(r"\d|[一二两三四五六七八九十百千万亿]+(?:条|张|小时|万|亿)", data)) or len(data) >= 8
    )


def _segment_end(sentence: str, start: int) -> int:
    stop = re.search(r"[，,；;。]", sentence[start:])
    return start + stop.start() if stop else len(sentence)


def _continued(sentence: str, start: int, end: int) -> tuple[int, int]:
    while end < len(sentence) and sentence[end] in "，," and _CONTINUES_RE.match(sentence[end + 1 :]):
        end = _segment_end(sentence, end + 1)
    return start, end


def purpose(sentence: str, model_start: int, model_end: int) -> tuple[int, int] | None:
    """What the model is for, relative to the sentence: in the model's own segment or the one right after
    it, a segment that opens with 用于/用来/负责 (…微调，用于识别视频主题); or the task before 用的是 when
    the model is its object (许可证检测用的是自研的…模型)."""
    segs = list(re.finditer(r"[^，,；;。]+", sentence[model_end:]))[:2]
    for seg in segs:
        m = _PURPOSE_RE.match(seg.group(0))
        if m:
            start, end = model_end + seg.start() + m.end(), model_end + seg.end()
            return (start, end) if end - start >= 2 else None
    m = _PURPOSE_BEFORE_RE.search(sentence[:model_start])
    if m and not _ACTOR_RE.search(m.group(1)):
        return m.start(1), m.end(1)
    return None
