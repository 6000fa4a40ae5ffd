"""Project-wide middleware."""

from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.utils import translation


class FrenchFirstLocaleMiddleware(LocaleMiddleware):
    """Speak French unless the user chose another language with the switch.

    Django's own middleware follows the browser's Accept-Language; on a French floor whose
    workstations may be set up in English, the pages must still open in French. The API keeps
    Django's behaviour.
    """

    def process_request(self, request):
        if request.path.startswith("/api/"):
            # Machine clients say what they read: the API follows Accept-Language.
            return super().process_request(request)
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        supported = {code for code, _name in settings.LANGUAGES}
        language = chosen if chosen in supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
