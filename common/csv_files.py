"""CSV files: uploads read the same way by every import (contacts, candidates), and exports
written the same way for Excel (reports, payroll).

The file is read whole before anything is written: its size, its encoding, its header, and every
row's number of cells. Each problem becomes one message that starts with its line number, so the
person who made the file in Excel can find it.
"""

import csv
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.http import StreamingHttpResponse
from django.utils import numberformat
from django.utils.formats import get_format
from django.utils.translation import gettext as _

from common.exceptions import CsvImportError
from common.reporting import continue_reporting, current_source, has_replica, source_header


@dataclass(frozen=True)
class CsvLayout:
    columns: tuple[str, ...]
    required: tuple[str, ...]
    max_bytes: int
    max_rows: int


def csv_number(value, decimal_pos: int) -> str:
    """Return a number for a CSV cell: the decimal separator of the user's language (French Excel
    reads "83,3", not "83.3") and never a thousands separator, which would make it text."""
    return numberformat.format(
        value, get_format("DECIMAL_SEPARATOR"), decimal_pos, grouping=0, thousand_sep=""
    )


def line_error(line: int, message: str) -> str:
    return _("line %(line)d: %(message)s") % {"line": line, "message": message}


def cell_error(line: int, column: str, message) -> str:
    return line_error(line, f"{column}: {message}")


def error_line(message: str) -> int:
    """Return the line number a message starts with (0 for a message about the whole file)."""
    found = re.search(r"\d+", message)
    return int(found.group()) if found else 0


def too_large_message(max_bytes: int) -> str:
    return _("The file is larger than %(size)d MB: split it.") % {
        "size": max_bytes // (1024 * 1024)
    }


def read_csv(
    content: bytes, *, layout: CsvLayout, error: type[CsvImportError]
) -> tuple[list[tuple[int, dict[str, str]]], list[str]]:
    """Return the file's rows as (line number, value of every column) and the errors of rows of
    the wrong length; raise `error` for a file that cannot be read at all."""
    if len(content) > layout.max_bytes:
        raise error([too_large_message(layout.max_bytes)])
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = content[: exc.start].count(b"\n") + 1
        raise error(
            [
                line_error(
                    line, _("the file is not encoded in UTF-8 (in Excel, save it as “CSV UTF-8”).")
                )
            ]
        ) from None
    if not text.strip():
        raise error([_("The file is empty.")])

    first_line = text.split("\n", 1)[0]
    # French Excel writes ';', most other tools ','. The header decides, as it holds no data.
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows: list[tuple[int, dict[str, str]]] = []
    errors: list[str] = []
    try:
        header = [cell.strip().lower() for cell in next(reader)]
        header_errors = _check_header(header, layout)
        if header_errors:
            raise error(header_errors)
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                continue  # Spreadsheets leave blank lines at the end.
            if len(rows) >= layout.max_rows:
                raise error(
                    [_("The file has more than %(max)d rows: split it.") % {"max": layout.max_rows}]
                )
            if len(cells) > len(header) and any(cell.strip() for cell in cells[len(header) :]):
                message = _("%(found)d values for %(expected)d columns.") % {
                    "found": len(cells),
                    "expected": len(header),
                }
                errors.append(line_error(reader.line_num, message))
                continue
            cells = cells + [""] * (len(header) - len(cells))
            values = dict.fromkeys(layout.columns, "")
            values.update({name: cells[i].strip() for i, name in enumerate(header)})
            rows.append((reader.line_num, values))
    except csv.Error as exc:
        raise error(
            [line_error(reader.line_num, _("unreadable CSV: %(error)s") % {"error": exc})]
        ) from None
    if not rows and not errors:
        raise error([_("The file has a header but no rows.")])
    return rows, errors


def _check_header(header: list[str], layout: CsvLayout) -> list[str]:
    errors = []
    missing = [c for c in layout.required if c not in header]
    unknown = [c for c in header if c not in layout.columns]
    duplicated = sorted({c for c in header if c in layout.columns and header.count(c) > 1})
    if missing:
        errors.append(
            line_error(1, _("missing column(s): %(columns)s.") % {"columns": ", ".join(missing)})
        )
    if unknown:
        errors.append(
            line_error(
                1,
                _("unknown column(s): %(columns)s.")
                % {"columns": ", ".join(c or '""' for c in unknown)},
            )
        )
    if duplicated:
        errors.append(
            line_error(
                1, _("column(s) given twice: %(columns)s.") % {"columns": ", ".join(duplicated)}
            )
        )
    if errors:
        errors.append(_("Expected columns: %(columns)s.") % {"columns": ", ".join(layout.columns)})
    return errors


class _Echo:
    def write(self, value: str) -> str:
        return value


# What a spreadsheet reads as the start of a formula (OWASP, "CSV injection").
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise_cell(value: object) -> object:
    """Return a text cell that a spreadsheet would run as a formula behind a quote, so that a
    name typed as =HYPERLINK(…) is shown, not followed. Numbers (int, Decimal…) pass as they are;
    a number given as text and starting with a sign is shown as text."""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def excel_csv_response(
    *, filename: str, header: list[str], rows: Iterable[list[str]]
) -> StreamingHttpResponse:
    """Stream a CSV for Excel: UTF-8 with a BOM and semicolons, so French Excel opens the right
    columns; every cell goes through neutralise_cell.

    Called inside `reporting()`, the rows are read, while they are sent, from where the block read
    (the replica or the primary), and the X-Data-Source header says which.
    """
    writer = csv.writer(_Echo(), delimiter=";")
    source = current_source()
    rows = continue_reporting(rows)

    def lines() -> Iterator[str]:
        yield "\ufeff" + writer.writerow([neutralise_cell(cell) for cell in header])
        for row in rows:
            yield writer.writerow([neutralise_cell(cell) for cell in row])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    if source is not None and has_replica():
        response["X-Data-Source"] = source_header(source)
    return response
