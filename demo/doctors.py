"""The demo's general practitioner (issue 16): a doctor of Seine-Saint-Denis who declared three
patients, each at another stage: just declared, reached with their contact, and a day old, the
patient reached but a contact nobody could call in time (escalated, as the overdue sweep does)."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.auth.models import User

from agents.models import Language, Territory
from agents.services.doctors import create_doctor
from calls.models import CallTask
from calls.services.fallback import escalate
from calls.services.lifecycle import close_task
from cases.models import Exposure, IndexCase
from cases.services import ContactData, PersonData, record_interview, record_notification
from common.phones import to_e164
from intake.services import doctor_external_ref, register_index_case

USERNAME = "medecin93"
# A valid RPPS number (11 digits, Luhn), made up for the demo.
RPPS = "10003456786"


@dataclass(frozen=True)
class Declared:
    hours_ago: float
    file_number: str
    patient: tuple[str, str, str, str]  # first name, last name, phone, language
    address: str
    contacts: tuple[tuple[str, str, str, str, str], ...]  # + exposure type


DECLARATIONS = [
    Declared(
        0.75,
        "GAR-2026-118",
        ("Mamadou", "Keita", "06 51 23 45 67", "fr"),
        "4 rue Gabriel Péri, 93200 Saint-Denis",
        (
            ("Awa", "Keita", "06 51 23 45 68", "fr", Exposure.Type.HOUSEHOLD),
            ("Ousmane", "Traoré", "07 58 11 22 33", "fr", Exposure.Type.CLOSE),
        ),
    ),
    Declared(
        6,
        "GAR-2026-117",
        ("Sofia", "Ferreira", "06 62 34 56 78", "pt"),
        "18 avenue Paul Vaillant-Couturier, 93120 La Courneuve",
        (("Rui", "Ferreira", "06 62 34 56 79", "pt", Exposure.Type.HOUSEHOLD),),
    ),
    Declared(
        26,
        "GAR-2026-116",
        ("Lucien", "Moreau", "06 73 45 67 89", "fr"),
        "2 place de la Mairie, 93100 Montreuil",
        (("Nadia", "Benali", "07 69 87 65 43", "ar", Exposure.Type.CLOSE),),
    ),
]


def create_demo_doctor(*, territory: Territory, supervisor: User, password: str, now: datetime):
    """Create the doctor and their declarations, through the services staff and doctors use."""
    doctor = create_doctor(
        username=USERNAME,
        password=password,
        first_name="Hélène",
        last_name="Garnier",
        email=f"{USERNAME}@demo.tracing-center.example",
        rpps=RPPS,
        territories=[territory],
    )
    languages = Language.objects.in_bulk(["fr", "pt", "ar"])

    def person(first: str, last: str, phone: str, language: str, address: str = ""):
        return PersonData(
            first_name=first,
            last_name=last,
            phones=[to_e164(phone)],
            language=languages[language],
            address=address,
        )

    cases = []
    for spec in DECLARATIONS:
        declared_at = now - timedelta(hours=spec.hours_ago)
        result = register_index_case(
            territory=territory,
            person=person(*spec.patient, address=spec.address),
            sampled_at=declared_at - timedelta(hours=20),
            symptom_onset_on=(declared_at - timedelta(days=2)).date(),
            source=IndexCase.Source.DOCTOR,
            now=declared_at,
            contacts=[
                ContactData(
                    person=person(*contact[:4]),
                    exposure_type=contact[4],
                    last_exposure_date=declared_at.date() - timedelta(days=1),
                )
                for contact in spec.contacts
            ],
            external_ref=doctor_external_ref(rpps=RPPS, file_number=spec.file_number),
            created_by=doctor.user,
        )
        cases.append(result)
    _reached(cases[1], supervisor=supervisor, now=now - timedelta(hours=3), contacts=True)
    _reached(cases[2], supervisor=supervisor, now=now - timedelta(hours=22), contacts=False)
    _escalated(cases[2], now=now - timedelta(hours=1))
    return doctor


def _reached(result, *, supervisor: User, now: datetime, contacts: bool) -> None:
    # The patient called the platform back and was interviewed; the contacts too, if told.
    assert result.task is not None
    record_interview(
        index_case=result.index_case,
        symptomatic=True,
        symptom_onset_on=result.index_case.symptom_onset_on,
        consent_to_name=True,
        support_needed=False,
        recorded_by=supervisor,
        now=now,
    )
    close_task(
        actor=supervisor,
        task=result.task,
        reason=CallTask.ClosedReason.REACHED_ELSEWHERE,
        now=now,
        note="A rappelé la plateforme",
    )
    for contact in result.contacts if contacts else []:
        record_notification(
            exposure=contact.exposure,
            last_exposure_date=contact.exposure.last_exposure_date,
            certificate_needed=True,
            support_referral=False,
            recorded_by=supervisor,
            now=now,
        )
        close_task(
            actor=supervisor,
            task=contact.task,
            reason=CallTask.ClosedReason.REACHED_ELSEWHERE,
            now=now,
            note="A rappelé la plateforme",
        )


def _escalated(result, *, now: datetime) -> None:
    # Past its 24 h: what the overdue sweep does to a call still waiting.
    for contact in result.contacts:
        escalate(task=contact.task, reason=CallTask.Escalation.DEADLINE, now=now)
