"""docs/errors.md's table, read as data: one ``Row`` per message, and how an output is compared with it.

A message cell holds one code span per line (``<br>`` between lines, an empty line where the message
has one); ``<name>`` placeholders are filled in by each case's bindings.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

__all__ = ["DOC", "ROWS", "Row", "matches", "normalize", "parse_table"]

DOC = Path(__file__).resolve().parents[2] / "docs" / "errors.md"


@dataclass(frozen=True)
class Row:
    """One message: its id, how it is shown, its text (placeholders kept), exit status, Hydra claim."""

    id: str
    shown: str
    message: str
    exit: int | None
    hydra: str


_CELL_SPLIT = re.compile(r"(?<!\\)\|")
_SHOWN = {"stderr+hint", "stderr", "usage", "exception", "warning"}


def _code_span(part: str, row_id: str) -> str:
    """The text of one line of a message cell: a code span, `` `text` `` or ``` `` text `` ```."""
    if part == "":
        return ""
    if part.startswith("``") and part.endswith("``") and len(part) > 4:
        text = part[2:-2]
        return text[1:-1] if text.startswith(" ") and text.endswith(" ") else text
    if part.startswith("`") and part.endswith("`") and len(part) > 1:
        return part[1:-1]
    raise AssertionError(f"{row_id}: message line {part!r} is not a code span")


def parse_table(text: str) -> dict[str, Row]:
    rows: dict[str, Row] = {}
    for line in text.splitlines():
        if not line.startswith("| `"):
            continue
        cells = [cell.strip() for cell in _CELL_SPLIT.split(line.strip()[1:-1])]
        assert len(cells) == 6, f"row with {len(cells)} cells: {line}"
        row_id, _when, shown, message, exit_text, hydra = cells
        row_id = row_id.strip("`")
        assert row_id not in rows, f"duplicate row {row_id}"
        assert shown in _SHOWN, f"{row_id}: unknown 'shown as' {shown!r}"
        lines = [_code_span(part.strip(), row_id) for part in message.split("<br>")]
        rows[row_id] = Row(
            id=row_id,
            shown=shown,
            message="\n".join(lines).replace("\\|", "|"),
            exit=None if exit_text == "—" else int(exit_text),
            hydra=hydra,
        )
    return rows


ROWS = parse_table(DOC.read_text(encoding="utf-8"))


def normalize(text: str, tmp: Path) -> str:
    """Temporary paths (as given and resolved) written ``<tmp>``."""
    for spelling in {os.path.realpath(tmp), str(tmp)}:
        text = text.replace(spelling, "<tmp>")
    return text


def matches(expected: str, actual: str) -> bool:
    """Equal, except that ``<frames>`` stands for any stack frames."""
    pattern = ".*".join(re.escape(part) for part in expected.split("<frames>"))
    return re.fullmatch(pattern, actual, flags=re.DOTALL) is not None
