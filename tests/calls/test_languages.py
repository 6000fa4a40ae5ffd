"""Issue 13 part 3: speak the person's language. The fallback SMS and the card's instructions come
from data per language (French and English shipped), French when a language has none; a new
contact starts in the patient zéro's language."""

from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from agents.models import Language
from calls.models import CallTask, SmsMessage, SmsTemplate, validate_sms_template
from calls.selectors import desk_card
from calls.services.fallback import fallback_body, queue_fallback_sms
from cases.models import Person, RuleSetTranslation
from cases.services import isolation_rules_on
from tests.base import contact
from tests.calls.test_desk import DeskTestCase

NOT_CALLED = SmsMessage.Wording.NOT_CALLED


class SmsTemplateTests(DeskTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.register_case(
            cls.t93,
            name="Durand",
            phone="0644556677",
            contacts=[
                contact("John", "Smith", "0611223344", language="en"),
                contact("Ayse", "Kaya", "0622334455", language="tr"),
            ],
        )
        cls.english = CallTask.objects.get(person__last_name="Smith")
        cls.turkish = CallTask.objects.get(person__last_name="Kaya")

    def test_an_english_speaker_gets_the_english_sms(self):
        sms = queue_fallback_sms(task=self.english, now=timezone.now())
        self.assertIn("you have been in contact with a person who has Covid-19", sms.body)

    def test_a_language_without_a_template_gets_the_french_one(self):
        sms = queue_fallback_sms(task=self.turkish, now=timezone.now())
        self.assertIn("vous avez été en contact", sms.body)

    def test_a_template_written_by_an_admin_is_used_at_once(self):
        SmsTemplate.objects.create(
            language=Language.objects.get(code="tr"),
            reason=CallTask.Reason.CONTACT_NOTIFICATION,
            wording=NOT_CALLED,
            body="Assurance Maladie: Covid-19 temaslısı oldunuz. Bizi %(number)s arayın.",
        )
        self.assertIn("temaslısı", fallback_body(self.turkish, NOT_CALLED))

    def test_a_template_must_give_the_callback_number_and_nothing_else(self):
        for body in ("Rappelez-nous.", "Appelez le %(numero)s", "Appelez le %(number)d"):
            with self.subTest(body=body), self.assertRaises(ValidationError):
                validate_sms_template(body)
        validate_sms_template("Appelez le %(number)s.")

    def test_french_and_english_are_shipped_for_every_reason_and_wording(self):
        shipped = set(SmsTemplate.objects.values_list("language", "reason", "wording"))
        for language in ("fr", "en"):
            for reason in CallTask.Reason.values:
                for wording in SmsMessage.Wording.values:
                    # The first notice (channel modes) goes to new contacts only.
                    if wording == SmsMessage.Wording.FIRST_NOTICE and reason != (
                        CallTask.Reason.CONTACT_NOTIFICATION
                    ):
                        continue
                    self.assertIn((language, reason, wording), shipped)


class InstructionsTests(DeskTestCase):
    def card_for(self, language: str):
        Person.objects.filter(pk=self.case.person_id).update(language=language)
        CallTask.objects.filter(index_case=self.case).update(language=language)
        self.alice.agent.languages.add(Language.objects.get(code=language))
        assignment = self.claim()
        return desk_card(assignment=assignment, now=timezone.now())

    def test_an_english_speaker_is_read_the_english_instructions(self):
        card = self.card_for("en")
        rule_set = isolation_rules_on(day=timezone.localdate())
        english = RuleSetTranslation.objects.get(rule_set=rule_set, language="en")
        self.assertEqual(card.instructions.text, english.index_instructions)
        self.assertEqual(card.instructions.french, rule_set.index_instructions)
        self.assertEqual(card.instructions.language.code, "en")

    def test_without_a_translation_the_french_with_a_notice(self):
        card = self.card_for("tr")
        self.assertFalse(card.instructions.language)
        self.assertTrue(card.instructions.untranslated)
        self.client.force_login(self.alice)
        response = self.client.get(reverse("calls:desk"))
        self.assertContains(response, 'data-testid="instructions-untranslated"')


class ContactLanguageTests(DeskTestCase):
    def test_a_new_contact_starts_in_the_patient_zeros_language(self):
        Person.objects.filter(pk=self.case.person_id).update(language="tr")
        CallTask.objects.filter(index_case=self.case).update(language="tr")
        self.claim()
        self.client.force_login(self.alice)
        response = self.client.get(reverse("calls:desk"))
        formset = response.context["contacts"]
        self.assertEqual(formset.forms[0].fields["language"].initial, "tr")
        # The next row fetched by the page, too.
        row = self.client.get(
            reverse("calls:contact-row"), {"contacts-TOTAL_FORMS": 1, "language": "tr"}
        )
        self.assertContains(row, '<option value="tr" selected')
        row = self.client.get(
            reverse("calls:contact-row"), {"contacts-TOTAL_FORMS": 1, "language": "zz"}
        )
        self.assertContains(row, '<option value="fr" selected')
