"""Drafting: the engine, the deterministic template drafter, prompts, LLM providers, the local model, extraction and chat."""
