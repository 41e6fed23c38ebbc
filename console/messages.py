"""The console's messages as Babel extracts them (templates and code): what the catalogs must translate."""

from __future__ import annotations

from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

HERE = Path(__file__).parent
METHODS = [("templates/**.html", "jinja2"), ("**.py", "python")]
OPTIONS = {
    "templates/**.html": {"extensions": "jinja2.ext.i18n", "trim_blocks": "True", "lstrip_blocks": "True"}
}


def extracted() -> Catalog:
    """Every message of the console (the source of `locale/*/LC_MESSAGES/console.po`)."""
    catalog = Catalog(project="training-backbone console", locale="en")
    for filename, lineno, message, comments, _context in extract_from_dir(
        HERE, METHODS, options_map=OPTIONS, keywords={"_": None, "gettext": None, "ngettext": (1, 2)}
    ):
        catalog.add(message, locations=[(filename, lineno)], auto_comments=comments)
    return catalog


def update(locale: str) -> list[str]:
    """Merge the messages of the code into `locale`'s catalogue (new ones untranslated, gone ones dropped); the
    messages still to translate."""
    path = HERE / "locale" / locale / "LC_MESSAGES" / "console.po"
    with path.open("rb") as source:
        catalog = read_po(source, locale=locale)
    catalog.update(extracted(), no_fuzzy_matching=True)
    catalog.obsolete.clear()
    with path.open("wb") as target:
        write_po(target, catalog, sort_output=True, width=110)
    return [
        str(m.id)
        for m in catalog
        if m.id and (not m.string or (isinstance(m.string, tuple) and not all(m.string)))
    ]


if (
    __name__ == "__main__"
):  # `python -m console.messages [update <locale>]`: a new language's template, or merge
    import sys

    if sys.argv[1:2] == ["update"]:
        print("\n".join(update(sys.argv[2])) or "nothing left to translate")
    else:
        write_po(sys.stdout.buffer, extracted(), omit_header=False, sort_output=True)
