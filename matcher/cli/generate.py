"""``matcher generate`` and ``matcher workbook``: write scenarios (synthetic, or a folder
as one Excel workbook)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from matcher.cli.common import LangOption, ScenarioArg, fail, out, say, use_lang, user_errors


def workbook(
    scenario: ScenarioArg,
    out_file: Annotated[Path, typer.Option("--out", help="The workbook to write (.xlsx).")],
    lang: LangOption = None,
) -> None:
    """Write a scenario folder as one Excel workbook: a sheet 'scenario' with the
    settings and a sheet per table. Upload it on the web page, or solve it directly."""
    from matcher.io.workbook import folder_workbook

    use_lang(lang)
    if out_file.suffix.lower() != ".xlsx":
        fail("cli.out_xlsx")
    with user_errors():
        content = folder_workbook(scenario)
        out_file.parent.mkdir(parents=True, exist_ok=True)
        out_file.write_bytes(content)
    out.print(say("cli.written_one", path=str(out_file)))


def generate(
    out_dir: Annotated[Path, typer.Option("--out", help="Folder to write the scenario to.")],
    students: Annotated[int, typer.Option(help="Number of students.")] = 500,
    ratio: Annotated[float, typer.Option(help="Workplaces per student.")] = 1.5,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 1,
    lang: LangOption = None,
) -> None:
    """Write a synthetic scenario calibrated on Flemish figures."""
    from matcher.generate import GeneratorSettings, write_scenario

    use_lang(lang)
    if students < 1 or ratio <= 0:
        fail("cli.generate_invalid")
    with user_errors():
        path = write_scenario(GeneratorSettings(students=students, ratio=ratio, seed=seed),
                              out_dir)
    out.print(say("cli.written_one", path=str(path)))


def register(app: typer.Typer) -> None:
    # the order of `matcher --help`: workbook before generate
    app.command()(workbook)
    app.command()(generate)
