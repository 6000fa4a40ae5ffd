"""One convention per thing (../shared/STYLE.md), checked on the code as it is."""

import ast
from pathlib import Path
from unittest import TestCase

ROOT = Path(__file__).resolve().parent.parent
APPS = ["common", "agents", "cases", "calls", "intake", "supervision", "workforce", "demo"]
# Registrations, not re-exports: Celery's app is loaded with Django; model modules are registered.
# The simulator's package names its public API (calls.simulation.simulate, .Scenario: issue 15),
# which the queue-health page and the planner import.
INIT_IMPORTS_ALLOWED = {
    "tracing_center/__init__.py",
    "workforce/models/__init__.py",
    "calls/simulation/__init__.py",
}


def modules(*roots: str):
    for root in roots:
        for path in sorted((ROOT / root).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path.relative_to(ROOT).as_posix(), ast.parse(path.read_text())


def base_names(node: ast.ClassDef) -> set[str]:
    return {b.id if isinstance(b, ast.Name) else getattr(b, "attr", "") for b in node.bases}


def is_exception(node: ast.ClassDef, known: set[str]) -> bool:
    return any(name.endswith(("Error", "Exception")) or name in known for name in base_names(node))


class ConventionTests(TestCase):
    def test_nothing_is_re_exported_from_an_init(self):
        offenders = [
            path
            for path, tree in modules(*APPS, "tracing_center")
            if path.endswith("__init__.py")
            and path not in INIT_IMPORTS_ALLOWED
            and any(isinstance(node, ast.Import | ast.ImportFrom) for node in tree.body)
        ]
        self.assertEqual(offenders, [])

    def test_serializers_live_in_serializer_modules(self):
        offenders = [
            f"{path}: {node.name}"
            for path, tree in modules(*APPS)
            for node in tree.body
            if isinstance(node, ast.ClassDef)
            and node.name.endswith("Serializer")
            and "serializers" not in path
        ]
        self.assertEqual(offenders, [])

    def test_exceptions_live_in_exceptions_modules(self):
        known = {"DomainError", "CsvImportError", "ShiftRefused"}
        offenders = [
            f"{path}: {node.name}"
            for path, tree in modules(*APPS)
            for node in tree.body
            if isinstance(node, ast.ClassDef)
            and is_exception(node, known)
            and not path.endswith("exceptions.py")
        ]
        self.assertEqual(offenders, [])

    def test_each_app_declares_its_api_routes_in_its_urls_module(self):
        api_urls = (ROOT / "tracing_center" / "api_urls.py").read_text()
        for app in ["agents", "calls", "intake", "supervision", "workforce"]:
            with self.subTest(app=app):
                urls = ast.parse((ROOT / app / "urls.py").read_text())
                names = {t.id for n in urls.body if isinstance(n, ast.Assign) for t in n.targets}
                self.assertIn("api_urlpatterns", names)
                self.assertIn(f"from {app} import urls as {app}_urls", api_urls)


class TemplateIdTests(TestCase):
    # USE_THOUSAND_SEPARATOR: in French an id past 999 prints as « 6 475 », so an id written into
    # an attribute or an address must say |unlocalize (a doctor's card went missing in CI so).
    BARE_ID = __import__("re").compile(r"\{\{\s*[\w.]*\.(pk|id)\s*\}\}")

    def test_every_id_a_template_prints_is_unlocalized(self):
        bare = [
            f"{path.relative_to(ROOT)}:{number}"
            for path in sorted((ROOT / "templates").rglob("*.html"))
            for number, line in enumerate(path.read_text().splitlines(), 1)
            if self.BARE_ID.search(line)
        ]
        self.assertEqual(bare, [])
