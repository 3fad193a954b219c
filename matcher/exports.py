"""Tables people open in a spreadsheet, in their language and their spreadsheet's dialect.

The plan's assignments, unmatched students and conflicts (and the report's fixes and
recruitment list) are written as CSV for people, not programs: headers and texts in
the chosen language, names next to ids, every text cell safe from formula injection
(``matcher.csv_cells``). plan.json stays the machine contract.

Two dialects: ``comma`` (``,`` between cells, decimal point, UTF-8) and ``semicolon``,
the one Belgian Excel opens directly (``;``, decimal comma, UTF-8 with a BOM so the
accents survive, CRLF). Dutch defaults to ``semicolon``, English to ``comma``.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from matcher.csv_cells import text_cell
from matcher.messages import Lang, Message, render

CsvDialect = Literal["comma", "semicolon"]
CSV_DIALECTS: tuple[CsvDialect, ...] = ("comma", "semicolon")
Cell = str | int | float | bool | Message | None


def default_dialect(lang: Lang) -> CsvDialect:
    return "semicolon" if lang == "nl" else "comma"


@dataclass(frozen=True)
class Sheet:
    """One table: its columns as catalogue codes (``export.col.*``; the English texts
    are the contract's column names) and its rows."""

    name: str
    columns: tuple[str, ...]
    rows: list[Sequence[Cell]] = field(default_factory=list)


def cell_text(value: Cell, lang: Lang, dialect: CsvDialect) -> str:
    """A cell as the spreadsheet should read it: numbers plain (a decimal comma in the
    ``semicolon`` dialect), yes/no in the language, messages rendered, text made safe."""
    if value is None:
        return ""
    if isinstance(value, Message):
        return str(text_cell(render(value, lang)))
    if isinstance(value, bool):
        return render(Message("export.yes" if value else "export.no"), lang)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        text = repr(value) if not value.is_integer() else str(int(value))
        return text.replace(".", ",") if dialect == "semicolon" else text
    return str(text_cell(value))


def csv_bytes(sheet: Sheet, lang: Lang, dialect: CsvDialect) -> bytes:
    out = io.StringIO()
    semicolon = dialect == "semicolon"
    writer = csv.writer(out, delimiter=";" if semicolon else ",",
                        lineterminator="\r\n" if semicolon else "\n")
    writer.writerow([render(Message(column), lang) for column in sheet.columns])
    writer.writerows([cell_text(value, lang, dialect) for value in row] for row in sheet.rows)
    return out.getvalue().encode("utf-8-sig" if semicolon else "utf-8")


def write_csv(path: Path, sheet: Sheet, lang: Lang, dialect: CsvDialect) -> Path:
    path.write_bytes(csv_bytes(sheet, lang, dialect))
    return path
