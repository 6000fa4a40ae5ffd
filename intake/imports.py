"""The CSV import of contacts: every row is checked first, then all are recorded or none."""

import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from agents.models import Language, Territory
from calls.services.intake import add_contacts
from cases.models import Exposure, IndexCase
from cases.places import place_data
from cases.services import MAX_CONTACTS, ContactData, PersonData, lock_people
from common import csv_files
from common.bounds import check_exposure_date
from common.csv_files import CsvLayout, cell_error, line_error, read_csv
from common.phones import to_e164
from intake.exceptions import ContactImportError

MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_ROWS = 20_000
COLUMNS = (
    "index_case",
    "first_name",
    "last_name",
    "phone",
    "language",
    "exposure_type",
    "last_exposure_date",
)
# Optional: where the exposure happened (clusters are detected from it).
PLACE_COLUMNS = ("place_name", "place_type", "place_address", "place_postcode")
# An example of each column, for the template file offered on the upload page.
EXAMPLE_ROWS = (
    {
        "index_case": "LAB-2026-0001",
        "first_name": "Camille",
        "last_name": "Martin",
        "phone": "06 12 34 56 78",
        "language": "fr",
        "exposure_type": "household",
    },
    {
        "index_case": "LAB-2026-0001",
        "first_name": "Mehmet",
        "last_name": "Yilmaz",
        # A Réunion mobile: accepted from every French territory.
        "phone": "0692 12 34 56",
        "language": "tr",
        "exposure_type": "close",
    },
)
NAME_MAX_LENGTH = 120
# How often the checking of the rows reports its progress.
PROGRESS_EVERY = 100
STAGE_CHECKING = "checking"
STAGE_RECORDING = "recording"
# (stage, rows done in that stage, rows in the file)
Progress = Callable[[str, int, int], None]
# SQLite refuses queries with too many parameters: look references up in slices.
_LOOKUP_CHUNK = 500
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_FRENCH_DATE = re.compile(r"^\d{1,2}/\d{1,2}/\d{4}$")


@dataclass
class ImportedCase:
    index_case: IndexCase
    rows: int
    created: int
    # The contacts of the file for this case, in file order, once each.
    person_ids: list[int] = field(default_factory=list)


@dataclass
class ImportResult:
    cases: list[ImportedCase] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return sum(c.rows for c in self.cases)

    @property
    def created(self) -> int:
        return sum(c.created for c in self.cases)


@dataclass(frozen=True)
class _Row:
    line: int
    index_case: IndexCase
    contact: ContactData


def _no_progress(stage: str, done: int, total: int) -> None:
    pass


def import_contacts(
    *,
    territory: Territory,
    content: bytes,
    now: datetime,
    progress: Progress = _no_progress,
    before_commit: Callable[[ImportResult], None] | None = None,
) -> ImportResult:
    """Check every row of a contacts CSV, then record them all in one transaction, or none.

    `progress` hears how far the checking, then the recording, has gone; `before_commit` runs
    last inside the transaction (a job marks itself done there, so that the contacts and the
    job's end are committed together)."""
    rows = _read_rows(territory=territory, content=content, now=now, progress=progress)
    by_case: dict[int, tuple[IndexCase, list[ContactData]]] = {}
    for row in rows:
        by_case.setdefault(row.index_case.pk, (row.index_case, []))[1].append(row.contact)
    result = ImportResult()
    done = 0
    with transaction.atomic():
        # All at once, before any write: locks taken case by case could wait on each other.
        lock_people(territory=territory, persons=[row.contact.person for row in rows])
        progress(STAGE_RECORDING, 0, len(rows))
        for index_case, contacts in by_case.values():
            # A contact already known for this case is recorded once: count what is new.
            before = Exposure.objects.filter(index_case=index_case).count()
            registered = add_contacts(index_case=index_case, contacts=contacts, now=now)
            created = Exposure.objects.filter(index_case=index_case).count() - before
            person_ids = list(dict.fromkeys(r.exposure.person_id for r in registered))
            result.cases.append(
                ImportedCase(
                    index_case=index_case,
                    rows=len(contacts),
                    created=created,
                    person_ids=person_ids,
                )
            )
            done += len(contacts)
            progress(STAGE_RECORDING, done, len(rows))
        if before_commit is not None:
            before_commit(result)
    return result


def template_rows(*, today: date) -> list[list[str]]:
    """Return the template file's rows: the header the importer reads, then the examples."""
    example_date = (today - timedelta(days=1)).isoformat()
    rows = [list(COLUMNS)]
    for example in EXAMPLE_ROWS:
        values = {"last_exposure_date": example_date, **example}
        rows.append([values[column] for column in COLUMNS])
    return rows


def _read_rows(
    *, territory: Territory, content: bytes, now: datetime, progress: Progress = _no_progress
) -> list["_Row"]:
    raw_rows, errors = read_csv(
        content,
        layout=CsvLayout(
            columns=COLUMNS + PLACE_COLUMNS,
            required=COLUMNS,
            max_bytes=MAX_FILE_BYTES,
            max_rows=MAX_ROWS,
        ),
        error=ContactImportError,
    )
    cases = _find_index_cases(
        territory, {values["index_case"] for _, values in raw_rows if values["index_case"]}
    )
    languages = _languages()
    today = timezone.localdate(now, timezone=territory.zone)
    rows = []
    total = len(raw_rows)
    progress(STAGE_CHECKING, 0, total)
    for checked, (line, values) in enumerate(raw_rows, 1):
        row, row_errors = _check_row(
            line, values, territory=territory, cases=cases, languages=languages, today=today
        )
        errors.extend(row_errors)
        if row is not None:
            rows.append(row)
        if checked % PROGRESS_EVERY == 0 or checked == total:
            progress(STAGE_CHECKING, checked, total)
    errors.extend(_too_many_contacts(rows))
    if errors:
        raise ContactImportError(errors)
    return rows


def _too_many_contacts(rows: list["_Row"]) -> list[str]:
    """One error per index case given more than MAX_CONTACTS rows, at its first row too many."""
    seen: Counter[int] = Counter()
    errors = []
    for row in rows:
        seen[row.index_case.pk] += 1
        if seen[row.index_case.pk] == MAX_CONTACTS + 1:
            message = _("more than %(max)d contacts for one index case.") % {"max": MAX_CONTACTS}
            errors.append(line_error(row.line, message))
    return errors


def too_large_message() -> str:
    return csv_files.too_large_message(MAX_FILE_BYTES)


def _chunks(items: list, size: int) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _find_index_cases(territory: Territory, refs: set[str]) -> dict[str, IndexCase]:
    """Map each reference of the file to its index case: external reference first, then id."""
    refs_list = sorted(refs)
    by_external: dict[str, IndexCase] = {}
    by_id: dict[str, IndexCase] = {}
    ids = [int(r) for r in refs_list if r.isdigit() and len(r) < 18]
    for chunk in _chunks(refs_list, _LOOKUP_CHUNK):
        for case in IndexCase.objects.filter(
            territory=territory, external_ref__in=chunk
        ).select_related("territory"):
            by_external[case.external_ref] = case
    for chunk in _chunks(ids, _LOOKUP_CHUNK):
        for case in IndexCase.objects.filter(Q(pk__in=chunk), territory=territory).select_related(
            "territory"
        ):
            by_id[str(case.pk)] = case
    found = {}
    for ref in refs_list:
        case = by_external.get(ref) or by_id.get(ref.lstrip("0") or "0")
        if case is not None:
            found[ref] = case
    return found


def _languages() -> dict[str, Language]:
    """Map codes and names (French and English), lower-cased, to languages."""
    languages = list(Language.objects.all())
    by_key: dict[str, Language] = {}
    for language in languages:
        by_key.setdefault(language.name_en.lower(), language)
        by_key.setdefault(language.name_fr.lower(), language)
    # Codes win over a name that happens to spell another code.
    by_key.update({language.code.lower(): language for language in languages})
    return by_key


def _parse_date(value: str) -> date:
    try:
        if _ISO_DATE.match(value):
            return date.fromisoformat(value)
        if _FRENCH_DATE.match(value):
            day, month, year = (int(part) for part in value.split("/"))
            return date(year, month, day)
    except ValueError:
        pass
    raise ValueError(value)


def _check_row(
    line: int,
    values: dict[str, str],
    *,
    territory: Territory,
    cases: dict[str, IndexCase],
    languages,
    today: date,
) -> tuple["_Row | None", list[str]]:
    errors = []

    ref = values["index_case"]
    index_case = cases.get(ref)
    if not ref:
        errors.append(cell_error(line, "index_case", _("This value is required.")))
    elif index_case is None:
        errors.append(
            cell_error(
                line,
                "index_case",
                _("No index case %(ref)s in territory %(code)s.")
                % {"ref": ref, "code": territory.code},
            )
        )

    for column in ("first_name", "last_name"):
        if not values[column]:
            errors.append(cell_error(line, column, _("This value is required.")))
        elif len(values[column]) > NAME_MAX_LENGTH:
            errors.append(
                cell_error(
                    line, column, _("At most %(max)d characters.") % {"max": NAME_MAX_LENGTH}
                )
            )

    phone = None
    try:
        phone = to_e164(values["phone"], region=territory.phone_region)
    except ValidationError as exc:
        errors.extend(cell_error(line, "phone", message) for message in exc.messages)

    language = languages.get(values["language"].lower())
    if not values["language"]:
        errors.append(cell_error(line, "language", _("This value is required.")))
    elif language is None:
        errors.append(
            cell_error(
                line, "language", _("Unknown language: %(value)s") % {"value": values["language"]}
            )
        )

    exposure_type = values["exposure_type"].lower().replace("-", "_")
    if exposure_type not in Exposure.Type.values:
        errors.append(
            cell_error(
                line,
                "exposure_type",
                _("Unknown exposure type: %(value)s (expected one of: %(choices)s)")
                % {"value": values["exposure_type"], "choices": ", ".join(Exposure.Type.values)},
            )
        )

    exposure_date = None
    try:
        exposure_date = _parse_date(values["last_exposure_date"])
    except ValueError:
        errors.append(
            cell_error(
                line,
                "last_exposure_date",
                _("Invalid date: %(value)s (expected YYYY-MM-DD or DD/MM/YYYY)")
                % {"value": values["last_exposure_date"]},
            )
        )
    else:
        try:
            check_exposure_date(exposure_date, today=today)
        except ValidationError as exc:
            errors.extend(cell_error(line, "last_exposure_date", m) for m in exc.messages)

    place = None
    try:
        place = place_data(
            name=values["place_name"],
            type=values["place_type"].lower().replace("-", "_"),
            address=values["place_address"],
            postcode=values["place_postcode"],
        )
    except ValidationError as exc:
        errors.extend(
            cell_error(line, column, message)
            for column, messages in exc.message_dict.items()
            for message in messages
        )

    if errors or phone is None or exposure_date is None or index_case is None:
        return None, errors
    contact = ContactData(
        person=PersonData(
            first_name=values["first_name"],
            last_name=values["last_name"],
            phones=[phone],
            language=language,
        ),
        exposure_type=exposure_type,
        last_exposure_date=exposure_date,
        place=place,
    )
    return _Row(line=line, index_case=index_case, contact=contact), []
