from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.errors import MoneyError
from app.money import amount, cents, dumps_json, fmt, loads_json, parse_amount, total


def test_floats_are_refused():
    with pytest.raises(MoneyError):
        amount(0.1)
    with pytest.raises(MoneyError):
        cents(1.0)
    with pytest.raises(MoneyError):
        total(["1.00", 0.5])
    with pytest.raises(MoneyError):
        amount(True)


def test_string_parsing_is_exact():
    assert amount("0.1") + amount("0.2") == Decimal("0.3")
    assert amount("1e-2") == Decimal("0.01")
    assert cents("1e-2") == Decimal("0.01")
    assert str(cents("0.1")) == "0.10"


def test_json_numbers_become_decimal_never_float():
    data = loads_json('{"a": 0.1, "b": 1e-2, "c": 3, "d": [2.675]}')
    assert isinstance(data["a"], Decimal) and data["a"] == Decimal("0.1")
    assert isinstance(data["b"], Decimal) and data["b"] == Decimal("0.01")
    assert data["c"] == 3 and isinstance(data["c"], int)
    assert cents(data["d"][0]) == Decimal("2.68")  # half-up on the exact decimal, not 2.67 from float


def test_round_half_up_at_the_edge():
    assert cents("2.675") == Decimal("2.68")
    assert cents("-2.675") == Decimal("-2.68")
    assert cents("0.005") == Decimal("0.01")
    assert cents("0.0049") == Decimal("0.00")


@pytest.mark.parametrize(
    "text,expected,comma",
    [
        ("1,234.56", "1234.56", False),
        ("(12.00)", "-12.00", False),
        ("-$5", "-5", False),
        ("$-5.10", "-5.10", False),
        ("1.234,56", "1234.56", True),
        ("-1 234,5", "-1234.5", True),
        ("12.00-", "-12.00", False),
        ("100.00 DR", "-100.00", False),
        ("100.00 CR", "100.00", False),
    ],
)
def test_parse_amount_forms(text, expected, comma):
    assert parse_amount(text, decimal_comma=comma) == Decimal(expected)


@pytest.mark.parametrize("bad", ["", "abc", "1.2.3", "$", "--5", "NaN", "Infinity"])
def test_parse_amount_rejects(bad):
    with pytest.raises(MoneyError):
        parse_amount(bad)


def test_format_and_json_roundtrip():
    assert fmt("1234.5") == "$1,234.50"
    assert fmt("-0.004") == "$0.00"
    assert fmt("-3") == "-$3.00"
    assert loads_json(dumps_json({"x": Decimal("0.10")})) == {"x": "0.10"}


@given(st.lists(st.decimals(min_value=-10**9, max_value=10**9, places=2, allow_nan=False), max_size=50))
def test_total_is_exact_sum(values):
    assert total(values) == sum(values, Decimal(0)).quantize(Decimal("0.01"))
    assert total(str(v) for v in values) == total(values)


@given(st.decimals(min_value=-10**12, max_value=10**12, places=2, allow_nan=False))
def test_parse_of_format_roundtrips(value):
    assert parse_amount(fmt(value)) == value
