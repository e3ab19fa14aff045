"""The policy's ``intake:`` section: checked when the policy loads, and reading a CRM's
record into deal fields with the CRM's own ways of writing numbers and booleans."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from policies.crm_mapping import SalesforceIntake, coerce, fields_of_property, map_record, value_at
from policies.loader import PolicyError, bundled_policy_path, load_policy_file

SALESFORCE = SalesforceIntake(
    fields={
        "company": "Account.Name",
        "acv": "Amount",
        "discount": ["Discount__c", "Discount_Pct__c"],
        "owner": "Owner.Email",
    },
    defaults={"term_months": 24},
)


@pytest.mark.parametrize(
    ("field", "given", "expected"),
    [
        ("acv", "500,000.00", Decimal("500000.00")),
        ("acv", "$ 1 200", Decimal("1200")),
        ("acv", 250000.5, Decimal("250000.5")),
        ("discount", "12%", Decimal("12")),
        ("term_months", "36", 36),
        ("term_months", 36.0, 36),
        ("employees", "5,000", 5000),
        ("budget_indicated", "true", True),
        ("budget_indicated", "No", False),
        ("custom_terms", 1, True),
        ("external_id", 18203345671, "18203345671"),
        ("external_id", 1234.0, "1234"),
        ("owner", "Sarah.Chen@Example.com", "sarah.chen@example.com"),
        ("owner", "U0SARAH", "U0SARAH"),
    ],
)
def test_values_as_crms_write_them(field: str, given: Any, expected: Any) -> None:
    assert coerce(field, given) == expected


@pytest.mark.parametrize(
    ("field", "given", "message"),
    [
        ("acv", "a lot", "must be a number"),
        ("acv", float("nan"), "must be a finite number"),
        ("acv", "Infinity", "must be a finite number"),
        ("acv", True, "must be a number"),
        ("term_months", "12.5", "term_months must be a whole number"),
        ("budget_indicated", "maybe", "must be true or false"),
        ("company", {"name": "x"}, "company must be text"),
        ("owner", "Sarah Chen", "owner must be the account executive's email"),
    ],
)
def test_values_that_cannot_be_read(field: str, given: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        coerce(field, given)


def test_a_record_read_through_its_mapping() -> None:
    record = {
        "Id": "006A",
        "Amount": 120000.0,
        "Discount__c": None,
        "Discount_Pct__c": "7.5",
        "Account": {"Name": "Northwind"},
        "Owner": {"Email": "sarah.chen@example.com"},
    }

    mapped = map_record(record, SALESFORCE, "salesforce")

    assert mapped.problems == []
    assert mapped.external_id == "006A"
    assert mapped.values == {
        "external_id": "006A",
        "company": "Northwind",
        "acv": Decimal("120000.0"),
        "discount": Decimal("7.5"),  # the first path with a value
        "term_months": 24,  # the default
        "owner": "sarah.chen@example.com",
    }
    assert mapped.sources["discount"] == "Discount_Pct__c"
    assert mapped.sources["term_months"] == "default"


def test_a_change_to_a_known_deal_takes_no_defaults_and_needs_nothing() -> None:
    mapped = map_record(
        {"Id": "006A", "Amount": "9"}, SALESFORCE, "salesforce", with_defaults=False
    )

    assert mapped.problems == []
    assert mapped.values == {"external_id": "006A", "acv": Decimal("9")}


def test_missing_required_fields_say_where_they_were_looked_for() -> None:
    mapped = map_record({"Id": "006A", "Amount": "x"}, SALESFORCE, "salesforce")

    assert {(p.field, p.crm_field) for p in mapped.problems} == {
        ("company", "Account.Name"),
        ("owner", "Owner.Email"),
        ("acv", "Amount"),
    }
    [acv] = [p for p in mapped.problems if p.field == "acv"]
    assert acv.message == "Amount is 'x': must be a number"


def test_paths_reach_into_lists_and_hubspot_long_form_properties() -> None:
    record = {"items": [{"a": 1}, {"a": 2}], "properties": {"amount": {"value": "10"}}}

    assert value_at(record, "items.1.a") == 2
    assert value_at(record, "items.5.a") is None
    assert value_at(record, "properties.amount") == "10"
    assert value_at(record, "properties.amount.value") == "10"


def test_a_property_change_finds_its_deal_field() -> None:
    assert fields_of_property(SALESFORCE, "Amount") == [("acv", "Amount")]
    assert fields_of_property(SALESFORCE, "Email") == [("owner", "Owner.Email")]
    assert fields_of_property(SALESFORCE, "StageName") == []


def check(tmp_path: Path, intake: str) -> list[str]:
    policy = tmp_path / "policy.yml"
    policy.write_text(bundled_policy_path().read_text(encoding="utf-8") + intake, "utf-8")
    with pytest.raises(PolicyError) as raised:
        load_policy_file(policy)
    return [str(issue) for issue in raised.value.issues]


def test_policy_check_names_every_mapping_mistake(tmp_path: Path) -> None:
    problems = check(
        tmp_path,
        """
intake:
  hubspot:
    fields:
      company: properties.dealname
      acv: properties.amount
      discont: properties.discount
  salesforce:
    fields:
      company: Account.Name
      acv: "Amount..x"
    defaults:
      owner: U0SARAH
""",
    )

    text = "\n".join(problems)
    assert (
        "intake.hubspot.fields.discont: 'discont' is not a deal field; did you mean 'discount'?"
        in text
    )
    assert "intake.hubspot.secret_env" in text  # HubSpot's requests must be verified
    assert "intake.salesforce.fields.acv" in text  # not a path


def test_policy_check_wants_a_source_for_each_required_field(tmp_path: Path) -> None:
    problems = check(
        tmp_path,
        """
intake:
  salesforce:
    fields: {company: Account.Name, acv: Amount}
    defaults: {term_months: forever}
""",
    )

    assert any(
        "intake.salesforce: owner has no CRM field: under intake.salesforce.fields, map owner" in p
        for p in problems
    ), problems


def test_policy_check_refuses_a_default_of_the_wrong_kind(tmp_path: Path) -> None:
    problems = check(
        tmp_path,
        """
intake:
  salesforce:
    fields: {company: Account.Name, acv: Amount, owner: Owner.Email}
    defaults: {term_months: forever}
""",
    )

    assert any(
        "intake.salesforce: defaults.term_months: must be a number" in p for p in problems
    ), problems
