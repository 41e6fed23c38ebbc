"""English and French pages: Babel catalogs compiled when the console starts, dates in the person's time zone
and numbers in their locale.

English is the source language (the msgids); `locale/fr/LC_MESSAGES/console.po` translates them
(`python -m console.messages update fr` merges new messages into it). A test extracts every message of the
templates and the code and fails on one the French catalogue lacks."""

from __future__ import annotations

import gettext
import io
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import Locale
from babel.dates import format_date, format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_currency, format_decimal, format_percent
from jinja2 import Environment, FileSystemLoader, select_autoescape

LOCALES = ("en", "fr")
HERE = Path(__file__).parent


@cache
def translations(locale: str) -> gettext.NullTranslations:
    po = HERE / "locale" / locale / "LC_MESSAGES" / "console.po"
    if not po.exists():
        return gettext.NullTranslations()
    with po.open("rb") as source:
        catalog = read_po(source, locale=locale)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


@cache
def environment(locale: str) -> Environment:
    env = Environment(
        loader=FileSystemLoader(HERE / "templates"),
        autoescape=select_autoescape(["html"]),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_translations(translations(locale), newstyle=True)  # type: ignore[attr-defined]
    return env


def negotiate(accept_language: str | None) -> str:
    wanted = [part.split(";")[0].strip().replace("-", "_") for part in (accept_language or "").split(",")]
    found = Locale.negotiate([w for w in wanted if w], list(LOCALES), sep="_")
    return str(found.language) if found else "en"


def supported(locale: str | None) -> str:
    base = (locale or "en").replace("-", "_").split("_")[0].lower()
    return base if base in LOCALES else "en"


@dataclass(frozen=True)
class Formats:
    """What templates format with: the person's locale and time zone."""

    locale: str
    zoneinfo: str

    @property
    def tz(self) -> ZoneInfo:
        try:
            return ZoneInfo(self.zoneinfo)
        except (ZoneInfoNotFoundError, ValueError):
            return ZoneInfo("UTC")

    def when(self, value: str | datetime | None) -> str:
        if value is None:
            return ""
        moment = datetime.fromisoformat(value) if isinstance(value, str) else value
        return format_datetime(moment, "medium", tzinfo=self.tz, locale=self.locale) + f" ({self.tz.key})"

    def from_local(self, value: str) -> str:
        """A form's local date and time (`datetime-local`) in this zone, as ISO 8601 with its offset; what is not
        a date and time is passed on as it is, for the API to refuse with the field named."""
        try:
            return datetime.fromisoformat(value).replace(tzinfo=self.tz).isoformat()
        except ValueError:
            return value

    def iso(self, value: str | datetime) -> str:
        moment = datetime.fromisoformat(value) if isinstance(value, str) else value
        return moment.isoformat()

    def number(self, value: float | int) -> str:
        return format_decimal(value, locale=self.locale)

    def percent(self, value: float) -> str:
        return format_percent(value, locale=self.locale)

    def money(self, minor_units: int, currency: str) -> str:
        """An amount kept in minor units (cents), in the currency's own number of decimals."""
        return format_currency(minor_units / 100, currency, locale=self.locale)

    def day(self, value: str) -> str:
        return format_date(date.fromisoformat(value), "medium", locale=self.locale)
