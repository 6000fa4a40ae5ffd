"""The CSV import of candidates: every row is checked first, then all are recorded or none."""

import csv
import io
import re
from datetime import datetime

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from agents.exceptions import CandidateInputRefused
from agents.models import Candidate, Language, Territory
from agents.services.recruitment import CandidateData, add_candidates, open_candidate_phones
from cases.phones import to_e164

MAX_FILE_BYTES = 2 * 1024 * 1024
MAX_ROWS = 5_000
COLUMNS = ("first_name", "last_name", "phone", "email", "languages", "source")
REQUIRED_COLUMNS = ("first_name", "last_name", "phone", "languages")
NAME_MAX_LENGTH = 150
_LANGUAGE_SEPARATORS = re.compile(r"[;,\s]+")


class CandidateImportError(Exception):
    """The file was refused; ``errors`` says why, one message per problem, with line numbers."""

    def __init__(self, errors: list[str]):
        super().__init__("\n".join(errors))
        self.errors = errors


def import_candidates(*, territory: Territory, content: bytes, by: User | None, now: datetime) -> list[Candidate]:
    """Check every row of a candidates CSV, then record them all in one transaction, or none."""
    rows = _read_rows(territory=territory, content=content)
    try:
        return add_candidates(territory=territory, candidates=rows, by=by, now=now)
    except CandidateInputRefused as exc:
        # Someone added one of these phones while the file was being checked.
        raise CandidateImportError([str(exc.message)]) from None


def too_large_message() -> str:
    return _("The file is larger than %(size)d MB: split it.") % {"size": MAX_FILE_BYTES // (1024 * 1024)}


def _line(line: int, message: str) -> str:
    return _("line %(line)d: %(message)s") % {"line": line, "message": message}


def _cell_error(line: int, column: str, message) -> str:
    return _line(line, f"{column}: {message}")


def _read_rows(*, territory: Territory, content: bytes) -> list[CandidateData]:
    if len(content) > MAX_FILE_BYTES:
        raise CandidateImportError([too_large_message()])
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = content[: exc.start].count(b"\n") + 1
        raise CandidateImportError(
            [_line(line, _("the file is not encoded in UTF-8 (in Excel, save it as “CSV UTF-8”)."))]
        ) from None
    if not text.strip():
        raise CandidateImportError([_("The file is empty.")])

    first_line = text.split("\n", 1)[0]
    # French Excel writes ';', most other tools ','. The header decides, as it holds no data.
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    errors: list[str] = []
    raw_rows: list[tuple[int, dict[str, str]]] = []
    try:
        header = [cell.strip().lower() for cell in next(reader)]
        header_errors = _check_header(header)
        if header_errors:
            raise CandidateImportError(header_errors)
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                continue  # Spreadsheets leave blank lines at the end.
            if len(raw_rows) >= MAX_ROWS:
                raise CandidateImportError([_("The file has more than %(max)d rows: split it.") % {"max": MAX_ROWS}])
            if len(cells) > len(header) and any(cell.strip() for cell in cells[len(header) :]):
                errors.append(
                    _line(
                        reader.line_num,
                        _("%(found)d values for %(expected)d columns.") % {"found": len(cells), "expected": len(header)},
                    )
                )
                continue
            cells = cells + [""] * (len(header) - len(cells))
            values = {column: "" for column in COLUMNS}
            values.update({name: cells[i].strip() for i, name in enumerate(header)})
            raw_rows.append((reader.line_num, values))
    except csv.Error as exc:
        raise CandidateImportError([_line(reader.line_num, _("unreadable CSV: %(error)s") % {"error": exc})]) from None
    if not raw_rows and not errors:
        raise CandidateImportError([_("The file has a header but no rows.")])

    languages = {language.code.lower(): language for language in Language.objects.all()}
    rows: list[CandidateData] = []
    first_line_of_phone: dict[str, int] = {}
    for line, values in raw_rows:
        row, row_errors, phone = _check_row(line, values, territory=territory, languages=languages)
        if phone:
            seen_on = first_line_of_phone.setdefault(phone, line)
            if seen_on != line:
                row_errors.append(
                    _cell_error(
                        line, "phone", _("the same phone as line %(line)d: %(phone)s") % {"line": seen_on, "phone": phone}
                    )
                )
        errors.extend(row_errors)
        if row is not None and not row_errors:
            rows.append(row)
    open_phones = open_candidate_phones(territory=territory, phones=list(first_line_of_phone))
    for phone in sorted(open_phones, key=first_line_of_phone.__getitem__):
        errors.append(
            _cell_error(
                first_line_of_phone[phone],
                "phone",
                _("a candidate with this phone is already open: %(phone)s") % {"phone": phone},
            )
        )
    if errors:
        raise CandidateImportError(sorted(errors, key=_line_number))
    return rows


def _line_number(message: str) -> int:
    found = re.search(r"\d+", message)
    return int(found.group()) if found else 0


def _check_header(header: list[str]) -> list[str]:
    errors = []
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    unknown = [c for c in header if c not in COLUMNS]
    duplicated = sorted({c for c in header if c in COLUMNS and header.count(c) > 1})
    if missing:
        errors.append(_line(1, _("missing column(s): %(columns)s.") % {"columns": ", ".join(missing)}))
    if unknown:
        errors.append(_line(1, _("unknown column(s): %(columns)s.") % {"columns": ", ".join(c or '""' for c in unknown)}))
    if duplicated:
        errors.append(_line(1, _("column(s) given twice: %(columns)s.") % {"columns": ", ".join(duplicated)}))
    if errors:
        errors.append(_("Expected columns: %(columns)s.") % {"columns": ", ".join(COLUMNS)})
    return errors


def _check_row(
    line: int, values: dict[str, str], *, territory: Territory, languages: dict[str, Language]
) -> tuple[CandidateData | None, list[str], str]:
    """Return the row's candidate (None if it has errors), its errors, and its phone once read."""
    errors = []
    for column in ("first_name", "last_name"):
        if not values[column]:
            errors.append(_cell_error(line, column, _("This value is required.")))
        elif len(values[column]) > NAME_MAX_LENGTH:
            errors.append(_cell_error(line, column, _("At most %(max)d characters.") % {"max": NAME_MAX_LENGTH}))

    phone = ""
    try:
        phone = to_e164(values["phone"], region=territory.phone_region)
    except ValidationError as exc:
        errors.extend(_cell_error(line, "phone", message) for message in exc.messages)

    email = values["email"]
    if email:
        try:
            validate_email(email)
        except ValidationError:
            errors.append(_cell_error(line, "email", _("Invalid e-mail address: %(value)s") % {"value": email}))

    codes = [code.lower() for code in _LANGUAGE_SEPARATORS.split(values["languages"]) if code]
    unknown = [code for code in codes if code not in languages]
    if not codes:
        errors.append(_cell_error(line, "languages", _("This value is required.")))
    elif unknown:
        errors.append(_cell_error(line, "languages", _("Unknown language code(s): %(codes)s") % {"codes": ", ".join(unknown)}))

    source = values["source"].lower().replace("-", "_").replace(" ", "_") or Candidate.Source.JOB_BOARD
    if source not in Candidate.Source.values:
        errors.append(
            _cell_error(
                line,
                "source",
                _("Unknown source: %(value)s (expected one of: %(choices)s)")
                % {"value": values["source"], "choices": ", ".join(Candidate.Source.values)},
            )
        )

    if errors:
        return None, errors, phone
    return (
        CandidateData(
            first_name=values["first_name"],
            last_name=values["last_name"],
            phone=phone,
            email=email,
            languages=[languages[code] for code in dict.fromkeys(codes)],
            source=source,
        ),
        [],
        phone,
    )
