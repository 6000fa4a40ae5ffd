"""The stack of apps is enforced: an import against the order fails `make test`'s lint-imports."""

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from unittest import TestCase

ROOT = Path(__file__).resolve().parent.parent
APPS = [
    "common",
    "agents",
    "cases",
    "calls",
    "intake",
    "supervision",
    "workforce",
    "integrity",
    "demo",
    "tracing_center",
]
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def lint_imports(tree: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(LINT_IMPORTS), "--config", str(tree / "pyproject.toml"), "--no-cache"],
        cwd=tree,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(tree)},
        capture_output=True,
        text=True,
        timeout=120,
    )


class LayerContractTests(TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tree = Path(tempfile.mkdtemp(prefix="layers-"))
        for app in APPS:
            shutil.copytree(
                ROOT / app, cls.tree / app, ignore=shutil.ignore_patterns("__pycache__")
            )
        shutil.copy(ROOT / "pyproject.toml", cls.tree / "pyproject.toml")

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tree)

    def add_import(self, module: str, line: str) -> None:
        path = self.tree / module
        self.addCleanup(path.write_text, path.read_text())
        path.write_text(path.read_text() + f"\n{line}\n")

    def test_it_keeps_the_contract_on_the_code_as_it_is(self):
        result = lint_imports(self.tree)
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        self.assertIn("1 kept, 0 broken", result.stdout)

    def test_it_fails_on_the_foundation_importing_the_queue(self):
        self.add_import("agents/models.py", "from calls.models import CallTask  # noqa")
        result = lint_imports(self.tree)
        self.assertEqual(result.returncode, 1, result.stdout)
        self.assertIn("agents.models -> calls.models", result.stdout)

    def test_it_fails_on_two_apps_of_one_layer_importing_each_other(self):
        self.add_import(
            "supervision/selectors/board.py", "from workforce.models.rota import Shift  # noqa"
        )
        result = lint_imports(self.tree)
        self.assertEqual(result.returncode, 1, result.stdout)
        self.assertIn("supervision.selectors.board -> workforce.models.rota", result.stdout)

    def test_it_fails_on_an_import_hidden_in_a_function(self):
        self.add_import(
            "cases/services.py",
            "def hidden():\n    from intake.services import register_index_case  # noqa",
        )
        result = lint_imports(self.tree)
        self.assertEqual(result.returncode, 1, result.stdout)
        self.assertIn("cases.services -> intake.services", result.stdout)

    def test_it_fails_on_supervision_importing_integrity_above_it(self):
        self.add_import(
            "supervision/selectors/board.py", "from integrity.models import Finding  # noqa"
        )
        result = lint_imports(self.tree)
        self.assertEqual(result.returncode, 1, result.stdout)
        self.assertIn("supervision.selectors.board -> integrity.models", result.stdout)
