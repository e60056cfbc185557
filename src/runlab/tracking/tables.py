"""Plain-text tables and number formatting shared by the CLI, the sweep summary and the report."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from runlab.tracking.compare import Comparison

__all__ = ["comparison_table", "format_number", "format_table"]


def format_number(value: Any) -> str:
    """Short, aligned-friendly numbers: 4 significant digits, ``-`` for missing."""
    if value is None:
        return "-"
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        return f"{value:.4g}"
    return str(value)


def format_table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """Columns padded to their widest cell; numbers right-aligned."""
    cells = [[format_number(c) for c in row] for row in rows]
    widths = [len(h) for h in headers]
    for row in cells:
        for i, cell in enumerate(row):
            widths[i] = max(widths[i], len(cell))
    numeric = [all(isinstance(row[i], (int, float)) or row[i] is None for row in rows) and rows
               for i in range(len(headers))]

    def line(row: Sequence[str]) -> str:
        return "  ".join(
            cell.rjust(widths[i]) if numeric[i] else cell.ljust(widths[i])
            for i, cell in enumerate(row)
        ).rstrip()

    out = [line(list(headers)), line(["-" * w for w in widths])]
    out.extend(line(row) for row in cells)
    return "\n".join(out)


def comparison_rows(comparison: Comparison) -> tuple[list[str], list[list[Any]]]:
    """Headers and rows of a compare table (the best row marked with ``*``)."""
    headers = ["best", *comparison.by, "n", "mean", "std", "min", "max"]
    rows: list[list[Any]] = []
    for row in comparison.rows:
        rows.append(["*" if row.best else "", *(v for _k, v in row.params), row.n, row.mean,
                     row.std, row.min, row.max])
    return headers, rows


def comparison_table(comparison: Comparison) -> str:
    headers, rows = comparison_rows(comparison)
    return format_table(headers, rows)
