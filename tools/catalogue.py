"""Keep the message catalogues tidy: ``python tools/catalogue.py`` rewrites each
``matcher/messages/locale/*/LC_MESSAGES/messages.po`` sorted by code, so a
reviewer reads the languages side by side in the same order, and without the
header fields that change on every write (dates, tool version)."""

from __future__ import annotations

import io
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import write_po

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from matcher.messages import LANGUAGES, Lang, catalogue_path, read_catalogue  # noqa: E402

NOISY_HEADERS = ("POT-Creation-Date", "PO-Revision-Date", "Last-Translator", "Language-Team",
                 "Report-Msgid-Bugs-To", "Generated-By")


def write_catalogue(lang: Lang, catalog: Catalog) -> None:
    path = catalogue_path(lang)
    catalog.header_comment = "\n".join(
        line for line in path.read_text(encoding="utf-8").splitlines() if line.startswith("# "))
    buffer = io.BytesIO()
    write_po(buffer, catalog, width=0, sort_output=True, omit_header=False,
             ignore_obsolete=True, no_location=True)
    lines = [line for line in buffer.getvalue().decode("utf-8").splitlines()
             if not line.startswith(tuple(f'"{name}:' for name in NOISY_HEADERS))]
    path.write_text("\n".join(lines).replace("Project-Id-Version:  ", "Project-Id-Version: ")
                    + "\n", encoding="utf-8")


def sort_catalogues() -> None:
    for lang in LANGUAGES:
        write_catalogue(lang, read_catalogue(lang))


if __name__ == "__main__":
    sort_catalogues()
