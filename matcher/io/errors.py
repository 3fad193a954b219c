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

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f" row {self.row}"
        if self.column is not None:
            where += f", column {self.column}" if self.row is not None else f" column {self.column}"
        return f"{where}: {self.message}"


class ScenarioError(Exception):
    """The scenario cannot be used; ``problems`` lists every mistake found."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))
