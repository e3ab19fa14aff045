"""Ready deals for the sandbox: each shows something the product does under the example
policy (policies/examples/revops.yml), and goes in through the intake API as a CRM's would."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from policies.loader import example_deal

OWNER: Final = "U0SARAH"
"""The account executive who owns the ready deals."""


@dataclass(frozen=True)
class Preset:
    id: str
    label: str
    deal: dict[str, Any]


PRESETS: Final = (
    Preset(
        "techcorp",
        "TechCorp · $500K, 12% (the CFO, then legal and finance)",
        {**example_deal("techcorp"), "owner": OWNER},
    ),
    Preset(
        "northwind",
        "Northwind · $120K, 5% (avatars approve; legal times out after 24h)",
        {
            "company": "Northwind Traders",
            "acv": 120000,
            "discount": 5,
            "term_months": 12,
            "industry": "Retail",
            "employees": 800,
            "use_case": "Replace spreadsheets for store-level sales forecasting",
            "budget_indicated": True,
            "custom_terms": False,
            "owner": OWNER,
        },
    ),
    Preset(
        "tinyco",
        "TinyCo · $8K, no budget (the SDR avatar rejects it)",
        {
            "company": "TinyCo",
            "acv": 8000,
            "discount": 30,
            "term_months": 12,
            "industry": "Other",
            "employees": 6,
            "use_case": "Maybe",
            "budget_indicated": False,
            "custom_terms": False,
            "owner": OWNER,
        },
    ),
)


def preset_named(preset_id: str) -> Preset:
    for preset in PRESETS:
        if preset.id == preset_id:
            return preset
    known = ", ".join(preset.id for preset in PRESETS)
    raise KeyError(f"no ready deal {preset_id!r}; there are {known}")
