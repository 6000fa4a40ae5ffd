"""Import a carrier's daily call-detail records (CSV, docs/telephony.md): all or nothing."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from calls.exceptions import CdrImportError
from calls.services.cdr import import_cdr


class Command(BaseCommand):
    help = "Import a carrier's CDR file (CSV): every line checked first, nothing written on error."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--carrier",
            required=True,
            help="The carrier that sent the file (a name of CARRIER_SECRETS).",
        )

    def handle(self, *args, file: Path, carrier: str, **options) -> None:
        if carrier not in settings.CARRIER_SECRETS:
            raise CommandError(
                f"Unknown carrier {carrier!r}: known carriers are "
                f"{', '.join(sorted(settings.CARRIER_SECRETS)) or 'none'} (CARRIER_SECRETS)."
            )
        try:
            content = file.read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {file}: {exc}") from exc
        try:
            result = import_cdr(content=content, carrier=carrier, now=timezone.now())
        except CdrImportError as exc:
            raise CommandError(
                "Nothing was imported:\n" + "\n".join(str(e) for e in exc.errors)
            ) from exc
        self.stdout.write(
            f"{result.lines} calls: {result.events_recorded} events recorded, "
            f"{result.events_already_known} already known."
        )
