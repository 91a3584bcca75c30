"""Text that a spreadsheet opens as text, never as a formula (OWASP's CSV injection advice).

A cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is run as a
formula by Excel, WPS and LibreOffice when the file is opened (``=HYPERLINK("http://…")``,
``@SUM(…)``). Case data comes from other systems and may start so. In a CSV file such text
gets a leading ``'`` (:func:`neutralise`); in a workbook the cell is typed as text and carries
Excel's quote prefix, which also keeps editing the cell from turning it into a formula
(:func:`text_cell`, :func:`write_workbook`).
"""

from __future__ import annotations

import numbers
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

if TYPE_CHECKING:
    import pandas as pd
    from openpyxl.cell.cell import Cell
    from openpyxl.worksheet.worksheet import Worksheet

from monitor.text import map_text

__all__ = ["FORMULA_START", "neutralise", "neutralise_series", "text_cell", "write_workbook"]

#: What a spreadsheet takes for the start of a formula.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(text: str) -> str:
    """``text`` with a leading ``'`` when a spreadsheet would run it as a formula."""
    return "'" + text if text.startswith(FORMULA_START) else text


def neutralise_series(values: pd.Series) -> pd.Series:
    """:func:`neutralise` on every text value of a column (missing values stay missing)."""
    return map_text(values, neutralise, lambda text: text.str.startswith(FORMULA_START))


def text_cell(sheet: Worksheet, row: int, column: int, text: str) -> Cell:
    """Put ``text`` into a cell as text: characters XML cannot hold removed, never a
    formula (typed as a string, with the quote prefix where it starts like one)."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    clean = ILLEGAL_CHARACTERS_RE.sub("", text)
    cell = sheet.cell(row=row, column=column)
    cell.value = clean
    cell.data_type = "s"
    if clean.startswith(FORMULA_START):
        cell.quotePrefix = True
    return cell


def write_workbook(frame: pd.DataFrame, path: Path | BinaryIO, sheet_name: str) -> None:
    """``frame`` as a one-sheet workbook (a file, or written into a binary stream): a bold
    header row, text as :func:`text_cell`,
    numbers and booleans as they are, missing values empty."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = sheet_name
    for column, name in enumerate(frame.columns, start=1):
        text_cell(sheet, 1, column, str(name)).font = Font(bold=True)
    for row, values in enumerate(frame.itertuples(index=False), start=2):
        for column, value in enumerate(values, start=1):
            _put(sheet, row, column, value)
    sheet.freeze_panes = "A2"
    book.save(path)


def _put(sheet: Worksheet, row: int, column: int, value: Any) -> None:
    if value is None or (isinstance(value, float) and value != value):  # missing, NaN
        return
    if isinstance(value, numbers.Real):  # bool, int, float and numpy's numbers
        sheet.cell(row=row, column=column, value=value)
    else:
        text_cell(sheet, row, column, str(value))
