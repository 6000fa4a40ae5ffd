"""The CSV import of candidates: every row is checked first, then all are recorded or none."""

import re
from datetime import datetime

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from agents.models import Language, Territory
from common import csv_files
from common.csv_files import CsvLayout, cell_error, error_line, read_csv
from common.phones import to_e164
from workforce.exceptions import CandidateImportError, CandidateInputRefused
from workforce.models.recruitment import Candidate
from workforce.services.recruitment import CandidateData, add_candidates, open_candidate_phones

MAX_FILE_BYTES = 2 * 1024 * 1024
MAX_ROWS = 5_000
COLUMNS = ("first_name", "last_name", "phone", "email", "languages", "source")
REQUIRED_COLUMNS = ("first_name", "last_name", "phone", "languages")
NAME_MAX_LENGTH = 150
_LANGUAGE_SEPARATORS = re.compile(r"[;,\s]+")


def import_candidates(
    *, territory: Territory, content: bytes, by: User | None, now: datetime
) -> list[Candidate]:
    """Check every row of a candidates CSV, then record them all in one transaction, or none."""
    rows = _read_rows(territory=territory, content=content)
    try:
        return add_candidates(territory=territory, candidates=rows, by=by, now=now)
    except CandidateInputRefused as exc:
        # Someone added one of these phones while the file was being checked.
        raise CandidateImportError([str(exc.message)]) from None


def too_large_message() -> str:
    return csv_files.too_large_message(MAX_FILE_BYTES)


def _read_rows(*, territory: Territory, content: bytes) -> list[CandidateData]:
    raw_rows, errors = read_csv(
        content,
        layout=CsvLayout(
            columns=COLUMNS, required=REQUIRED_COLUMNS, max_bytes=MAX_FILE_BYTES, max_rows=MAX_ROWS
        ),
        error=CandidateImportError,
    )
    languages = {language.code.lower(): language for language in Language.objects.all()}
    rows: list[CandidateData] = []
    first_line_of_phone: dict[str, int] = {}
    for line, values in raw_rows:
        row, row_errors, phone = _check_row(line, values, territory=territory, languages=languages)
        if phone:
            seen_on = first_line_of_phone.setdefault(phone, line)
            if seen_on != line:
                row_errors.append(
                    cell_error(
                        line,
                        "phone",
                        _("the same phone as line %(line)d: %(phone)s")
                        % {"line": seen_on, "phone": phone},
                    )
                )
        errors.extend(row_errors)
        if row is not None and not row_errors:
            rows.append(row)
    open_phones = open_candidate_phones(territory=territory, phones=list(first_line_of_phone))
    for phone in sorted(open_phones, key=first_line_of_phone.__getitem__):
        errors.append(
            cell_error(
                first_line_of_phone[phone],
                "phone",
                _("a candidate with this phone is already open: %(phone)s") % {"phone": phone},
            )
        )
    if errors:
        raise CandidateImportError(sorted(errors, key=error_line))
    return rows


def _check_row(
    line: int, values: dict[str, str], *, territory: Territory, languages: dict[str, Language]
) -> tuple[CandidateData | None, list[str], str]:
    """Return the row's candidate (None if it has errors), its errors, and its phone once read."""
    errors = []
    for column in ("first_name", "last_name"):
        if not values[column]:
            errors.append(cell_error(line, column, _("This value is required.")))
        elif len(values[column]) > NAME_MAX_LENGTH:
            errors.append(
                cell_error(
                    line, column, _("At most %(max)d characters.") % {"max": NAME_MAX_LENGTH}
                )
            )

    phone = ""
    try:
        phone = to_e164(values["phone"], region=territory.phone_region)
    except ValidationError as exc:
        errors.extend(cell_error(line, "phone", message) for message in exc.messages)

    email = values["email"]
    if email:
        try:
            validate_email(email)
        except ValidationError:
            errors.append(
                cell_error(line, "email", _("Invalid e-mail address: %(value)s") % {"value": email})
            )

    codes = [code.lower() for code in _LANGUAGE_SEPARATORS.split(values["languages"]) if code]
    unknown = [code for code in codes if code not in languages]
    if not codes:
        errors.append(cell_error(line, "languages", _("This value is required.")))
    elif unknown:
        errors.append(
            cell_error(
                line,
                "languages",
                _("Unknown language code(s): %(codes)s") % {"codes": ", ".join(unknown)},
            )
        )

    source = (
        values["source"].lower().replace("-", "_").replace(" ", "_") or Candidate.Source.JOB_BOARD
    )
    if source not in Candidate.Source.values:
        errors.append(
            cell_error(
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
