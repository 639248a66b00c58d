"""Control characters in text input: one definition for the forms, the query string, the CSV import
and mail headers.

Pure (no Flask, no ORM). Control characters are the Unicode category Cc (C0 ``U+0000..U+001F``,
``U+007F`` and C1 ``U+0080..U+009F``) plus the Unicode line and paragraph separators. None of them
belongs in a name, an address or a search term: a NUL byte cannot be stored in PostgreSQL, and a line
break in a name ends up in an email header (``Sanne\\r\\nBcc: ...``).

- ``single_line(text)``: tabs become spaces, any other control character is refused (``ValueError``
  naming it), so a field is either clean or shows an error.
- ``multi_line(text)``: for free text (reasons, comments): line breaks are normalised to ``\\n``, tabs
  stay, every other control character is dropped.
- ``find_control(text)``: the first offending character and its position, for callers that build
  their own message (the CSV import).
"""

from __future__ import annotations

import re

__all__ = ["LINE_BREAKS", "describe", "find_control", "has_control", "multi_line", "single_line"]

LINE_BREAKS = "\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"  # what str.splitlines() splits on
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_CONTROL_NOT_TAB = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029]")
_NEWLINES = re.compile(r"\r\n|[\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")
_DROP_IN_TEXT = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f]")  # after newlines became "\n"


def describe(char: str) -> str:
    """A readable name for a control character: ``regeleinde (U+000A)``, ``NUL-teken (U+0000)``."""
    code = f"U+{ord(char):04X}"
    if char in LINE_BREAKS:
        return f"regeleinde ({code})"
    if char == "\x00":
        return f"NUL-teken ({code})"
    if char == "\t":
        return f"tab ({code})"
    return f"stuurteken ({code})"


def find_control(text: str, *, allow_tab: bool = False) -> tuple[int, str] | None:
    """(position, character) of the first control character in ``text``, or None when clean."""
    m = (_CONTROL_NOT_TAB if allow_tab else _CONTROL).search(text)
    return (m.start(), m.group()) if m else None


def has_control(text: str) -> bool:
    return _CONTROL.search(text) is not None


class ControlCharacter(ValueError):
    """A single-line value holds a line break or another control character."""

    def __init__(self, position: int, char: str) -> None:
        super().__init__(f"{describe(char)} op positie {position + 1}")
        self.position = position
        self.char = char

    @property
    def is_line_break(self) -> bool:
        return self.char in LINE_BREAKS


def single_line(text: str) -> str:
    """``text`` with tabs as spaces; raises ControlCharacter for a line break or other control char."""
    text = text.replace("\t", " ")
    found = find_control(text)
    if found is not None:
        raise ControlCharacter(*found)
    return text


def multi_line(text: str) -> str:
    """Free text: every line break becomes ``\\n``, tabs stay, other control characters are dropped."""
    return _DROP_IN_TEXT.sub("", _NEWLINES.sub("\n", text))
