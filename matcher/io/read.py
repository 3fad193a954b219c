"""The one reader dispatch: whatever holds a scenario (a folder, a document, a workbook,
the files of an upload) → its settings document and tables as frames.

The readers (``folder``, ``workbook``) know nothing of each other or of this module;
the loader (``load``) validates what they read and reads nothing itself.
"""

from __future__ import annotations

from pathlib import Path

from matcher.io.folder import read_folder, read_uploaded
from matcher.io.limits import TableLimits
from matcher.io.source import ScenarioSource
from matcher.io.workbook import is_workbook_upload, read_workbook


def read_scenario(path: Path) -> ScenarioSource:
    """A scenario folder, a document (tables inline or beside it), or one .xlsx workbook."""
    if path.suffix.lower() == ".xlsx":
        return read_workbook(path.name, path.read_bytes())
    return read_folder(path)


def read_upload(files: dict[str, bytes], limits: TableLimits | None = None) -> ScenarioSource:
    """Uploaded files by plain name: one workbook (sheets beyond ``limits`` raise
    TooLargeError), or a document and the table files it names."""
    named = list(files.items())
    if is_workbook_upload(named):
        return read_workbook(*named[0], limits=limits)
    return read_uploaded(files)
