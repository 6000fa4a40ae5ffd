"""The API's one JSON parser: a body is a JSON object, of bounded size and nesting depth."""

import codecs
import json
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

from common.exceptions import PayloadTooLarge


def json_depth_exceeds(value: Any, max_depth: int) -> bool:
    """Return whether `value` nests arrays or objects deeper than `max_depth` (iteratively, so
    that a deep value cannot exhaust the stack)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            if depth > max_depth:
                return True
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)
    return False


class BoundedJSONParser(JSONParser):
    """Refuse a body over API_MAX_BODY_BYTES (413), nested deeper than API_MAX_JSON_DEPTH or not
    an object (400): every endpoint takes one object, and no body may cost a worker its time or
    its stack."""

    def parse(self, stream, media_type=None, parser_context=None) -> dict:
        limit = settings.API_MAX_BODY_BYTES
        request = (parser_context or {}).get("request")
        declared = request.META.get("CONTENT_LENGTH") if request is not None else None
        if declared and declared.isdigit() and int(declared) > limit:
            raise PayloadTooLarge()
        raw = stream.read(limit + 1) if stream is not None else b""
        if len(raw) > limit:
            raise PayloadTooLarge()
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            data = json.loads(codecs.decode(raw, encoding), parse_constant=_refuse_constant)
        except RecursionError:
            raise ParseError(_("The JSON body is nested too deeply.")) from None
        except ValueError as exc:
            raise ParseError(_("JSON parse error: %(error)s") % {"error": exc}) from None
        if not isinstance(data, dict):
            raise ParseError(_("The body must be a JSON object."))
        if json_depth_exceeds(data, settings.API_MAX_JSON_DEPTH):
            raise ParseError(_("The JSON body is nested too deeply."))
        return data


def _refuse_constant(name: str) -> None:
    # NaN and Infinity are not JSON; DRF's own parser refuses them too in strict mode.
    raise ValueError(f"{name} is not valid JSON")
