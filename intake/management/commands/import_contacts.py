from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from agents.models import Territory
from intake.exceptions import ContactImportError
from intake.imports import MAX_FILE_BYTES, import_contacts, too_large_message


class Command(BaseCommand):
    help = (
        "Import contacts of index cases from a CSV file (UTF-8, ',' or ';'), all rows or none. "
        "Columns: index_case, first_name, last_name, phone, language, exposure_type, "
        "last_exposure_date."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="The CSV file.")
        parser.add_argument(
            "--territory", required=True, help="Département code of the territory, e.g. 93."
        )

    def handle(self, *args, file: Path, territory: str, **options):
        found = Territory.objects.filter(code=territory).first()
        if found is None:
            raise CommandError(f"Unknown territory: {territory}")
        try:
            if file.stat().st_size > MAX_FILE_BYTES:
                raise CommandError(too_large_message())
            content = file.read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {file}: {exc.strerror}") from None
        try:
            result = import_contacts(territory=found, content=content, now=timezone.now())
        except ContactImportError as exc:
            for error in exc.errors:
                self.stderr.write(error)
            raise CommandError(f"{len(exc.errors)} error(s): nothing was imported.") from None
        for imported in result.cases:
            ref = imported.index_case.external_ref or "-"
            self.stdout.write(
                f"index case #{imported.index_case.pk} ({ref}): {imported.rows} row(s), "
                f"{imported.created} new contact(s)"
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"{result.rows} row(s) imported for {len(result.cases)} index case(s), "
                f"{result.created} new contact(s)."
            )
        )
