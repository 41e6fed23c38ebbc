"""A procurement as Open Contracting Data Standard 1.1 releases: one release per stage change, holding what was
known then (the planning, the tender, the bids once opened, the award, the contract, its deliveries and payment),
and the release package of them all, validated against the standard's schema (vendored beside this module).
Amounts leave the ledger's minor units for the currency's decimals."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, date, datetime, time
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft4Validator
from referencing import Registry
from referencing.jsonschema import DRAFT4

from services.finance.models import KnownPartnership
from services.finance.procurement import rules
from services.finance.procurement.models import Procurement, ProcurementBid, ProcurementDelivery
from services.finance.transparency.rules import major_units

SCHEMA_DIR = Path(__file__).with_name("ocds_schema")
OCDS_VERSION = "1.1"
OCID_PREFIX = "ocds-213czf"
"""The ocid prefix the Open Contracting Partnership registers for a publisher. This one is the prefix its own
documentation uses in examples; the partnerships' secretariat replaces it with its registered prefix."""

TENDER_STATUS = {
    "planning": "planning",
    "tender": "active",
    "evaluation": "active",
    "unsuccessful": "unsuccessful",
    "cancelled": "cancelled",
}


class InvalidReleasePackage(RuntimeError):
    """The export broke the OCDS schema: a defect of ours, never the caller's."""


def ocid_of(procurement_id: object) -> str:
    return f"{OCID_PREFIX}-{procurement_id}"


@cache
def _validator() -> Draft4Validator:
    registry: Registry = Registry()
    schemas = {}
    for name in ("release-package-schema.json", "release-schema.json"):
        schemas[name] = json.loads((SCHEMA_DIR / name).read_text(encoding="utf-8"))
        registry = registry.with_resource(schemas[name]["id"], DRAFT4.create_resource(schemas[name]))
    package = schemas["release-package-schema.json"]
    return Draft4Validator(package, registry=registry, format_checker=Draft4Validator.FORMAT_CHECKER)


def schema_errors(package: dict[str, Any]) -> list[str]:
    return [
        f"{'/'.join(str(p) for p in error.absolute_path) or '(root)'}: {error.message}"
        for error in _validator().iter_errors(package)
    ]


def _value(amount: int, currency: str) -> dict[str, Any]:
    major = major_units(amount, currency)
    return {
        "amount": int(major) if major == major.to_integral_value() else float(major),
        "currency": currency,
    }


def _when(day: date) -> str:
    return datetime.combine(day, time(0), tzinfo=UTC).isoformat()


def _buyer(partnership: KnownPartnership) -> dict[str, str]:
    return {"id": f"partnership-{partnership.partnership_id}", "name": partnership.name}


def _supplier(bid: ProcurementBid) -> dict[str, str]:
    return {"id": f"{bid.supplier_scheme}-{bid.supplier_identifier}", "name": bid.supplier_name}


def _items(procurement: Procurement) -> list[dict[str, Any]]:
    return [
        {
            "id": item["id"],
            "description": item["description"],
            "quantity": item["quantity"],
            "unit": {"name": item["unit"]},
        }
        for item in procurement.items
    ]


def release(
    procurement: Procurement,
    partnership: KnownPartnership,
    bids: Sequence[ProcurementBid],
    deliveries: Sequence[ProcurementDelivery],
    *,
    release_id: str,
    at: datetime,
) -> dict[str, Any]:
    """The release for the stage `procurement` has just reached: everything known at `at`, bids only once
    opened (they are sealed before)."""
    stage = procurement.stage
    shown_bids = list(bids) if procurement.bids_opened_at is not None else []
    winner = next((b for b in shown_bids if b.id == procurement.awarded_bid_id), None)
    buyer = _buyer(partnership)
    parties: list[dict[str, Any]] = [{**buyer, "roles": ["buyer", "procuringEntity", "payer"]}]
    for bid in shown_bids:
        roles = ["tenderer", *(["supplier", "payee"] if bid is winner else [])]
        parties.append(
            {
                **_supplier(bid),
                "identifier": {"scheme": bid.supplier_scheme, "id": bid.supplier_identifier},
                "roles": roles,
            }
        )
    tender: dict[str, Any] = {
        "id": str(procurement.id),
        "title": procurement.title,
        "description": procurement.description,
        "status": TENDER_STATUS.get(stage, "complete"),
        "procuringEntity": buyer,
        "items": _items(procurement),
        "value": _value(procurement.estimated_amount, procurement.currency),
        "mainProcurementCategory": procurement.category,
    }
    if procurement.method is not None and procurement.tender_ends_at is not None:
        tender |= {
            "procurementMethod": procurement.method,
            "awardCriteria": "ratedCriteria",
            "tenderPeriod": {"endDate": procurement.tender_ends_at.isoformat()},
        }
    if shown_bids:
        tender |= {"numberOfTenderers": len(shown_bids), "tenderers": [_supplier(b) for b in shown_bids]}
    document: dict[str, Any] = {
        "ocid": procurement.ocid,
        "id": release_id,
        "date": at.isoformat(),
        "tag": [rules.OCDS_TAG[stage]],
        "initiationType": "tender",
        "language": "en",
        "parties": parties,
        "buyer": buyer,
        "planning": {
            "rationale": procurement.description,
            "budget": {
                "description": "The partnership's shared pool (procurement line)",
                "amount": _value(procurement.estimated_amount, procurement.currency),
            },
        },
        "tender": tender,
    }
    if winner is not None and procurement.awarded_amount is not None and procurement.awarded_at is not None:
        document["awards"] = [
            {
                "id": f"{procurement.id}-award",
                "title": procurement.title,
                "status": "cancelled" if stage == "cancelled" else "active",
                "date": procurement.awarded_at.isoformat(),
                "value": _value(procurement.awarded_amount, procurement.currency),
                "suppliers": [_supplier(winner)],
                "items": _items(procurement),
            }
        ]
        if procurement.contract_signed_on is not None and procurement.contract_ends_on is not None:
            document["contracts"] = [_contract(procurement, buyer, winner, deliveries)]
    return document


def _contract(
    procurement: Procurement,
    buyer: dict[str, str],
    winner: ProcurementBid,
    deliveries: Sequence[ProcurementDelivery],
) -> dict[str, Any]:
    assert procurement.contract_signed_on and procurement.contract_ends_on and procurement.awarded_amount
    implementation: dict[str, Any] = {
        "milestones": [
            {
                "id": str(delivery.id),
                "title": "Delivery",
                "type": "delivery",
                "status": "met",
                "dateMet": _when(delivery.delivered_on),
                "description": "; ".join(
                    f"{line['quantity']} x {line['item_id']}" for line in delivery.lines
                ),
            }
            for delivery in deliveries
        ]
    }
    if procurement.paid_amount is not None and procurement.paid_at and procurement.payment_transfer_id:
        implementation["transactions"] = [
            {
                "id": str(procurement.payment_transfer_id),
                "source": f"ledger transfer {procurement.payment_transfer_id}",
                "date": procurement.paid_at.isoformat(),
                "value": _value(procurement.paid_amount, procurement.currency),
                "payer": buyer,
                "payee": _supplier(winner),
            }
        ]
    return {
        "id": f"{procurement.id}-contract",
        "awardID": f"{procurement.id}-award",
        "title": procurement.title,
        "status": "terminated" if procurement.stage == "paid" else "active",
        "period": {
            "startDate": _when(procurement.contract_signed_on),
            "endDate": _when(procurement.contract_ends_on),
        },
        "value": _value(procurement.awarded_amount, procurement.currency),
        "dateSigned": _when(procurement.contract_signed_on),
        "items": _items(procurement),
        "implementation": implementation,
    }


def package(releases: Sequence[dict[str, Any]], *, uri: str, publisher: str) -> dict[str, Any]:
    """The release package; raises InvalidReleasePackage if it breaks the schema."""
    document = {
        "uri": uri,
        "version": OCDS_VERSION,
        "publishedDate": max(r["date"] for r in releases),
        "publisher": {"name": publisher},
        "releases": list(releases),
    }
    errors = schema_errors(document)
    if errors:
        raise InvalidReleasePackage("; ".join(errors[:5]))
    return document
