"""The partnership as an IATI 2.03 activity file, validated against the official schema (vendored beside this
module), and the same figures as CSV. Amounts leave the ledger's minor units for the currency's decimals; each
transaction carries its transfer id as `ref`, so a published figure leads back to the ledger."""

from __future__ import annotations

import csv
import io
from datetime import date
from functools import cache
from pathlib import Path

from lxml import etree

from services.finance.transparency import rules
from services.finance.transparency.queries import Activity, Donor, Transaction

SCHEMA_DIR = Path(__file__).with_name("iati_schema")
DEFAULT_REPORTING_ORG = "XI-TRAINING-BACKBONE"
SECTOR_SECURITY_REFORM = "15210"
"""OECD DAC 5-digit purpose code: security system management and reform (law-enforcement training)."""
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


class InvalidActivityFile(RuntimeError):
    """The export broke the IATI schema: a defect of ours, never the caller's."""


@cache
def _schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(SCHEMA_DIR / "iati-activities-schema.xsd")))


def schema_errors(document: bytes) -> list[str]:
    schema = _schema()
    if schema.validate(etree.fromstring(document)):
        return []
    return [f"line {error.line}: {error.message}" for error in schema.error_log]  # type: ignore[attr-defined]


def _text(parent: etree._Element, tag: str, text: str, **attributes: str) -> etree._Element:
    element = etree.SubElement(parent, tag, attributes)
    etree.SubElement(element, "narrative").text = text
    return element


def _value(parent: etree._Element, amount: int, currency: str, on: date) -> None:
    value = etree.SubElement(parent, "value", {"currency": currency, "value-date": on.isoformat()})
    value.text = str(rules.major_units(amount, currency))


def activity_file(activity: Activity, *, reporting_org: str = DEFAULT_REPORTING_ORG) -> bytes:
    """One `iati-activity` for the partnership; raises InvalidActivityFile if the result breaks the schema."""
    partnership = activity.partnership
    root = etree.Element(
        "iati-activities",
        {"version": "2.03", "generated-datetime": activity.as_of.isoformat(timespec="seconds")},
    )
    node = etree.SubElement(
        root,
        "iati-activity",
        {
            "last-updated-datetime": activity.as_of.isoformat(timespec="seconds"),
            XML_LANG: "en",
            "default-currency": activity.currency,
        },
    )
    etree.SubElement(node, "iati-identifier").text = f"{reporting_org}-{partnership.partnership_id}"
    _text(node, "reporting-org", "Training partnerships backbone", ref=reporting_org, type="40")
    _text(node, "title", partnership.name)
    _text(
        node,
        "description",
        f"Joint law-enforcement training partnership led by {partnership.lead_country_code}, members "
        f"{', '.join(sorted(partnership.member_countries))}: shared budget, contributions by capacity.",
        type="1",
    )
    for country in sorted(partnership.member_countries):
        role = "2" if country == partnership.lead_country_code else "1"  # accountable / funding
        _text(node, "participating-org", country, role=role, type="10")
    for donor in activity.donors:
        _text(
            node,
            "participating-org",
            donor.name,
            role="1",
            type=donor.org_type,
            **({"ref": donor.ref} if donor.ref else {}),
        )
    etree.SubElement(node, "activity-status", {"code": "2"})  # implementation
    started = min(
        [b.starts_on for b in activity.budgets]
        + [t.on for t in activity.transactions]
        + [activity.as_of.date()]
    )
    etree.SubElement(node, "activity-date", {"type": "2", "iso-date": started.isoformat()})
    _text(
        node, "sector", "Security system management and reform", vocabulary="1", code=SECTOR_SECURITY_REFORM
    )
    for budget in activity.budgets:
        element = etree.SubElement(
            node, "budget", {"type": "1" if budget.version == 1 else "2", "status": "2"}
        )
        etree.SubElement(element, "period-start", {"iso-date": budget.starts_on.isoformat()})
        etree.SubElement(element, "period-end", {"iso-date": budget.ends_on.isoformat()})
        _value(element, budget.total, budget.currency, budget.starts_on)
    for transaction in activity.transactions:
        _transaction(node, transaction)
    for result in activity.results:
        element = etree.SubElement(node, "result", {"type": "1"})  # output
        _text(element, "title", f"Tranche {result.tranche_id}: {result.indicator}")
        indicator = etree.SubElement(element, "indicator", {"measure": "1"})
        _text(indicator, "title", f"{result.indicator} ({result.comparison} target)")
        period = etree.SubElement(indicator, "period")
        etree.SubElement(period, "period-start", {"iso-date": result.planned_on.isoformat()})
        etree.SubElement(period, "period-end", {"iso-date": result.deadline.isoformat()})
        etree.SubElement(period, "target", {"value": format(result.target.normalize(), "f")})
        if result.measured is not None:
            etree.SubElement(period, "actual", {"value": format(result.measured.normalize(), "f")})
    document = etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    errors = schema_errors(document)
    if errors:
        raise InvalidActivityFile("; ".join(errors))
    return document


def _donor_attributes(donor: Donor) -> dict[str, str]:
    return {"type": donor.org_type, **({"ref": donor.ref} if donor.ref else {})}


def _transaction(parent: etree._Element, transaction: Transaction) -> None:
    element = etree.SubElement(parent, "transaction", {"ref": str(transaction.transfer_id)})
    etree.SubElement(element, "transaction-type", {"code": transaction.type_code})
    etree.SubElement(element, "transaction-date", {"iso-date": transaction.on.isoformat()})
    _value(element, transaction.amount, transaction.currency, transaction.on)
    if transaction.category:
        _text(element, "description", transaction.category.replace("_", " "))
    if transaction.donor is not None:
        donor = transaction.donor
        _text(
            element,
            "provider-org",
            donor.name,
            type=donor.org_type,
            **({"ref": donor.ref} if donor.ref else {}),
        )
    elif transaction.partner:
        _text(element, "provider-org", transaction.partner, type="10")


CSV_COLUMNS = ("record", "id", "type", "date", "period_end", "amount", "currency", "partner", "category")


def activity_csv(activity: Activity) -> str:
    """The file's figures as rows: one per budget category, one per transaction, one per partner's dues."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for budget in activity.budgets:
        for category, amount in budget.by_category.items():
            if amount:
                money = rules.major_units(amount, budget.currency)
                row = (
                    "budget",
                    budget.budget_id,
                    f"version {budget.version}",
                    budget.starts_on,
                    budget.ends_on,
                )
                writer.writerow((*row, money, budget.currency, "", category))
    for t in activity.transactions:
        kind = rules.TRANSACTION_NAMES[t.type_code]
        money = rules.major_units(t.amount, t.currency)
        writer.writerow(
            (
                "transaction",
                t.transfer_id,
                kind,
                t.on,
                "",
                money,
                t.currency,
                t.partner or "",
                t.category or "",
            )
        )
    for c in activity.contributions:
        for kind, amount in (("due", c.due), ("paid", c.paid)):
            money = rules.major_units(amount, c.currency)
            writer.writerow(("contribution", "", kind, "", "", money, c.currency, c.country_code, ""))
    return out.getvalue()
