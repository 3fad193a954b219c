"""Turn text columns into typed arrays, collecting every problem on the way."""

from __future__ import annotations

import datetime as dt
import difflib
import re
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from rapidfuzz.distance import Levenshtein

from matcher.io.errors import Problem
from matcher.messages import Message
from models.scenario import BoolArray, FloatArray, IntArray, ObjArray
from models.tables import CEFR_LEVELS, Column, Kind, TableSpec

TRUE_WORDS = frozenset({"true", "yes", "1", "ja"})
FALSE_WORDS = frozenset({"false", "no", "0", "nee"})
CEFR_RANKS = {code: rank for rank, code in enumerate(CEFR_LEVELS, start=1)}
# A date as almost every cell writes it; other cells take the slower exact path.
_PLAIN_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
EPOCH = dt.date(1970, 1, 1)
# An unknown column this close to a known optional one is a misspelling, not an extra
# column (contract: "Additions within version 1").
NEAR_MISS_DISTANCE = 2


@dataclass(frozen=True)
class ListColumn:
    """A list column, flat: each row's values (separated by ';', trimmed, empties
    dropped, first of repeats kept) in order, with the row each came from."""

    rows: IntArray  # row position of each value, ascending
    values: ObjArray  # the values, row by row in cell order
    counts: IntArray  # values per row

    @property
    def offsets(self) -> IntArray:
        """Position of each value within its row (0 for the first)."""
        starts = np.cumsum(self.counts) - self.counts
        offsets: IntArray = np.arange(len(self.values), dtype=np.int64) - starts[self.rows]
        return offsets


def split_list(cell: str) -> list[str]:
    """A list cell: values separated by ';', trimmed, empties dropped, first of repeats kept."""
    values: list[str] = []
    for part in cell.split(";"):
        value = part.strip()
        if value and value not in values:
            values.append(value)
    return values


def split_lists(cells: ObjArray) -> ListColumn:
    """Split every cell of a list column (see ``ListColumn``). Each distinct cell is
    split once: list cells repeat a lot (the same programmes, the same wishes)."""
    cell_codes, distinct = pd.factorize(pd.Series(cells, dtype=object), use_na_sentinel=False)
    split = [split_list(str(cell)) for cell in distinct]
    lengths = np.fromiter(map(len, split), dtype=np.int64, count=len(split))
    distinct_values = np.asarray([value for values in split for value in values] or [""],
                                 dtype=object)
    first_value = np.cumsum(lengths) - lengths
    counts = lengths[cell_codes] if len(split) else np.zeros(len(cells), dtype=np.int64)
    rows = np.repeat(np.arange(len(cells), dtype=np.int64), counts)
    offsets = np.arange(len(rows), dtype=np.int64) - np.repeat(np.cumsum(counts) - counts,
                                                                counts)
    taken = np.repeat(first_value[cell_codes], counts) + offsets if len(split) else offsets
    return ListColumn(rows=rows, values=distinct_values[taken], counts=counts)


def _nearest(name: str, candidates: list[str]) -> str | None:
    """The candidate within NEAR_MISS_DISTANCE edits of ``name`` (the closest, then the
    first in table order), or None."""
    best: tuple[int, str] | None = None
    for candidate in candidates:
        distance = Levenshtein.distance(name, candidate, score_cutoff=NEAR_MISS_DISTANCE)
        if distance <= NEAR_MISS_DISTANCE and (best is None or distance < best[0]):
            best = (distance, candidate)
    return None if best is None else best[1]


def _number_problem(code: str, with_comma: str, cell: str) -> Message:
    """A decimal comma is read only in ';' or tab separated files (contract): say so
    (``with_comma``) when the cell has one."""
    return Message(with_comma if "," in cell else code, value=cell)


def id_problem(value: str) -> Message | None:
    """Why ``value`` cannot be an id of a scenario stored by the service, or None.

    The contract allows any non-empty id, and the command line reads them all. The
    service is stricter: its ids appear in web addresses (/plans/1/students/ID), so
    '/' would make them unreachable, and control characters (a NUL, a tab, a line
    break) cannot be shown, stored by every database, or typed."""
    if "/" in value:
        return Message("io.id_slash", value=value)
    if not value.isprintable():
        return Message("io.id_control", value=value)
    return None


def days_since_epoch(day: dt.date) -> int:
    return (day - EPOCH).days


class TableParser:
    """Typed access to the columns of one table; problems accumulate in ``problems``."""

    def __init__(
        self, frame: pd.DataFrame, spec: TableSpec, label: str, web_ids: bool = False
    ) -> None:
        self.frame = frame
        self.web_ids = web_ids  # ids must also be usable in web addresses (see id_problem)
        self.spec = spec
        self.label = label
        self.problems: list[Problem] = []
        self.missing = False  # the table could not be read and stands empty
        self.rows = np.asarray(frame.index, dtype=np.int64)
        self.row_label = "row"
        self._raw: dict[str, ObjArray] = {}
        self._stripped: dict[str, ObjArray] = {}
        for column in spec.columns:
            if column.required and column.name not in frame.columns:
                hint = self._near_miss(column.name)
                self.problems.append(Problem(
                    label, Message("io.required_column_missing_hint", hint=hint) if hint
                    else Message("io.required_column_missing"), row=1, column=column.name))

    def _near_miss(self, name: str) -> Message | None:
        """A hint when the header has the column under a slightly different name."""
        headers = [str(c) for c in self.frame.columns]
        for header in headers:
            if header.strip().lower() == name.lower():
                return Message("hint.case_and_spaces", header=header)
        close = difflib.get_close_matches(name, headers, n=1, cutoff=0.8)
        return Message("hint.did_you_mean", suggestion=close[0]) if close else None

    def unknown_columns(self, allowed: bool) -> tuple[list[Problem], list[Problem]]:
        """Errors and warnings for columns the contract does not know.

        A near-miss of a known optional column (``adjustment``) is an error with
        the suggestion, unless the scenario ``allowed`` unknown columns; every
        other unknown column is a warning. Names compare case-sensitively, as
        the contract's column names do.
        """
        known = [c.name for c in self.spec.columns]
        optional = [c.name for c in self.spec.columns if not c.required]
        errors: list[Problem] = []
        warnings: list[Problem] = []
        for header in (str(c) for c in self.frame.columns):
            if header in known:
                continue
            suggestion = _nearest(header, optional)
            if suggestion is None:
                warnings.append(Problem(self.label, Message("io.unknown_column",
                                                            header=header),
                                        row=1, column=header))
            elif allowed:
                warnings.append(Problem(self.label, Message("io.unknown_column_near_miss",
                                                            header=header, suggestion=suggestion),
                                        row=1, column=header))
            else:
                errors.append(Problem(self.label, Message("io.unknown_column_misspelled",
                                                          header=header, suggestion=suggestion),
                                      row=1, column=header))
        return errors, warnings

    def __len__(self) -> int:
        return len(self.frame)

    def problem(self, position: int, column: str, message: Message) -> None:
        self.problems.append(Problem(self.label, message, row=int(self.rows[position]),
                                     column=column, row_label=self.row_label))

    def raw(self, name: str) -> ObjArray:
        """Cells as read; computed once per column."""
        if name not in self._raw:
            self._raw[name] = (np.asarray(self.frame[name].to_numpy(dtype=object), dtype=object)
                               if name in self.frame.columns
                               else np.full(len(self.frame), "", dtype=object))
        return self._raw[name]

    def stripped(self, name: str) -> ObjArray:
        """Cells without surrounding spaces; computed once per column (messages for
        many bad cells index it row by row)."""
        if name not in self._stripped:
            self._stripped[name] = _strip(self.raw(name))
        return self._stripped[name]

    def _declared(self, name: str, kind: Kind) -> Column:
        """The column's declaration, which must give it the kind it is read as: the
        column kinds of ``models/tables.py`` are the one source of how a cell is read."""
        column = self.spec.column(name)
        if column.kind != kind:
            raise TypeError(f"{self.spec.name}.{name} is declared {column.kind!r}, "
                            f"read as {kind!r}")
        return column

    def _require(self, name: str, present: BoolArray) -> None:
        column = self.spec.column(name)
        if column.required and name in self.frame.columns:
            for position in np.flatnonzero(~present):
                self.problem(int(position), name, Message("io.value_required"))

    def ids(self, name: str, unique: bool = False) -> ObjArray:
        """IDs are compared exactly; an empty cell is refused, and with ``web_ids`` also
        an id that could not be shown or named in a web address (see ``id_problem``)."""
        self._declared(name, "id")
        values = self.raw(name)
        present = self.stripped(name) != ""
        self._require(name, present)
        if self.web_ids and len(values):
            suspect = np.fromiter((not (str(v).isprintable() and "/" not in str(v))
                                   for v in values), dtype=bool, count=len(values))
            for at in np.flatnonzero(present & suspect):
                if message := id_problem(str(values[at])):
                    self.problem(int(at), name, message)
        if unique:
            first = first_positions(values, present)
            for position in np.flatnonzero(present & (first != np.arange(len(values)))):
                self.problem(int(position), name, Message(
                    "io.duplicate_id", value=str(values[position]),
                    row=int(self.rows[first[position]])))
        return values

    def text(self, name: str) -> ObjArray:
        self._declared(name, "string")
        values = self.stripped(name)
        self._require(name, values != "")
        return values

    def lists(self, name: str) -> ListColumn:
        self._declared(name, "list")
        values = split_lists(self.raw(name))
        self._require(name, values.counts > 0)
        return values

    def bools(self, name: str) -> tuple[BoolArray, BoolArray]:
        """Values and a mask of cells that were filled in (empty cells take a default)."""
        self._declared(name, "bool")
        text = self.stripped(name)
        words = pd.Series(_LOWER(text), dtype=object)
        truthy = words.isin(TRUE_WORDS).to_numpy(dtype=bool)
        falsy = words.isin(FALSE_WORDS).to_numpy(dtype=bool)
        present = text != ""
        self._require(name, present)
        for position in np.flatnonzero(present & ~truthy & ~falsy):
            self.problem(int(position), name, Message("io.not_yes_no", value=str(text[position])))
        return truthy, present

    def ints(self, name: str) -> tuple[IntArray, BoolArray]:
        column = self._declared(name, "int")
        text = self.stripped(name)
        present = text != ""
        self._require(name, present)
        numbers = pd.to_numeric(pd.Series(text, dtype=object).where(present, None),
                                errors="coerce").to_numpy(dtype=np.float64)
        whole = np.isfinite(numbers) & (np.floor(numbers) == numbers)
        for position in np.flatnonzero(present & ~whole):
            self.problem(int(position), name,
                         _number_problem("io.not_whole_number", "io.not_whole_number_comma",
                                         str(text[position])))
        values = np.where(whole, numbers, 0).astype(np.int64)
        if column.minimum is not None:
            for position in np.flatnonzero(present & whole & (values < column.minimum)):
                self.problem(int(position), name,
                             Message("io.at_least", value=str(text[position]),
                                     minimum=column.minimum))
        return values, present & whole

    def floats(self, name: str) -> tuple[FloatArray, BoolArray]:
        self._declared(name, "float")
        text = self.stripped(name)
        present = text != ""
        self._require(name, present)
        numbers = pd.to_numeric(pd.Series(text, dtype=object).where(present, None),
                                errors="coerce").to_numpy(dtype=np.float64)
        ok = np.isfinite(numbers)
        for position in np.flatnonzero(present & ~ok):
            self.problem(int(position), name, _number_problem(
                "io.not_number", "io.not_number_comma", str(text[position])))
        return np.where(ok, numbers, np.nan), present & ok

    def dates(self, name: str) -> tuple[IntArray, BoolArray]:
        """Dates as days since 1970-01-01 (ISO YYYY-MM-DD only)."""
        self._declared(name, "date")
        text = self.stripped(name)
        present = text != ""
        self._require(name, present)
        plain = np.fromiter((_PLAIN_DATE.fullmatch(v) is not None for v in text), dtype=bool,
                            count=len(text))
        chosen = np.flatnonzero(plain)
        parsed = pd.to_datetime([str(v) for v in text[chosen]], format="%Y-%m-%d",
                                errors="coerce")
        valid = chosen[~np.asarray(parsed.isna(), dtype=bool)]
        days = np.zeros(len(text), dtype=np.int64)
        days[valid] = parsed.dropna().to_numpy().astype("datetime64[D]").astype(np.int64)
        ok = np.zeros(len(text), dtype=bool)
        ok[valid] = True
        # the rest, one by one: impossible dates, dates outside pandas' range, other forms
        for position in np.flatnonzero(present & ~ok):
            value = str(text[position])
            try:
                if len(value) != 10:
                    raise ValueError(value)
                days[position] = days_since_epoch(dt.date.fromisoformat(value))
                ok[position] = True
            except ValueError:
                self.problem(int(position), name, Message("io.not_date", value=value))
        return days, ok

    def cefr(self, name: str) -> IntArray:
        """CEFR level as 1 (A1) … 6 (C2); 0 when the cell is empty (unknown)."""
        self._declared(name, "cefr")
        text = self.stripped(name)
        level = np.fromiter((CEFR_RANKS.get(t.upper(), 0) for t in text), dtype=np.int64,
                            count=len(text))
        present = text != ""
        self._require(name, present)
        for position in np.flatnonzero(present & (level == 0)):
            self.problem(int(position), name, Message(
                "io.not_cefr", value=str(text[position]), levels=", ".join(CEFR_LEVELS)))
        return level

    def enum(self, name: str) -> ObjArray:
        column = self._declared(name, "enum")
        text = self.stripped(name)
        present = text != ""
        self._require(name, present)
        known = pd.Series(text, dtype=object).isin(list(column.choices)).to_numpy(dtype=bool)
        for position in np.flatnonzero(present & ~known):
            self.problem(int(position), name, Message(
                "io.not_one_of", value=str(text[position]), choices=", ".join(column.choices)))
        return text


_STRIP = np.frompyfunc(str.strip, 1, 1)
_LOWER = np.frompyfunc(str.lower, 1, 1)


def _strip(cells: ObjArray) -> ObjArray:
    """``str(cell).strip()`` for every cell, in one ufunc call when all are text."""
    try:
        stripped: ObjArray = np.asarray(_STRIP(cells), dtype=object)
    except TypeError:  # a cell that is not text (only from inline tables' odd values)
        stripped = np.asarray([str(v).strip() for v in cells], dtype=object)
    return stripped


def first_positions(values: np.ndarray[Any, Any], counted: BoolArray) -> IntArray:
    """For each cell, the position of the first ``counted`` cell with the same value
    (its own position when it is the first, or not counted)."""
    positions = np.arange(len(values), dtype=np.int64)
    codes, _ = pd.factorize(values, use_na_sentinel=False)
    chosen = np.flatnonzero(counted)
    distinct, first_of = np.unique(codes[chosen], return_index=True)
    first = np.full(int(codes.max(initial=-1)) + 1, -1, dtype=np.int64)
    first[distinct] = chosen[first_of]
    result = positions.copy()
    result[chosen] = first[codes[chosen]]
    return result
