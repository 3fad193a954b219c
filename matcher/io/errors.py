"""Problems found in a scenario, each pointing at file, row and column."""

from __future__ import annotations

from dataclasses import dataclass

from matcher.messages import DEFAULT_LANG, Lang, Message, render


@dataclass(frozen=True, slots=True)
class Problem:
    """One mistake in the input, as a spreadsheet user would locate it.

    ``row`` counts as a spreadsheet does: the header is row 1, the first record
    row 2. It is ``None`` for a problem with the whole file or a column.
    ``detail`` says what is wrong as a message code with parameters; the text is
    made at the edge, in the user's language.
    """

    file: str
    detail: Message
    row: int | None = None
    column: str | None = None
    row_label: str = "row"  # "record": a table inlined in a document; "entry": a change file

    @property
    def message(self) -> str:
        """What is wrong, in English (logs and plain-text callers)."""
        return str(self.detail)

    def where(self) -> Message:
        """File, row and column, in words."""
        if self.row_label == "entry":
            return self._where_in_change_file()
        if self.row is not None:
            kind = "record" if self.row_label == "record" else "row"
            if self.column is not None:
                return Message(f"where.{kind}_column", file=self.file, row=self.row,
                               column=self.column)
            return Message(f"where.{kind}", file=self.file, row=self.row)
        if self.column is not None:
            return Message("where.setting", file=self.file, column=self.column)
        return Message("where.file", file=self.file)

    def _where_in_change_file(self) -> Message:
        if self.row is not None and self.column is not None:
            return Message("where.entry_field", file=self.file, row=self.row,
                           column=self.column)
        if self.row is not None:
            return Message("where.entry", file=self.file, row=self.row)
        if self.column is not None:
            return Message("where.field", file=self.file, column=self.column)
        return Message("where.file", file=self.file)

    def as_message(self) -> Message:
        """Where and what, as one message."""
        return Message("problem.located", where=self.where(), detail=self.detail)

    def render(self, lang: Lang) -> str:
        return render(self.as_message(), lang)

    def __str__(self) -> str:
        return self.render(DEFAULT_LANG)


class ScenarioError(Exception):
    """The scenario cannot be used; ``problems`` lists every mistake found."""

    def __init__(self, problems: list[Problem]) -> None:
        # In reading order: file by file (as first met), then row by row.
        files = {file: order for order, file in enumerate(dict.fromkeys(p.file for p in problems))}
        self.problems = sorted(problems, key=lambda p: (files[p.file], p.row or 0))
        super().__init__(len(self.problems))

    def __str__(self) -> str:
        # English text made on demand: the edges render the problems in the user's
        # language, and thousands of bad cells should not be rendered twice.
        return "\n".join(str(p) for p in self.problems)
