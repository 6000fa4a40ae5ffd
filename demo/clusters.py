"""The demo's places and clusters (issue 16): a nursing home in Seine-Saint-Denis where four
residents and staff fell ill within a few days (a cluster, detected, ready to hand off to the
ARS Île-de-France), and a school with two cases (not yet a cluster: a school needs three)."""

from datetime import datetime, timedelta

from django.contrib.auth.models import User

from agents.models import Language, Region, Territory
from agents.services.staff import create_ars_officer, set_ars_email
from cases.clusters import detect_clusters
from cases.models import Exposure, IndexCase, Place
from cases.places import PlaceData
from cases.services import ContactData, PersonData
from common.phones import to_e164
from intake.services import register_index_case

ARS_USERNAME = "ars-idf"
ARS_REGION = "11"
ARS_EMAIL = "ars75-alerte@demo.tracing-center.example"

EHPAD = PlaceData(
    name="EHPAD Les Tilleuls",
    type=Place.Type.NURSING_HOME,
    address="12 rue des Tilleuls",
    postcode="93200",
)
SCHOOL = PlaceData(
    name="École élémentaire Jean-Jaurès",
    type=Place.Type.SCHOOL,
    address="5 avenue Jean-Jaurès",
    postcode="93300",
)
# (patient zéro, hours ago identified, days before that of the last exposure at the place,
# contacts at the place, household contacts elsewhere)
EHPAD_CASES = [
    (("Odette", "Lemaire"), 20, 4, [("Suzanne", "Perrin"), ("Karima", "Belkacem")], 0),
    (("Marcel", "Guérin"), 14, 3, [("Fatou", "Diallo"), ("Henri", "Vasseur")], 0),
    (("Nadia", "Haddad"), 8, 2, [("Julie", "Marchand"), ("Aminata", "Koné")], 2),
    (("Paulette", "Roux"), 3, 1, [("Jeanne", "Faure")], 0),
]
SCHOOL_CASES = [
    (("Lucas", "Moreau"), 12, 2, [("Inès", "Benali"), ("Hugo", "Petit"), ("Chloé", "Martin")], 2),
    (("Emma", "Nguyen"), 5, 1, [("Léo", "Lambert"), ("Sarah", "Cohen")], 1),
]


class _Phones:
    """Distinct valid mobile numbers for the demo's people of these places."""

    def __init__(self) -> None:
        self.next = 0

    def __call__(self) -> str:
        self.next += 1
        return to_e164(f"07 58 42 {self.next // 100:02d} {self.next % 100:02d}")


def _person(first_name: str, last_name: str, phone: str, french: Language) -> PersonData:
    return PersonData(first_name=first_name, last_name=last_name, phones=[phone], language=french)


def load_places_and_clusters(
    *, territory: Territory, now: datetime, password: str
) -> tuple[int, int]:
    """Register the cases at the nursing home and the school, run the detection as the intake's
    task would, and create the ARS officer; return (patients zéro, contacts)."""
    region = Region.objects.get(code=ARS_REGION)
    set_ars_email(region=region, email=ARS_EMAIL)
    create_ars_officer(
        username=ARS_USERNAME,
        password=password,
        first_name="Isabelle",
        last_name="Marchetti",
        email=f"{ARS_USERNAME}@demo.tracing-center.example",
        region=region,
    )
    french = Language.objects.get(code="fr")
    phone = _Phones()
    cases = contacts = 0
    for place, plan in ((EHPAD, EHPAD_CASES), (SCHOOL, SCHOOL_CASES)):
        for (first, last), hours_ago, days_before, at_place, household in plan:
            identified_at = now - timedelta(hours=hours_ago)
            exposed_on = identified_at.astimezone(territory.zone).date() - timedelta(
                days=days_before
            )
            named = [
                ContactData(
                    person=_person(f, ln, phone(), french),
                    exposure_type=Exposure.Type.CO_EXPOSED,
                    last_exposure_date=exposed_on,
                    place=place,
                )
                for f, ln in at_place
            ] + [
                ContactData(
                    person=_person(f"Proche {n + 1}", last, phone(), french),
                    exposure_type=Exposure.Type.HOUSEHOLD,
                    last_exposure_date=identified_at.astimezone(territory.zone).date(),
                )
                for n in range(household)
            ]
            register_index_case(
                territory=territory,
                person=_person(first, last, phone(), french),
                sampled_at=identified_at - timedelta(hours=20),
                source=IndexCase.Source.LAB,
                now=identified_at,
                contacts=named,
                symptom_onset_on=exposed_on + timedelta(days=1),
            )
            cases += 1
            contacts += len(named)
    # What the intake's task does after commit (the demo loads in one transaction).
    detect_clusters(now=now)
    return cases, contacts


def ars_user() -> User:
    return User.objects.get(username=ARS_USERNAME)
