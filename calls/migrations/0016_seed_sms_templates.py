"""The fallback SMS texts as data (issue 13): French and English shipped, national admins write
the other languages; CPAM admins read them."""

from django.db import migrations

from common.permissions import grant_permissions

# (language, reason, wording, text): the texts the code held until now, in both languages.
TEMPLATES = [
    ("fr", "index_interview", "called", "Assurance Maladie : votre test de dépistage de la Covid-19 est positif. Nous avons essayé de vous appeler. Merci de vous isoler et de nous rappeler au %(number)s."),
    ("en", "index_interview", "called", "Assurance Maladie: your test for Covid-19 is positive. We tried to call you. Please isolate and call us back at %(number)s."),
    ("fr", "index_interview", "not_called", "Assurance Maladie : votre test de dépistage de la Covid-19 est positif. Nous n'avons pas encore pu vous appeler. Merci de vous isoler et de nous appeler au %(number)s."),
    ("en", "index_interview", "not_called", "Assurance Maladie: your test for Covid-19 is positive. We have not been able to call you yet. Please isolate and call us at %(number)s."),
    ("fr", "index_interview", "callback_missed", "Assurance Maladie : votre test de dépistage de la Covid-19 est positif. Nous n'avons pas pu vous rappeler à l'heure convenue. Merci de vous isoler et de nous appeler au %(number)s."),
    ("en", "index_interview", "callback_missed", "Assurance Maladie: your test for Covid-19 is positive. We could not call you back at the time agreed. Please isolate and call us at %(number)s."),
    ("fr", "contact_notification", "called", "Assurance Maladie : vous avez été en contact avec une personne atteinte de la Covid-19. Nous avons essayé de vous appeler. Merci de faire un test de dépistage, de limiter vos contacts et de nous rappeler au %(number)s."),
    ("en", "contact_notification", "called", "Assurance Maladie: you have been in contact with a person who has Covid-19. We tried to call you. Please get tested, limit your contacts and call us back at %(number)s."),
    ("fr", "contact_notification", "not_called", "Assurance Maladie : vous avez été en contact avec une personne atteinte de la Covid-19. Nous n'avons pas encore pu vous appeler. Merci de faire un test de dépistage, de limiter vos contacts et de nous appeler au %(number)s."),
    ("en", "contact_notification", "not_called", "Assurance Maladie: you have been in contact with a person who has Covid-19. We have not been able to call you yet. Please get tested, limit your contacts and call us at %(number)s."),
    ("fr", "contact_notification", "callback_missed", "Assurance Maladie : vous avez été en contact avec une personne atteinte de la Covid-19. Nous n'avons pas pu vous rappeler à l'heure convenue. Merci de faire un test de dépistage, de limiter vos contacts et de nous appeler au %(number)s."),
    ("en", "contact_notification", "callback_missed", "Assurance Maladie: you have been in contact with a person who has Covid-19. We could not call you back at the time agreed. Please get tested, limit your contacts and call us at %(number)s."),
    ("fr", "follow_up", "called", "Assurance Maladie : nous avons essayé de vous appeler pour votre suivi Covid-19. Merci de nous rappeler au %(number)s."),
    ("en", "follow_up", "called", "Assurance Maladie: we tried to call you for your Covid-19 follow-up. Please call us back at %(number)s."),
    ("fr", "follow_up", "not_called", "Assurance Maladie : nous n'avons pas encore pu vous appeler pour votre suivi Covid-19. Merci de nous appeler au %(number)s."),
    ("en", "follow_up", "not_called", "Assurance Maladie: we have not been able to call you yet for your Covid-19 follow-up. Please call us at %(number)s."),
    ("fr", "follow_up", "callback_missed", "Assurance Maladie : nous n'avons pas pu vous rappeler à l'heure convenue pour votre suivi Covid-19. Merci de nous appeler au %(number)s."),
    ("en", "follow_up", "callback_missed", "Assurance Maladie: we could not call you back at the time agreed for your Covid-19 follow-up. Please call us at %(number)s."),
]


def seed(apps, schema_editor):
    Language = apps.get_model("agents", "Language")
    SmsTemplate = apps.get_model("calls", "SmsTemplate")
    known = set(Language.objects.filter(code__in=["fr", "en"]).values_list("code", flat=True))
    for language, reason, wording, body in TEMPLATES:
        if language in known:
            SmsTemplate.objects.get_or_create(
                language_id=language, reason=reason, wording=wording, defaults={"body": body}
            )
    grant_permissions(
        apps,
        group="admin_national",
        app_label="calls",
        permissions={"smstemplate": ["view", "add", "change", "delete"]},
    )
    grant_permissions(
        apps, group="admin_cpam", app_label="calls", permissions={"smstemplate": ["view"]}
    )


class Migration(migrations.Migration):
    dependencies = [("calls", "0015_sms_templates"), ("agents", "0016_dpo_role")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
