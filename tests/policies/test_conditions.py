"""`when` conditions: what they match, exactly, and what a policy author is told if one is wrong."""

from __future__ import annotations

import ast
from decimal import Decimal

import pytest

from policies import condition_shapes as shapes
from policies.conditions import ConditionError, compile_condition
from policies.deal import DealTerms


def facts(**terms: object) -> dict[str, object]:
    """The facts of a TechCorp-like deal, with ``terms`` changed."""
    base: dict[str, object] = {
        "company": "TechCorp Inc",
        "acv": Decimal("500000"),
        "discount": Decimal("12"),
        "term_months": 36,
        "industry": "Technology",
        "employees": 5000,
        "use_case": "Consolidate regional CRMs",
        "budget_indicated": True,
        "custom_terms": False,
        "owner": "U0SARAH",
    }
    return DealTerms.model_validate({**base, **terms}).facts()


@pytest.mark.parametrize(
    ("condition", "terms", "expected"),
    [
        # Decimal exactness at the boundary
        ("discount > 15", {"discount": "15.00"}, False),
        ("discount > 15", {"discount": "15.01"}, True),
        ("discount >= 15", {"discount": "15.00"}, True),
        ("discount > 15.5", {"discount": "15.50"}, False),
        ("discount > 15.5", {"discount": "15.51"}, True),
        ("discount == 15.5", {"discount": "15.50"}, True),
        ("discount + 0.1 == 12.1", {}, True),
        ("acv * 0.1 > 49999.99", {}, True),
        ("acv * 0.1 > 50000", {}, False),
        ("employees > 4999.5", {}, True),
        # and / or / not
        ("acv > 250000 or discount > 15", {"acv": 100, "discount": 20}, True),
        ("acv > 250000 or discount > 15", {"acv": 100, "discount": 10}, False),
        ("acv > 250000 and discount > 15", {"discount": 10}, False),
        ("acv > 250000 and discount > 15", {"discount": 16}, True),
        ("not custom_terms", {"custom_terms": False}, True),
        ("not custom_terms", {"custom_terms": True}, False),
        ("custom_terms or not budget_indicated", {"budget_indicated": False}, True),
        ("custom_terms or not budget_indicated", {}, False),
        ("not (acv > 250000 and discount > 15)", {"discount": 16}, False),
        ("custom_terms == False", {}, True),
        ("budget_indicated == True", {"budget_indicated": False}, False),
        # chained comparisons
        ("100000 < acv <= 500000", {}, True),
        ("100000 < acv <= 500000", {"acv": "500000.01"}, False),
        ("100000 < acv <= 500000", {"acv": 100000}, False),
        ("0 < discount < 15 < acv", {}, True),
        # `in` lists and text
        ("industry in ['Technology', 'Finance']", {}, True),
        ("industry in ['Healthcare', 'Finance']", {}, False),
        ("industry not in ['Healthcare', 'Finance']", {}, True),
        ("term_months in [12, 24, 36]", {}, True),
        ("term_months in [12, 24]", {}, False),
        ("'Corp' in company", {}, True),
        ("industry == 'technology'", {}, False),
        ("lower(industry) == 'technology'", {}, True),
        ("len(company) == 12", {}, True),
        ("max(acv, 1000000) == 1000000", {}, True),
        ("abs(-discount) == discount", {}, True),
        # arithmetic
        ("term_months % 12 == 0", {}, True),
        ("acv / term_months * 12 > 160000", {}, True),
        ("-acv < 0", {}, True),
    ],
)
def test_condition_truth_table(condition: str, terms: dict[str, object], expected: bool) -> None:
    assert compile_condition(condition).evaluate(facts(**terms)) is expected


@pytest.mark.parametrize(
    ("condition", "hint"),
    [
        ("discont > 5", "unknown field 'discont'; did you mean 'discount'?"),
        ("industry == Finance", "unknown field 'Finance'"),
        ("industry > 5", "compares text with a number; quote text values"),
        ("acv == 'big'", "compares a number with text"),
        ("industry < 'M'", "< and > compare numbers only"),
        ("acv in ['a', 'b']", "looks for a number in a list of text"),
        ("industry in ['a', 1]", "mixes kinds of values"),
        ("acv in 5", "`in` needs a list"),
        ("custom_terms and acv", "`acv` is a number; and/or join true/false parts"),
        ("not acv", "`not` applies to true/false"),
        ("acv", "is a number, not true/false; compare it, for example `acv > 0`"),
        ("industry", "is text, not true/false"),
        ("company.upper == 'X'", "`company.upper` is not allowed in a condition"),
        ("company.lower() == 'x'", "'company.lower' is not an available function"),
        ("open('x') == 'x'", "'open' is not an available function (available: lower, upper"),
        ("__import__('os')", "'__import__' is not an available function"),
        ("lower(acv) == 'x'", "lower takes text"),
        ("min(acv) > 1", "min takes 2 argument(s)"),
        ("lambda: True", "`lambda: True` is not allowed in a condition"),
        ("(lambda: True)()", "is not an available function"),
        ("[d > 1 for d in [1, 2]]", "is not allowed in a condition"),
        ("acv > 1 if custom_terms else False", "is not allowed in a condition"),
        ("company[0] == 'T'", "`company[0]` is not allowed in a condition"),
        ("acv ** 2 > 1", "only + - * / % are allowed"),
        ("acv >", "does not parse"),
        ("", "the condition is empty; remove `when`"),
        ("   ", "the condition is empty"),
    ],
)
def test_rejected_condition_says_why(condition: str, hint: str) -> None:
    with pytest.raises(ConditionError) as caught:
        compile_condition(condition)
    assert hint in str(caught.value)


def test_division_by_zero_is_a_condition_error_not_a_crash() -> None:
    condition = compile_condition("acv / discount > 1")
    with pytest.raises(ConditionError, match="could not be evaluated"):
        condition.evaluate(facts(discount=0))


def test_whole_number_division_mixes_with_money() -> None:
    assert compile_condition("employees / 2 + 0.5 > 2500").evaluate(facts())
    assert compile_condition("term_months / 12 * discount == 36").evaluate(facts())


@pytest.mark.parametrize(
    ("source", "expected"),
    [("custom_terms == false", True), ("budget_indicated == true", True), ("not false", True)],
)
def test_lowercase_booleans_as_yaml_writes_them(source: str, expected: bool) -> None:
    assert compile_condition(source).evaluate(facts()) is expected


def test_condition_remembers_the_fields_it_uses() -> None:
    condition = compile_condition("acv > 250000 or industry in ['Finance']")
    assert condition.fields == {"acv", "industry"}
    assert str(condition) == "acv > 250000 or industry in ['Finance']"


def test_conditions_of_one_shape_share_a_tree_and_keep_their_own_literals() -> None:
    """A policy of 10,000 territories holds one tree for ``industry == '…'``."""
    first = compile_condition("industry == 'Technology' and acv > 250000")
    second = compile_condition("industry == 'Retail' and acv > 900000.5")
    deal = facts(industry="Retail", acv=Decimal("900001"))

    assert first.tree is second.tree
    assert (first.evaluate(deal), second.evaluate(deal)) == (False, True)
    assert second.literals == ("Retail", Decimal("900000.5"))


def test_a_shape_that_failed_is_checked_again_and_quotes_each_condition() -> None:
    for text in ("industry > 'Retail'", "industry > 'Technology'"):
        with pytest.raises(ConditionError) as caught:
            compile_condition(text)
        assert f"`{text}`: < and > compare numbers only" in str(caught.value)


def test_literals_of_another_kind_make_another_shape() -> None:
    compile_condition("industry == 'Retail'")
    with pytest.raises(ConditionError, match="compares text with a number"):
        compile_condition("industry == 5")
    assert compile_condition("acv == 5").evaluate(facts(acv=Decimal("5")))


def test_a_known_shape_is_read_from_its_text_without_parsing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The second territory of a 10,000-territory policy costs a regex, not a parse."""
    compile_condition("industry == 'Retail' and acv > 900000.5")

    def no_parse(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("parsed again")

    monkeypatch.setattr(ast, "parse", no_parse)
    second = compile_condition("industry == 'Territory 0042' and acv > 12")
    assert second.literals == ("Territory 0042", Decimal("12"))
    assert second.evaluate(facts(industry="Territory 0042", acv=Decimal("13")))


@pytest.mark.parametrize(
    ("first", "then"),
    [
        ("acv > 100", "acv > 1e5"),  # other number forms: Python reads them itself
        ("acv > 100", "acv > 1_000"),
        ("acv > 100", "acv > 0x10"),
        ("industry == 'A'", "industry == 'it\\'s'"),  # an escape
        ("industry == 'A'", "industry == 'A' 'B'"),  # adjoining text is one string
        ("industry == 'A'", "industry == f'{company}'"),  # an f-string is not text
        ("custom_terms == False", "custom_terms == True"),  # Python's constants
        ("industry == 'A'", "industry == 'Zürich {x}'"),
    ],
)
def test_what_the_text_reader_does_not_know_is_read_as_python_reads_it(
    first: str, then: str
) -> None:
    compile_condition(first)
    try:
        tree = ast.parse(then, mode="eval")
    except SyntaxError:
        with pytest.raises(ConditionError):
            compile_condition(then)
        return
    expected = tuple(node.value for node in shapes.literals_of(tree))
    exact = tuple(
        Decimal(repr(v)) if isinstance(v, float) else Decimal(v) if type(v) is int else v
        for v in expected
    )
    for _ in range(2):  # the second time, a text key trusted wrongly would answer
        try:
            condition = compile_condition(then)
        except ConditionError:
            continue  # refused, as a parse refuses it (an f-string is not a literal)
        assert condition.literals == exact
