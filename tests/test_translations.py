"""The French catalogue is complete, and the interface speaks French unless the user switches."""

import ast
import re
import shutil
import subprocess
from pathlib import Path

from django.conf import settings
from django.test import SimpleTestCase
from django.urls import reverse

FRENCH_PO = Path(settings.BASE_DIR) / "locale" / "fr" / "LC_MESSAGES" / "django.po"
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]|\{\w*\}")


def parse_po(path: Path) -> list[dict]:
    """A small PO reader: one dict per entry, with its flags, msgid, msgid_plural and msgstr(s)."""
    entries: list[dict] = []
    entry: dict = {"flags": set()}
    field = None
    for raw in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        line = raw.strip()
        if not line:
            if "msgid" in entry:
                entries.append(entry)
            entry, field = {"flags": set()}, None
        elif line.startswith("#,"):
            entry["flags"].update(flag.strip() for flag in line[2:].split(","))
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            entry[field] += ast.literal_eval(line)
        else:
            field, _, value = line.partition(" ")
            entry[field] = ast.literal_eval(value)
    return entries


class FrenchCatalogueTests(SimpleTestCase):
    def setUp(self):
        entries = parse_po(FRENCH_PO)
        self.header = next(e for e in entries if e["msgid"] == "")
        self.entries = [e for e in entries if e["msgid"] != ""]

    def test_every_entry_is_translated_and_none_is_fuzzy(self):
        self.assertGreater(len(self.entries), 0)
        self.assertNotIn("fuzzy", self.header["flags"])
        untranslated = [
            e["msgid"]
            for e in self.entries
            if not all(v for k, v in e.items() if k.startswith("msgstr"))
        ]
        fuzzy = [e["msgid"] for e in self.entries if "fuzzy" in e["flags"]]
        self.assertEqual(untranslated, [])
        self.assertEqual(fuzzy, [])

    def test_the_header_declares_french_utf8_and_french_plurals(self):
        header = self.header["msgstr"]
        self.assertIn("Language: fr\n", header)
        self.assertIn("charset=UTF-8", header)
        self.assertIn("Plural-Forms: nplurals=2; plural=(n > 1);", header)

    def test_translations_keep_the_placeholders(self):
        for e in self.entries:
            sources = [e["msgid"], e.get("msgid_plural", e["msgid"])]
            for key in (k for k in e if k.startswith("msgstr")):
                source = sources[1] if key == "msgstr[1]" else sources[0]
                with self.subTest(msgid=e["msgid"], form=key):
                    self.assertEqual(
                        sorted(PLACEHOLDER.findall(e[key])), sorted(PLACEHOLDER.findall(source))
                    )

    def test_msgfmt_finds_no_fuzzy_or_untranslated_entry(self):
        msgfmt = shutil.which("msgfmt")
        if msgfmt is None:
            self.skipTest("msgfmt is not installed; the parser above checks the catalogue")
        result = subprocess.run(
            [msgfmt, "--check", "--statistics", "-o", "/dev/null", str(FRENCH_PO)],
            capture_output=True,
            text=True,
            env={"LC_ALL": "C"},
        )
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertRegex(result.stderr, r"^\d+ translated messages\.$")


class InterfaceLanguageTests(SimpleTestCase):
    def test_the_login_page_is_in_french_even_for_an_english_browser(self):
        response = self.client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en-US")
        self.assertContains(response, '<html lang="fr">')
        self.assertContains(response, "<h1>Connexion</h1>", html=True)
        self.assertContains(response, "Identifiant")
        self.assertContains(response, "Mot de passe")
        self.assertNotContains(response, "Password")

    def test_the_language_switch_turns_the_login_page_to_english(self):
        response = self.client.post(
            reverse("set_language"), {"language": "en", "next": reverse("login")}
        )
        self.assertRedirects(response, reverse("login"), fetch_redirect_response=False)
        response = self.client.get(reverse("login"))
        self.assertContains(response, '<html lang="en">')
        self.assertContains(response, "<h1>Log in</h1>", html=True)
        self.assertContains(response, "Username")
        self.assertContains(response, "Password")
        self.assertNotContains(response, "Mot de passe")
