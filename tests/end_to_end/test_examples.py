"""The example models in artifacts/ are what their documented commands build today.

Floats are compared within a tolerance, not bit for bit: another CPU (AVX-512 against AVX2, another
BLAS kernel) sums in another order and moves the last digits (measured: up to 1.7e-7 relative on an
AMD EPYC machine). Byte-identical files are the promise for one machine and one set of versions.
"""

import math
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from export.artifact import load_artifact
from training.__main__ import main as train
from training.examples import EXAMPLES, PROJECT, arguments, command

REL, ABS = 1e-6, 1e-8  # floats in the card; below ABS a value is rounding noise (a gradient norm at the optimum)
NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
SHOWN = 5  # differences listed when a comparison fails


def card_without_versions(path: Path) -> dict:
    return {k: v for k, v in load_artifact(path).card.to_json().items() if k != "versions"}


def printed_unit(token: str) -> float:
    """One unit in the last printed digit of a number written as ``token`` (0.4419 -> 1e-4)."""
    mantissa, _, exponent = token.lower().partition("e")
    decimals = len(mantissa.partition(".")[2])
    return 10.0 ** (int(exponent or 0) - decimals)


def text_differs(a: str, b: str) -> bool:
    """Texts must match exactly except for numbers, which may differ by one unit in their last printed digit."""
    if NUMBER.sub("#", a) != NUMBER.sub("#", b):
        return True
    pairs = zip(NUMBER.findall(a), NUMBER.findall(b))
    return any(abs(float(x) - float(y)) > max(printed_unit(x), printed_unit(y)) * 1.000001 for x, y in pairs)


def differences(built: object, shipped: object, path: str = "card") -> Iterator[str]:
    """Where two cards differ beyond the tolerances: structure, types and text exactly, floats
    within REL relative or ABS absolute."""
    if isinstance(built, dict) and isinstance(shipped, dict):
        if set(built) != set(shipped):
            yield f"{path}: keys {sorted(set(built) ^ set(shipped))} in one card only"
        for key in sorted(set(built) & set(shipped)):
            yield from differences(built[key], shipped[key], f"{path}.{key}")
    elif isinstance(built, list) and isinstance(shipped, list):
        if len(built) != len(shipped):
            yield f"{path}: {len(built)} entries built, {len(shipped)} shipped"
        for i, (a, b) in enumerate(zip(built, shipped)):
            yield from differences(a, b, f"{path}[{i}]")
    elif isinstance(built, float) and isinstance(shipped, float | int) and not isinstance(shipped, bool):
        if not math.isclose(built, shipped, rel_tol=REL, abs_tol=ABS):
            yield f"{path}: built {built!r}, shipped {shipped!r}"
    elif isinstance(built, str) and isinstance(shipped, str):
        if text_differs(built, shipped):
            yield f"{path}: built {built[:120]!r}, shipped {shipped[:120]!r}"
    elif type(built) is not type(shipped) or built != shipped:
        yield f"{path}: built {built!r}, shipped {shipped!r}"


def assert_same_card(built: object, shipped: object) -> None:
    found = list(differences(built, shipped))
    assert not found, f"{len(found)} difference(s), the first: " + "; ".join(found[:SHOWN])


@pytest.mark.parametrize("name", list(EXAMPLES))
def test_shipped_example_is_what_its_command_builds(name, tmp_path, capsys):
    assert train(arguments(name, out=tmp_path / name)) == 0
    assert_same_card(card_without_versions(tmp_path / name), card_without_versions(PROJECT / "artifacts" / name))
    shipped_card = (PROJECT / "artifacts" / name).with_name(f"{Path(name).stem}.model_card.md")
    built_card = (tmp_path / f"{Path(name).stem}.model_card.md").read_text()
    assert not text_differs(built_card, shipped_card.read_text()), "model_card.md differs beyond printed rounding"


@pytest.mark.parametrize("name", list(EXAMPLES))
def test_readme_documents_each_command(name):
    assert command(name) in (PROJECT / "README.md").read_text()


def test_the_comparison_allows_rounding_and_names_what_differs():
    card = {"a": [1.0, 2.0], "b": "p = 0.441982 after 1000 epochs", "n": 3, "g": 3e-9}
    assert not list(
        differences(card, {"a": [1.0 + 3e-7, 2.0], "b": "p = 0.441983 after 1000 epochs", "n": 3, "g": 9e-9})
    )
    other = {"a": [1.0 + 1e-5, 2.0], "b": "p = 0.441985 after 1000 epochs", "n": 4, "g": 3e-9, "c": None}
    with pytest.raises(AssertionError) as info:
        assert_same_card(card, other)
    message = str(info.value)
    assert message.startswith("4 difference(s), the first: card: keys ['c'] in one card only; card.a[0]: built 1.0")
    assert "card.b: built 'p = 0.441982" in message and "card.n: built 3, shipped 4" in message
