"""Scenario folders rewritten as Belgian Excel saves CSV, for tests and benchmarks."""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

from models.tables import TABLE_SPECS

ACCENTED_EMPLOYER = "Brasserie Café Léon"


def _numeric_columns(table: str) -> set[str]:
    return {c.name for c in TABLE_SPECS[table].columns if c.kind in ("int", "float")}


def excel_twin(source: Path, target: Path, *, delimiter: str, encoding: str) -> Path:
    """``source`` as Belgian Excel saves it: ``delimiter`` between cells, decimal commas in
    numeric columns, CRLF, quotes around cells that hold the delimiter."""
    shutil.copytree(source, target)
    for path in target.glob("*.csv"):
        with path.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.reader(handle))
        numeric = _numeric_columns(path.stem)
        header = rows[0]
        for row in rows[1:]:
            for i, name in enumerate(header):
                if name in numeric:
                    row[i] = row[i].replace(".", ",")
        buffer = io.StringIO()
        # as Excel: a cell holding the delimiter (a list cell in a ';' file) is quoted
        csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
        path.write_bytes(buffer.getvalue().encode(encoding))
    return target


def with_accented_employer(source: Path, target: Path) -> Path:
    shutil.copytree(source, target)
    path = target / "workplaces.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    rows[1][rows[0].index("employer")] = ACCENTED_EMPLOYER
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)
    return target
