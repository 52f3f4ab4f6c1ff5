"""Deterministic checks: the rule registry, fabrication and text matching, prompt-injection detection."""
