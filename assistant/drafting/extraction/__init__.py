"""Fact extraction from a product description: a deterministic layer (identifiers, formatted facts and
enumerations with source spans), a model layer filling one small JSON schema per group under constrained
decoding, grounding of every value in a source sentence, and findings about the description itself."""
