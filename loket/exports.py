"""Every CSV (or other spreadsheet file) Loket writes goes through here, so no cell can start a formula.

A spreadsheet reads a cell that starts with ``=``, ``+``, ``-`` or ``@`` (and, in some programs, a
tab or carriage return first) as a formula: a school name like ``=HYPERLINK("http://...")`` in an
export would run when a manager opens the file ("CSV injection", OWASP). ``safe_cell`` puts a single
quote in front of such text, which spreadsheets show as plain text. Numbers, dates and booleans are
written as they are (a negative number is not a formula).

    write_csv(fh, ["naam", "plaats"], rows)        # to an open text file (newline="")
    data = csv_bytes(["naam", "plaats"], rows)     # UTF-8 with BOM, as Excel opens it correctly
    data = xlsx_bytes("Aanvragen", ["naam", "plaats"], rows)   # an Excel workbook, same cells

In the XLSX file a neutralised cell is also stored as text (never a formula), with the quote
in front as in the CSV file, so both formats show the same value.

``tests/integration/test_import_exports.py`` fails when a module writes CSV without these helpers.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any, TextIO

__all__ = ["FORMATS", "FORMULA_START", "csv_bytes", "safe_cell", "spreadsheet", "write_csv", "xlsx_bytes"]

# the download formats of a table and their media types
FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}

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


ILLEGAL_XML = frozenset(chr(c) for c in range(32) if chr(c) not in "\t\n\r")


def xlsx_bytes(sheet: str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    """An XLSX workbook of one sheet (header in bold, frozen) with every cell made safe: text is
    always stored as text, so ``=...`` can never become a formula."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook(write_only=False)
    ws = wb.active
    ws.title = _sheet_title(sheet)
    ws.append([_xlsx_cell(h) for h in header])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    ws.freeze_panes = "A2"
    for row in rows:
        ws.append([_xlsx_cell(v) for v in row])
    for row in ws.iter_rows():
        for cell in row:
            if isinstance(cell.value, str):
                cell.data_type = "s"  # openpyxl would store text starting with "=" as a formula
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _xlsx_cell(value: Any) -> Any:
    safe = safe_cell(value)
    if isinstance(safe, datetime) and safe.tzinfo is not None:
        return safe.replace(tzinfo=None)  # Excel has no time zones
    if isinstance(safe, str):
        return "".join(ch for ch in safe if ch not in ILLEGAL_XML)
    return safe


def _sheet_title(name: str) -> str:
    cleaned = "".join(ch for ch in name if ch not in "[]:*?/\\")
    return (cleaned or "Blad")[:31]


def spreadsheet(fmt: str, sheet: str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    """The table as a file of ``fmt`` (a key of ``FORMATS``): CSV or XLSX, cells made safe."""
    if fmt == "xlsx":
        return xlsx_bytes(sheet, header, rows)
    return csv_bytes(header, rows)
