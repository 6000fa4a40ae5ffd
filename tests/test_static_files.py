"""The stylesheet parses: a rule left unclosed (as two merges once did) silently drops every rule
after it in the browser, so the desk's search and the escalations' tables lost their styles."""

import re
from pathlib import Path

from django.conf import settings


def stylesheets() -> list[Path]:
    return sorted(Path(settings.BASE_DIR, "static").rglob("*.css"))


def test_every_rule_of_every_stylesheet_is_closed():
    assert stylesheets()
    for path in stylesheets():
        text = re.sub(r"/\*.*?\*/", "", path.read_text(), flags=re.S)
        depth = 0
        for number, line in enumerate(text.splitlines(), 1):
            # An unindented rule is a top-level one: it starts outside every block.
            starts_rule = bool(line) and not line[0].isspace() and line[0] not in "}@"
            assert not (starts_rule and depth > 0), f"{path.name}:{number}: unclosed rule before"
            depth += line.count("{") - line.count("}")
            assert depth >= 0, f"{path.name}:{number}: a closing brace too many"
        assert depth == 0, f"{path.name}: {depth} rule(s) left open"
