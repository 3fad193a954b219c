"""Problems found in a scenario, each pointing at file, row and column."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Problem:
    """One mistake in the input, as a spreadsheet user would locate it.

    ``row`` counts as a spreadsheet does: the header is row 1, the first record
    row 2. It is ``None`` for a problem with the whole file or a column.
    """

    file: str
    message: str
    row: int | None = None
    column: str | None = None
    row_label: str = "row"  # "record" for tables inlined in a scenario document

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f" {self.row_label} {self.row}"
            if self.column is not None:
                where += f", column {self.column}"
        elif self.column is not None:
            where += f", setting {self.column}"
        return f"{where}: {self.message}"


class ScenarioError(Exception):
    """The scenario cannot be used; ``problems`` lists every mistake found."""

    def __init__(self, problems: list[Problem]) -> None:
        # In reading order: file by file (as first met), then row by row.
        files = list(dict.fromkeys(p.file for p in problems))
        self.problems = sorted(problems, key=lambda p: (files.index(p.file), p.row or 0))
        super().__init__("\n".join(str(p) for p in problems))
