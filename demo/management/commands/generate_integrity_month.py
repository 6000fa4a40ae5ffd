"""manage.py generate_integrity_month --seed N: the seeded-fraud month and its score."""

import time as clock
from datetime import date, timedelta

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from agents.models import Territory
from agents.services.staff import create_territory
from demo import integrity_month


def _month(value: str) -> date:
    try:
        year, month = (int(part) for part in value.split("-"))
        return date(year, month, 1)
    except ValueError:
        raise CommandError(f"--month {value!r}: expected YYYY-MM") from None


class Command(BaseCommand):
    help = (
        "Build one month of a plateau with honest agents and seeded cheaters (phantom logins, a "
        "day in training, idle while ready, endless wrap-up, fast hang-ups, outcomes with no "
        "carrier answer, a provider billing more than proven), run the detection as the beat "
        "would have, and print per pattern what was seeded, flagged and falsely flagged."
    )

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--agents", type=int, default=200, help="téléconseillers (≥ 20)")
        parser.add_argument(
            "--month", type=_month, default=None, help="YYYY-MM; default: last month"
        )
        parser.add_argument(
            "--territory",
            default="59",
            help="code of a new territory to build the plateau in (refused if it exists)",
        )
        parser.add_argument("--cheaters-per-pattern", type=int, default=6)
        parser.add_argument(
            "--days", type=int, default=None, help="only the first DAYS days of the month"
        )

    def handle(self, *args, **options):
        if options["agents"] < 20:
            raise CommandError("--agents must be at least 20")
        if options["cheaters_per_pattern"] * len(integrity_month.PATTERNS) > options["agents"] // 2:
            raise CommandError("--cheaters-per-pattern: at most half the agents may cheat")
        code = options["territory"]
        if Territory.objects.filter(code=code).exists():
            raise CommandError(
                f"territory {code} exists: the month is built in a new one (--territory CODE)"
            )
        month = options["month"] or (timezone.localdate().replace(day=1) - timedelta(days=1))
        month = month.replace(day=1)
        days = integrity_month.month_days(month)
        if options["days"] is not None:
            if not 1 <= options["days"] <= len(days):
                raise CommandError(f"--days must be between 1 and {len(days)}")
            days = days[: options["days"]]
        started = clock.monotonic()
        with transaction.atomic():  # all of the month, or nothing
            territory = create_territory(
                code=code, name=f"CPAM {code} (mois de contrôle)", timezone="Europe/Paris"
            )
            truth = integrity_month.build_month(
                territory=territory,
                month=month,
                seed=options["seed"],
                agents=options["agents"],
                cheaters_per_pattern=options["cheaters_per_pattern"],
                days=days,
            )
        built = clock.monotonic() - started
        started = clock.monotonic()
        findings = integrity_month.replay_detection(truth, zone=territory.zone)
        detected = clock.monotonic() - started
        result = integrity_month.score(truth)
        for line in integrity_month.render(truth, result):
            self.stdout.write(line)
        self.stdout.write(
            f"built in {built:.0f} s, detection replayed day by day in {detected:.0f} s "
            f"({findings:,} findings and flags)"
        )
        if not result.perfect:
            raise CommandError("the detection missed a seeded pattern or flagged honest work")
