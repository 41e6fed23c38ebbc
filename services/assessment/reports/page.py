"""The printable page of a public report: the same document as the JSON, rendered server-side (Jinja2, escaped),
with each indicator drawn as an inline SVG chart against its baseline and target, and a table beside it."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from rules.disclosure import MIN_GROUP
from services.assessment.reports import rules
from services.assessment.reports.schemas import ReportOut

TEMPLATES = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=select_autoescape(["html", "j2"]),
    trim_blocks=True,
    lstrip_blocks=True,
)


def percent(value: Decimal) -> str:
    return f"{(value * 100).quantize(Decimal('0.1'))} %"


def number(value: Decimal) -> str:
    """7.0000 as 7, 0.8300 as 0.83: what a reader expects (the JSON keeps the stored precision)."""
    return f"{value.normalize():f}"


TEMPLATES.filters["percent"] = percent
TEMPLATES.filters["number"] = number


def render(report: ReportOut) -> str:
    charts = {
        indicator.code: rules.bars(
            {m.country_code: m.value for m in indicator.measurements},
            baseline=indicator.baseline,
            target=indicator.target,
        )
        for indicator in report.indicators
    }
    return TEMPLATES.get_template("report.html.j2").render(
        report=report, charts=charts, width=rules.CHART_WIDTH, min_group=MIN_GROUP
    )
