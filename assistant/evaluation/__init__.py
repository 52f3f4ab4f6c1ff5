"""Evaluation against the gold set: metrics, scoring and reports."""
