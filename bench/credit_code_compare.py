"""统一社会信用代码: the project's check (`assistant.facts.credit_code_problem`) against python-stdnum's
`stdnum.cn.uscc` on generated codes, by kind of code.

    pip install python-stdnum   # only for this comparison; the project does not depend on it
    python bench/credit_code_compare.py [--per-kind 2000] [--seed 7]

Each kind is generated with both check characters computed (GB 11714 on positions 9–17, GB 32100 on 18),
then changed the way the kind says. What GB 32100-2015 expects: position 1 a registration-authority code
(digits and letters such as N 农业, Y 其他), position 2 an entity-type code, positions 3–8 the GB/T 2260
administrative-division code (six digits), 9–17 the GB 11714 organisation code, 18 the check character.
"""

from __future__ import annotations

import argparse
import random
import sys
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from assistant.facts import credit_code_problem  # noqa: E402

CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
DIGITS = "0123456789"
LETTERS = "ABCDEFGHJKLMNPQRTUWXY"


def org_check(body: str) -> str:
    remainder = 11 - sum(int(c, 36) * w for c, w in zip(body, ORG_WEIGHTS, strict=True)) % 11
    return {10: "X", 11: "0"}.get(remainder, str(remainder))


def finish(first17: str) -> str:
    total = sum(CHARSET.index(c) * w for c, w in zip(first17, WEIGHTS, strict=True))
    return first17 + CHARSET[(31 - total % 31) % 31]


def code(rng: random.Random, lead: str, region: str) -> str:
    org = "".join(rng.choice(DIGITS + LETTERS) for _ in range(8))
    return finish(lead + rng.choice("123") + region + org + org_check(org))


def digits(rng: random.Random, n: int) -> str:
    return "".join(rng.choice(DIGITS) for _ in range(n))


def region_with_letter(rng: random.Random) -> str:
    region = list(digits(rng, 6))
    region[rng.randrange(6)] = rng.choice(LETTERS)
    return "".join(region)


def bad_org_check(rng: random.Random) -> str:
    valid = code(rng, "9", digits(rng, 6))
    wrong = rng.choice([c for c in DIGITS + "X" if c != valid[16]])
    return finish(valid[:16] + wrong)


KINDS: dict[str, tuple[bool, Callable[[random.Random], str]]] = {
    # kind: (valid per GB 32100-2015, generator)
    "led by 9/1/5, digit region": (True, lambda r: code(r, r.choice("915"), digits(r, 6))),
    "led by N (农业)": (True, lambda r: code(r, "N", digits(r, 6))),
    "led by Y (其他)": (True, lambda r: code(r, "Y", digits(r, 6))),
    "letter in region code (3–8)": (False, lambda r: code(r, "9", region_with_letter(r))),
    "wrong check character (18)": (
        False,
        lambda r: (lambda c: c[:17] + rng_other(r, c[17]))(code(r, "9", digits(r, 6))),
    ),
    "wrong organisation check (17)": (False, bad_org_check),
}


def rng_other(rng: random.Random, char: str) -> str:
    return rng.choice([c for c in CHARSET if c != char])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--per-kind", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    try:
        from stdnum.cn import uscc
    except ImportError:
        uscc = None
        print("python-stdnum 未安装：只列出本项目的结果（pip install python-stdnum 后可对比）")
    rng = random.Random(args.seed)
    print(f"{'kind':34} {'GB 32100':>9} {'project ok':>11} {'stdnum ok':>10}")
    for kind, (valid, make) in KINDS.items():
        codes = [make(rng) for _ in range(args.per_kind)]
        ours = sum(credit_code_problem(c) is None for c in codes)
        theirs = "—" if uscc is None else str(sum(uscc.is_valid(c) for c in codes))
        print(f"{kind:34} {'valid' if valid else 'invalid':>9} {ours:>11} {theirs:>10}")
    print(f"(each kind: {args.per_kind} codes; 'ok' = accepted as valid)")


if __name__ == "__main__":
    main()
