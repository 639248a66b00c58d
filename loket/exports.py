"""Every CSV (or other spreadsheet file) Loket writes goes through here, so no cell can start a formula.

A spreadsheet reads a cell that starts with ``=``, ``+``, ``-`` or ``@`` (and, in some programs, a
tab or carriage return first) as a formula: a school name like ``=HYPERLINK("http://...")`` in an
export would run when a manager opens the file ("CSV injection", OWASP). ``safe_cell`` puts a single
quote in front of such text, which spreadsheets show as plain text. Numbers, dates and booleans are
written as they are (a negative number is not a formula).

    write_csv(fh, ["naam", "plaats"], rows)        # to an open text file (newline="")
    data = csv_bytes(["naam", "plaats"], rows)     # UTF-8 with BOM, as Excel opens it correctly

``tests/integration/test_import_exports.py`` fails when a module writes CSV without these helpers.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any, TextIO

__all__ = ["FORMULA_START", "csv_bytes", "safe_cell", "write_csv"]

# ASCII triggers, their full-width forms (read as formulas by some spreadsheet programs), tab and CR
FORMULA_START = frozenset("=+-@\t\r\n\uff1d\uff0b\uff0d\uff20")


def safe_cell(value: Any) -> Any:
    """The value as a spreadsheet-safe cell: text that would start a formula gets a leading ``'``."""
    if value is None:
        return ""
    if isinstance(value, bool | int | float | Decimal | date | datetime):
        return value
    text = str(value)
    if text and text[0] in FORMULA_START:
        return "'" + text
    return text


def write_csv(out: TextIO, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """Write a header and rows as CSV with every cell made safe; returns the number of data rows."""
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([safe_cell(h) for h in header])
    n = 0
    for row in rows:
        writer.writerow([safe_cell(v) for v in row])
        n += 1
    return n


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    """The CSV as UTF-8 with a BOM (Excel then reads accents correctly; ``loket import`` accepts it)."""
    buf = io.StringIO(newline="")
    write_csv(buf, header, rows)
    return buf.getvalue().encode("utf-8-sig")
