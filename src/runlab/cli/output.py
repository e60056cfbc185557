"""Printing listings as rich tables (when rich is installed), plain text, JSON or CSV."""

from __future__ import annotations

import csv
import json
import math
import os
import sys
from collections.abc import Sequence
from typing import Any, TextIO

from runlab.tracking.tables import format_number, format_table

__all__ = ["emit", "rich_available"]


def rich_available() -> bool:
    """rich is optional: without it (or with RUNLAB_PLAIN=1) tables are plain text."""
    if os.environ.get("RUNLAB_PLAIN"):
        return False
    try:
        import rich  # noqa: F401
    except ImportError:
        return False
    return True


def _json_safe(value: Any) -> Any:
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None
    return value


def emit(headers: Sequence[str], rows: Sequence[Sequence[Any]], output: str, *,
         title: str | None = None, highlight: Sequence[bool] | None = None,
         stream: TextIO | None = None) -> None:
    """Print ``rows`` in the chosen ``output`` format (table, plain, json, csv)."""
    stream = stream or sys.stdout
    if output == "json":
        records = [{h: _json_safe(v) for h, v in zip(headers, row)} for row in rows]
        stream.write(json.dumps(records, indent=2, default=str) + "\n")
        return
    if output == "csv":
        writer = csv.writer(stream, lineterminator="\n")
        writer.writerow(headers)
        for row in rows:
            writer.writerow(["" if v is None else v for v in row])
        return
    if output == "table" and rich_available():
        _rich_table(headers, rows, title, highlight, stream)
        return
    if title:
        stream.write(title + "\n")
    stream.write(format_table(headers, rows) + "\n")


def _rich_table(headers: Sequence[str], rows: Sequence[Sequence[Any]], title: str | None,
                highlight: Sequence[bool] | None, stream: TextIO) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title, title_justify="left", header_style="bold")
    for i, header in enumerate(headers):
        numeric = bool(rows) and all(isinstance(r[i], (int, float)) or r[i] is None for r in rows)
        table.add_column(header, justify="right" if numeric else "left")
    for i, row in enumerate(rows):
        style = "bold green" if highlight and highlight[i] else None
        table.add_row(*(format_number(v) for v in row), style=style)
    width = None if stream.isatty() else int(os.environ.get("COLUMNS", "200"))
    Console(file=stream, width=width, soft_wrap=False).print(table)
