"""The OpenAPI 3.1 document of the intake API, served at ``GET /api/openapi.json``.

The request body's schema is the deal model's own (``DealTerms``), so the document and
the validation cannot drift apart; the answers are described here, and
tests/api/test_openapi.py fuzzes the running API against all of it (schemathesis).
"""

from __future__ import annotations

from functools import cache
from typing import Any

from policies.deal import DealTerms

_REF = "#/components/schemas/"

_NULLABLE_TEXT = {"type": ["string", "null"]}
_MOMENT = {"type": ["string", "null"], "format": "date-time"}

APPROVAL = {
    "type": "object",
    "required": ["id", "stage", "approver", "assignee", "status", "reason"],
    "properties": {
        "id": {"type": "integer"},
        "revision": {"type": "integer"},
        "stage": {"type": "string"},
        "approver": {"type": "string"},
        "assignee": {"type": "string", "description": "a Slack user id, or avatar:<approver>"},
        "status": {
            "enum": [
                "pending",
                "approved",
                "rejected",
                "changes_requested",
                "countered",
                "reassigned",
                "cancelled",
                "skipped",
            ]
        },
        "reason": {"type": "string"},
        "decided_by": _NULLABLE_TEXT,
        "decided_at": _MOMENT,
        "comment": _NULLABLE_TEXT,
        "due_at": _MOMENT,
    },
}

DEAL = {
    "type": "object",
    "required": ["id", "company", "acv", "owner", "status", "revision", "approvals"],
    "properties": {
        "id": {"type": "string", "pattern": "^D-[0-9]+$"},
        "external_id": _NULLABLE_TEXT,
        "company": {"type": "string"},
        "acv": {"type": "number"},
        "discount": {"type": "number"},
        "term_months": {"type": "integer"},
        "industry": {"type": "string"},
        "employees": {"type": "integer"},
        "use_case": {"type": "string"},
        "budget_indicated": {"type": "boolean"},
        "custom_terms": {"type": "boolean"},
        "owner": {"type": "string"},
        "status": {"enum": ["in_review", "approved", "rejected", "changes_requested", "withdrawn"]},
        "revision": {"type": "integer"},
        "stage": _NULLABLE_TEXT,
        "policy_version": {"type": "string"},
        "submitted_at": _MOMENT,
        "updated_at": _MOMENT,
        "finished_at": _MOMENT,
        "approvals": {"type": "array", "items": {"$ref": f"{_REF}Approval"}},
    },
}

ERROR = {
    "type": "object",
    "required": ["error", "message"],
    "properties": {
        "error": {"type": "string"},
        "message": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["field", "message"],
                "properties": {
                    "field": {"type": "string"},
                    "message": {"type": "string"},
                    "crm_field": {"type": "string"},
                    "record": {"type": "string"},
                },
            },
        },
    },
}

PLAN = {
    "type": "object",
    "required": ["headline", "stages"],
    "properties": {
        "headline": {"type": "string"},
        "policy": {"type": "string"},
        "version": {"type": "string"},
        "stages": {"type": "array", "items": {"type": "object"}},
    },
}

CRM_ANSWER = {
    "type": "object",
    "description": "One record: its outcome and the deal; an array: one entry per record.",
    "properties": {
        "outcome": {"enum": ["created", "revised", "unchanged"]},
        "changes": {"type": "object"},
        "deal": {"$ref": f"{_REF}Deal"},
        "results": {"type": "array", "items": {"type": "object"}},
    },
}

_ERRORS = {
    "400": "the body is not a JSON object, or cannot be read",
    "401": "no bearer token, or not DEALDESK_API_TOKEN",
    "413": "the body is over 64 KiB",
    "503": "DEALDESK_API_TOKEN is not set",
}


def _json(schema: str) -> dict[str, Any]:
    return {"application/json": {"schema": {"$ref": f"{_REF}{schema}"}}}


def _answers(ok: dict[str, tuple[str, str]], *errors: str) -> dict[str, Any]:
    """``ok``: status → (description, schema); ``errors``: the error statuses it may give."""
    answers: dict[str, Any] = {
        status: {"description": words, "content": _json(schema)}
        for status, (words, schema) in ok.items()
    }
    for status in ("400", "401", "413", "503", *errors):
        words = {
            "404": "no such deal",
            "409": "the deal is approved, rejected or withdrawn",
            "422": "one entry per bad field",
        }.get(status) or _ERRORS[status]
        answers[status] = {"description": words, "content": _json("Error")}
    return answers


_RECORDS = {
    "description": "one record as the CRM sends it (mapped by the policy's intake:), or an "
    "array of them (HubSpot: of webhook events)",
    "oneOf": [{"type": "object"}, {"type": "array", "items": {"type": "object"}, "minItems": 1}],
}


def _crm_operation(summary: str, *, bearer: bool = True) -> dict[str, Any]:
    operation: dict[str, Any] = {
        "summary": summary,
        "requestBody": {"required": True, "content": {"application/json": {"schema": _RECORDS}}},
        "responses": _answers(
            {"201": ("created", "CrmAnswer"), "200": ("known", "CrmAnswer")}, "409", "422"
        ),
    }
    return operation if bearer else {**operation, "security": []}


_DEAL_REF = {
    "name": "ref",
    "in": "path",
    "required": True,
    "schema": {"type": "string"},
    "description": "the deal's id, such as D-1001",
}


def deal_terms_schema() -> dict[str, Any]:
    """The deal model's JSON schema, as strict as its validation: amounts are numbers with
    cents at most (the API also takes them as text: that is not promised here), and text
    that must not be empty must hold more than spaces (it is stripped)."""
    schema = DealTerms.model_json_schema(ref_template=_REF + "{model}")
    fields = schema["properties"]
    for name in ("acv", "discount"):
        number = next(s for s in fields[name]["anyOf"] if s.get("type") == "number")
        fields[name] = {**number, "multipleOf": 0.01, "title": fields[name]["title"]}
        if "default" in fields[name]:
            fields[name]["default"] = 0
    fields["discount"]["default"] = 0
    fields["company"]["pattern"] = r"\S"
    fields["external_id"]["anyOf"][0]["pattern"] = r"\S"
    return schema


@cache
def openapi_document() -> dict[str, Any]:
    deal_in = deal_terms_schema()
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "dealdesk intake API",
            "version": "1",
            "description": "Deals in from a CRM, their state out (docs/intake.md).",
        },
        "security": [{"bearer": []}],
        "paths": {
            "/api/deals": {
                "post": {
                    "summary": "Submit a deal (idempotent on external_id)",
                    "requestBody": {"required": True, "content": _json("DealTerms")},
                    "responses": _answers(
                        {
                            "201": ("the deal, stored and routed", "Deal"),
                            "200": ("the deal stored before under this external_id", "Deal"),
                        },
                        "422",
                    ),
                },
                "get": {
                    "summary": "The deals with a CRM id",
                    "parameters": [
                        {
                            "name": "external_id",
                            "in": "query",
                            "required": True,
                            "schema": {"type": "string", "minLength": 1},
                        }
                    ],
                    "responses": {
                        "200": {
                            "description": "a list: empty, or the one deal",
                            "content": {
                                "application/json": {
                                    "schema": {"type": "array", "items": {"$ref": f"{_REF}Deal"}}
                                }
                            },
                        },
                        **{
                            status: {"description": words, "content": _json("Error")}
                            for status, words in _ERRORS.items()
                            if status != "413"
                        },
                    },
                },
            },
            "/api/deals/preview": {
                "post": {
                    "summary": "The plan a deal would get; nothing is stored",
                    "requestBody": {"required": True, "content": _json("DealTerms")},
                    "responses": _answers({"200": ("the plan", "Plan")}, "422"),
                }
            },
            "/api/deals/{ref}": {
                "parameters": [_DEAL_REF],
                "get": {
                    "summary": "One deal with its approvals",
                    "responses": _answers({"200": ("the deal", "Deal")}, "404"),
                },
                "patch": {
                    "summary": "Change fields: the deal's next revision",
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": {"type": "object"}}},
                    },
                    "responses": _answers({"200": ("the deal", "Deal")}, "404", "409", "422"),
                },
            },
            "/api/deals/{ref}/withdraw": {
                "parameters": [_DEAL_REF],
                "post": {
                    "summary": "Take the deal out of review",
                    "requestBody": {
                        "required": False,
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "properties": {
                                        "reason": {"type": "string"},
                                        "by": {"type": "string"},
                                    },
                                    "additionalProperties": False,
                                }
                            }
                        },
                    },
                    "responses": _answers({"200": ("the deal", "Deal")}, "404", "409", "422"),
                },
            },
            "/api/intake/hubspot": {
                "post": _crm_operation(
                    "HubSpot's requests, signed with X-HubSpot-Signature-v3", bearer=False
                )
            },
            "/api/intake/salesforce": {
                "post": _crm_operation(
                    "Opportunities from a Flow or Apex (bearer or X-Dealdesk-Signature)"
                )
            },
        },
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {
                "DealTerms": deal_in,
                "Deal": DEAL,
                "Approval": APPROVAL,
                "Plan": PLAN,
                "CrmAnswer": CRM_ANSWER,
                "Error": ERROR,
            },
        },
    }
