"""附件清单: the screenshots and attachments each section's claims need, from the sections' `evidence` data
(assistant/spec/sections.yaml), each tied to its section. The template drafter renders it as the report's
附件清单 and the responsibility document's 附件; `evidence_items` is the record other code (export) renders."""

from __future__ import annotations

from pydantic import BaseModel

from assistant.facts import Facts
from assistant.spec import Evidence, Section, SpecBook, load_spec


class EvidenceItem(BaseModel):
    document: str
    section_id: str
    section_title: str
    name: str
    proves: str


def _expand(facts: Facts, item: Evidence) -> list[tuple[str, str]]:
    """(name, proves) for one spec item, repeated per output modality, third-party model or system."""
    if item.each == "output":
        modalities = [p.modality for p in facts.algorithm.outputs or [] if p.modality]
        return [(f"{m}{item.name}", item.proves) for m in modalities] or [(item.name, item.proves)]
    if item.each == "third_party_model":
        models = [m.name for m in facts.models if m.provenance == "第三方API" and m.name]
        return [(f"{item.name}（{m}）", item.proves) for m in models]
    if item.each == "system":
        names = [s if isinstance(s, str) else (s.name or "") for s in facts.organization.systems or []]
        return [(f"《{n}》{item.name}", item.proves) for n in names if n]
    return [(item.name, item.proves)]


def _section_items(facts: Facts, section: Section) -> list[EvidenceItem]:
    return [
        EvidenceItem(
            document=section.document,
            section_id=section.id,
            section_title=section.title,
            name=name,
            proves=proves,
        )
        for item in section.evidence
        if item.applies(facts)
        for name, proves in _expand(facts, item)
    ]


def evidence_items(
    facts: Facts, spec: SpecBook | None = None, document: str | None = None
) -> list[EvidenceItem]:
    """Every attachment the filing's applicable sections call for, in section order (optionally one document's)."""
    spec = spec or load_spec()
    return [
        item
        for section in spec.applicable_sections(facts)
        if document is None or section.document == document
        for item in _section_items(facts, section)
    ]
