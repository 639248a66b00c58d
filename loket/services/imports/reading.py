"""Read an import file into rows: detect the encoding, refuse what is not a CSV text file, and turn
every reading problem into a message instead of a traceback.

Files come as UTF-8 (with or without BOM) or Windows-1252, as Excel writes them (DOMAIN.md). UTF-16,
UTF-32, spreadsheets, archives, images and other binary files are refused as a whole with a message
that says what the file looks like and how to save it as CSV. A file that mixes UTF-8 and another
encoding is refused too (importing it either way would garble names).
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from loket.services.imports.formats import RowError

__all__ = ["ENCODING_LABELS", "FileRefused", "Table", "decode", "read_table"]

SAVE_AS = "Sla het bestand in Excel op als 'CSV UTF-8 (gescheiden door komma's)' en probeer het opnieuw."
ENCODING_LABELS = {"utf-8": "UTF-8", "utf-8-sig": "UTF-8 met BOM", "cp1252": "Windows-1252"}
SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"PK\x03\x04", "een Excel-werkmap (.xlsx) of een ander zip-bestand"),
    (b"\xd0\xcf\x11\xe0", "een oud Excel- of Word-bestand (.xls/.doc)"),
    (b"%PDF", "een PDF-bestand"),
    (b"\x89PNG", "een afbeelding (PNG)"),
    (b"\xff\xd8\xff", "een afbeelding (JPEG)"),
    (b"GIF8", "een afbeelding (GIF)"),
    (b"\x1f\x8b", "een gzip-archief"),
    (b"SQLite format 3\x00", "een SQLite-database"),
)
SAMPLE = 64 * 1024
_BINARY_BYTES = re.compile(rb"[\x00-\x08\x0e-\x1a\x1c-\x1f]")
_UTF8_MULTIBYTE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")


class FileRefused(Exception):
    """The file as a whole cannot be imported; ``message`` says why and what to do."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(slots=True)
class Table:
    """The rows of a CSV file: header, (line, cells) per non-blank row, and how it was read."""

    header: list[str]
    rows: list[tuple[int, list[str]]]
    encoding: str = "UTF-8"
    errors: list[RowError] = field(default_factory=list)


def _line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def decode(data: bytes) -> tuple[str, str]:
    """(text, encoding label) of a file's bytes; raises FileRefused for anything but a CSV text file."""
    if data.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        raise FileRefused(f"het bestand is in UTF-32 opgeslagen; dat wordt niet ondersteund. {SAVE_AS}")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise FileRefused(
            f"het bestand is in UTF-16 (Unicode) opgeslagen; dat wordt niet ondersteund. {SAVE_AS}"
        )
    for signature, what in SIGNATURES:
        if data.startswith(signature):
            raise FileRefused(f"dit is geen CSV-bestand maar {what}. {SAVE_AS}")
    sample = data[:SAMPLE]
    nul = sample.count(0)
    if nul and nul * 10 >= len(sample):
        odd, even = sample[1::2].count(0), sample[0::2].count(0)
        if max(odd, even) >= 0.9 * nul:
            raise FileRefused(
                f"het bestand lijkt in UTF-16 (Unicode, zonder BOM) opgeslagen; dat wordt niet ondersteund. "
                f"{SAVE_AS}"
            )
        raise FileRefused(f"dit is geen tekstbestand (het bevat binaire gegevens). {SAVE_AS}")
    if len(_BINARY_BYTES.findall(sample)) * 20 > len(sample):
        raise FileRefused(f"dit is geen tekstbestand (het bevat binaire gegevens). {SAVE_AS}")
    has_bom = data.startswith(codecs.BOM_UTF8)
    try:
        return data.decode("utf-8-sig"), ENCODING_LABELS["utf-8-sig" if has_bom else "utf-8"]
    except UnicodeDecodeError as exc:
        bad_line = _line_of(data, exc.start)
        if has_bom or _UTF8_MULTIBYTE.search(data, 0, exc.start):
            raise FileRefused(
                f"het bestand is deels UTF-8 en deels een andere tekenset (regel {bad_line}, byte "
                f"0x{data[exc.start]:02X}); zo worden namen verminkt. {SAVE_AS}"
            ) from None
    try:
        return data.decode("cp1252"), ENCODING_LABELS["cp1252"]
    except UnicodeDecodeError as exc:
        raise FileRefused(
            f"onbekende tekenset: byte 0x{data[exc.start]:02X} op regel {_line_of(data, exc.start)} is "
            f"geen UTF-8 en geen Windows-1252. {SAVE_AS}"
        ) from None


def read_table(source: TextIO | str | Path) -> Table:
    """Read a path (bytes, encoding detected), a CSV string or an open text file into a Table.

    Raises FileRefused when the file as a whole cannot be read; a CSV syntax problem becomes an
    error on its line (reading stops there: the import is refused anyway).
    """
    encoding = "UTF-8"
    if isinstance(source, Path | str) and not (isinstance(source, str) and "\n" in source):
        try:
            data = Path(source).read_bytes()
        except OSError as exc:
            raise FileRefused(f"het bestand kan niet gelezen worden: {exc.strerror or exc}") from None
        text, encoding = decode(data)
    elif isinstance(source, str):
        text = source
    else:
        text = source.read()
    if text.startswith("\ufeff"):
        text = text[1:]
    # a cell may be as long as the file; the checks per column say what is too long, with its line
    csv.field_size_limit(max(csv.field_size_limit(), len(text) + 1))
    reader = csv.reader(io.StringIO(text, newline=""))
    table = Table(header=[], rows=[], encoding=encoding)
    last = 0
    try:
        for cells in reader:
            start = last + 1
            last = reader.line_num
            if not table.header:
                table.header = [c.strip().lower() for c in cells]
                continue
            if any(c.strip() for c in cells):
                table.rows.append((start, cells))
    except csv.Error as exc:
        table.errors.append(RowError(last + 1, None, f"de CSV-opmaak klopt niet: {exc}"))
    return table
