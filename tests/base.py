"""Personas shared by the test suite, created once per class.

- alice: téléconseillère in Seine-Saint-Denis (93), speaks French and Turkish
- bob: superviseur of the same plateau (Saint-Denis)
- carol: admin_cpam of 93
- dave: admin_cpam of Paris (75): must see nothing of 93
- erin: superviseur of Paris (75)
- zoe: téléconseillère in La Réunion (974)
- root: Django superuser
- labfeed: a laboratory feed account (role lab_feed, no territory)
"""

from datetime import date

from django.contrib.auth.models import Group, User
from django.test import TestCase
from django.utils import timezone

from agents import roles
from agents.models import Agent, Language, Plateau, Team, Territory
from agents.services.doctors import create_doctor
from cases.services import ContactData, PersonData
from common.phones import to_e164
from intake.services import register_index_case
from workforce.models.contracts import Contract

PASSWORD = "Secret-Password-1"


def make_user(
    username: str,
    role: str | None,
    *,
    territory: Territory | None = None,
    languages=("fr",),
    plateau=None,
    team=None,
    **agent_fields,
) -> User:
    user = User.objects.create_user(
        username, f"{username}@example.org", PASSWORD, first_name=username.title(), last_name="Test"
    )
    if role:
        user.groups.add(Group.objects.get(name=role))
    if role == roles.ADMIN_CPAM:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    if territory is not None:
        agent = Agent.objects.create(
            user=user, territory=territory, plateau=plateau, team=team, **agent_fields
        )
        agent.languages.set(Language.objects.filter(code__in=languages))
    return user


def make_doctor(username: str, rpps: str, *territories: Territory) -> User:
    """A general practitioner (role medecin): no staff territory, only where they practise."""
    doctor = create_doctor(
        username=username,
        password=PASSWORD,
        first_name=username.title(),
        last_name="Médecin",
        rpps=rpps,
        territories=territories,
    )
    return doctor.user


def person(first_name: str, last_name: str, phone: str, language: str = "fr") -> PersonData:
    return PersonData(
        first_name=first_name,
        last_name=last_name,
        phones=[to_e164(phone)],
        language=Language.objects.get(code=language),
    )


def contact(
    first_name: str, last_name: str, phone: str, language: str = "fr", exposure_type: str = "close"
) -> ContactData:
    return ContactData(
        person=person(first_name, last_name, phone, language),
        exposure_type=exposure_type,
        last_exposure_date=timezone.localdate(),
    )


class PersonasTestCase(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.t93 = Territory.objects.create(
            code="93", name="CPAM de la Seine-Saint-Denis", timezone="Europe/Paris"
        )
        cls.t75 = Territory.objects.create(code="75", name="CPAM de Paris", timezone="Europe/Paris")
        cls.t974 = Territory.objects.create(
            code="974", name="CGSS de La Réunion", timezone="Indian/Reunion", phone_region="RE"
        )
        cls.saint_denis = Plateau.objects.create(territory=cls.t93, name="Saint-Denis")
        cls.paris_plateau = Plateau.objects.create(territory=cls.t75, name="Paris Nord")
        cls.team_a = Team.objects.create(plateau=cls.saint_denis, name="Équipe A")
        cls.alice = make_user(
            "alice",
            roles.TELECONSEILLER,
            territory=cls.t93,
            languages=("fr", "tr"),
            plateau=cls.saint_denis,
            team=cls.team_a,
        )
        cls.bob = make_user(
            "bob", roles.SUPERVISEUR, territory=cls.t93, plateau=cls.saint_denis, team=cls.team_a
        )
        cls.carol = make_user("carol", roles.ADMIN_CPAM, territory=cls.t93)
        cls.dave = make_user("dave", roles.ADMIN_CPAM, territory=cls.t75)
        cls.erin = make_user(
            "erin", roles.SUPERVISEUR, territory=cls.t75, plateau=cls.paris_plateau
        )
        cls.zoe = make_user(
            "zoe", roles.TELECONSEILLER, territory=cls.t974, languages=("fr", "rcf")
        )
        cls.root = User.objects.create_superuser("root", "root@example.org", PASSWORD)
        cls.labfeed = make_user("labfeed", roles.LAB_FEED)
        Contract.objects.create(
            agent=cls.alice.agent,
            kind=Contract.Kind.CDD,
            start_on=date(2026, 10, 1),
            end_on=date(2027, 3, 31),
        )

    @staticmethod
    def register_case(
        territory: Territory,
        *,
        name: str = "Martin",
        phone: str = "0612345678",
        contacts=(),
        external_ref: str = "",
    ):
        return register_index_case(
            territory=territory,
            person=person("Paul", name, phone),
            sampled_at=timezone.now(),
            source="form",
            now=timezone.now(),
            contacts=list(contacts),
            external_ref=external_ref,
        )
