"""The fact-path helper: parsing, reading, writing, selector expansion, walking and pruning facts data."""

from __future__ import annotations

import pytest

from assistant import factpath
from assistant.facts import load_facts
from tests.helpers import EXAMPLE_FACTS

DATA = {
    "algorithm": {
        "models": [
            {"name": "甲", "provenance": "第三方API", "provider": "北京某公司"},
            {"name": "乙", "provenance": "自研"},
            {"name": "丙", "provenance": "第三方API"},
        ],
        "pipeline": ["输入", "审核"],
    },
    "product": {"forms": ["App", "网站"], "minors_allowed": False},
}


def test_parse_names_each_step() -> None:
    steps = factpath.parse("algorithm.models[provenance=第三方API].provider")
    assert [s.key for s in steps] == ["algorithm", "models", None, "provider"]
    assert steps[2].match == ("provenance", "第三方API")
    assert factpath.parse("a[*]")[1].all and factpath.parse("a[2]")[1].index == 2
    with pytest.raises(ValueError):
        factpath.parse("a[x]")


def test_get_reads_concrete_paths_and_misses_quietly() -> None:
    assert factpath.get(DATA, "algorithm.models[1].name") == "乙"
    assert factpath.get(DATA, "product.minors_allowed") is False
    assert factpath.get(DATA, "algorithm.models[7].name") is None
    assert factpath.get(DATA, "product.name.first") is None
    assert factpath.get(DATA, "algorithm.pipeline.name") is None
    assert factpath.has({"a": {"b": None}}, "a.b") and not factpath.has({"a": {}}, "a.b")
    assert factpath.has(DATA, "algorithm.models[2]") and not factpath.has(DATA, "algorithm.models[3]")


def test_expand_resolves_stars_and_filters_to_concrete_paths() -> None:
    assert factpath.expand(DATA, "algorithm.models[*].name") == [
        ("algorithm.models[0].name", "甲"),
        ("algorithm.models[1].name", "乙"),
        ("algorithm.models[2].name", "丙"),
    ]
    # an absent leaf under an existing item is reported by its concrete path
    assert factpath.expand(DATA, "algorithm.models[provenance=第三方API].provider") == [
        ("algorithm.models[0].provider", "北京某公司"),
        ("algorithm.models[2].provider", None),
    ]
    assert factpath.expand(DATA, "safety.complaint.entrance") == [("safety.complaint.entrance", None)]
    assert factpath.expand({}, "algorithm.models[*].name") == []


def test_assign_creates_and_removes() -> None:
    data: dict = {}
    factpath.assign(data, "safety.complaint.entrance", "App「我的」")
    assert data == {"safety": {"complaint": {"entrance": "App「我的」"}}}
    factpath.assign(data, "safety.complaint.entrance", "")
    assert data == {"safety": {"complaint": {}}}
    factpath.assign(data, "entity.name", None)  # nothing to remove, nothing created
    assert "entity" not in data


def test_walk_lists_every_leaf_in_order_and_map_leaves_rebuilds() -> None:
    leaves = list(factpath.walk(DATA))
    assert leaves[0] == ("algorithm.models[0].name", "甲")
    assert ("algorithm.pipeline[1]", "审核") in leaves
    assert ("product.minors_allowed", False) in leaves
    upper = factpath.map_leaves(DATA, lambda path, v: path if path.endswith("name") else v)
    assert upper["algorithm"]["models"][2]["name"] == "algorithm.models[2].name"
    assert upper["product"] == DATA["product"]


def test_walk_covers_the_example_facts() -> None:
    data = load_facts(EXAMPLE_FACTS).as_dict()
    for path, value in factpath.walk(data):
        assert factpath.get(data, path) == value


def test_prune_drops_empties_bottom_up() -> None:
    data = {"a": {"b": "", "c": [" ", {}]}, "d": [{"x": None}, "y"], "e": False}
    assert factpath.prune(data) == {"a": {"c": [" "]}, "d": ["y"], "e": False}
    assert factpath.prune(data, strip=True) == {"d": ["y"], "e": False}
    assert factpath.prune(data, keep_items=True) == {"a": {"c": [" ", {}]}, "d": [{}, "y"], "e": False}


def test_path_helpers() -> None:
    assert factpath.schema_path("algorithm.models[0].name") == "algorithm.models.name"
    assert factpath.parent("product.forms[1]") == "product.forms"
    assert factpath.parent("product.forms") == "product"
    assert factpath.parent("product") == ""
    assert factpath.last_key("product.scenarios[2]") == "scenarios"
