"""The console's messages as Babel extracts them (templates and code): what the catalogs must translate."""

from __future__ import annotations

from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir

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


if __name__ == "__main__":  # `python -m console.messages`: the template for a new language
    import sys

    from babel.messages.pofile import write_po

    write_po(sys.stdout.buffer, extracted(), omit_header=False, sort_output=True)
