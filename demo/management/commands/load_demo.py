from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from demo import loader as demo


class Command(BaseCommand):
    help = (
        "Load the demo (three CPAMs, agents, patients zéro and contacts) once, "
        "and print its logins."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--force",
            action="store_true",
            help=(
                "Load even with DEBUG off. The demo's accounts, a superuser among them, share a "
                "published password."
            ),
        )

    def handle(self, *args, force: bool = False, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "The demo creates accounts with a published password: run it with DEBUG=1, or pass "
                "--force on a demo server."
            )
        summary = demo.load_demo(now=timezone.now())
        if summary is None:
            self.stdout.write("demo already loaded")
        else:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Demo loaded: {summary.territories} territories, {summary.agents} agents, "
                    f"{summary.index_cases} patients zéro, {summary.contacts} contacts."
                )
            )
        self._print_logins()

    def _print_logins(self) -> None:
        logins = demo.demo_logins()
        width = max(len(login.username) for login in logins)
        self.stdout.write(f"\nDemo logins (password for all: {demo.DEMO_PASSWORD})\n")
        self.stdout.write(
            f"  {'username':<{width}}  {'password':<{len(demo.DEMO_PASSWORD)}}  "
            "role             territory"
        )
        for login in logins:
            self.stdout.write(
                (
                    f"  {login.username:<{width}}  {demo.DEMO_PASSWORD}  "
                    f"{login.role:<15}  {login.territory}"
                ).rstrip()
            )
