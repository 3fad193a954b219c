"""The CSV dialects of the files people open in a spreadsheet (see ``matcher.exports``).

``comma``: ``,`` between cells, decimal point, UTF-8. ``excel-be``: what Belgian Excel
reads by a double click: ``;`` between cells, decimal comma, UTF-8 with a byte order
mark. Dutch defaults to ``excel-be``, English to ``comma``.

A module of its own, importing nothing heavy, so that the command line can show
``--csv-dialect`` without loading the exports (pandas, the plan model).
"""

from __future__ import annotations

from typing import Literal, get_args

from matcher.messages import Lang

CsvDialect = Literal["excel-be", "comma"]
CSV_DIALECTS: tuple[CsvDialect, ...] = get_args(CsvDialect)
CSV_DIALECT_HELP = ("CSV files for spreadsheets: excel-be (';', decimal comma, UTF-8 with BOM; "
                    "the default with --lang nl) or comma (the default with --lang en).")


def default_dialect(lang: Lang) -> CsvDialect:
    """Dutch readers open files in Belgian Excel; English ones get the plain comma file."""
    return "excel-be" if lang == "nl" else "comma"
