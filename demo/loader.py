"""A realistic demo: three CPAMs, about forty agents, sixty patients zéro and their contacts.

Everything goes through the services (create_agent, register_index_case), so the demo's queue
is the one production would have built. The cases come from random.Random(2020): the same demo
every time, with identification times spread over the past 24 hours so that contact deadlines
fall over the next 24 hours, a few of them close.
"""

import random
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max

from agents import roles
from agents.access import territory_today
from agents.models import Agent, Language, Plateau, Team, Territory
from agents.services.staff import create_territory
from cases.identity import find_duplicate_candidates
from cases.models import Exposure, IndexCase
from cases.services import ContactData, PersonData
from common.phones import to_e164
from demo import clusters as demo_clusters
from demo import doctors, integrity_month
from demo.morning import WINDOW as MORNING_WINDOW
from demo.morning import settle_the_floor, simulate_morning
from intake.services import add_contacts_later, register_index_case
from integrity import qa
from supervision.services.projection import refresh_projections
from workforce.models.contracts import Contract
from workforce.models.recruitment import TrainingSession
from workforce.services.contracts import alert_contract_ends
from workforce.services.recruitment import (
    CandidateData,
    add_candidate,
    close_unanswered_candidates,
    complete_training,
    create_training_session,
    enrol_in_training,
    record_assessment,
    reject_candidate,
    schedule_assessment,
    withdraw_candidate,
)
from workforce.services.rota import apply_pattern_to_week, save_shift_pattern
from workforce.services.staff import create_agent
from workforce.services.staffing import VolumeEntry, save_volume_forecasts

# Printed by `manage.py load_demo`; it passes the password validators (length, common, numeric).
DEMO_PASSWORD = "demo-Tracing-2026"
SUPERUSER = "admin"
SEED = 2020
INDEX_CASES = {"93": 40, "75": 12, "974": 8}
# Identified this many hours ago: contact deadlines fall 1.5 to 3.5 hours from now, so that they
# show at risk at once and none misses 24 h in the demo's first hour.
CLOSE_TO_DEADLINE_HOURS = (20.5, 22.5)
CLOSE_TO_DEADLINE_CASES = 6

TERRITORIES = [
    # code, name, time zone, phone region, plateau, plateau address, teams
    (
        "93",
        "CPAM de la Seine-Saint-Denis",
        "Europe/Paris",
        "FR",
        "Saint-Denis",
        "93200 Saint-Denis",
        ["Équipe A", "Équipe B", "Équipe C"],
    ),
    ("75", "CPAM de Paris", "Europe/Paris", "FR", "Paris", "75019 Paris", ["Équipe A", "Équipe B"]),
    (
        "974",
        "CGSS de La Réunion",
        "Indian/Reunion",
        "RE",
        "Saint-Denis de La Réunion",
        "97400 Saint-Denis",
        ["Équipe A"],
    ),
]

CNAM, FIXED_3, FIXED_6, PROVIDER = "cnam", "fixed_3", "fixed_6", "provider"
CONTRACT_DAYS = {FIXED_3: 91, FIXED_6: 182}
# How long ago each kind of agent was hired, so that the rota can cover the whole current week.
HIRED_DAYS_AGO = {CNAM: 730, FIXED_3: 30, FIXED_6: 60, PROVIDER: 0}
# Recruits of the first wave: their 3-month contracts end in 11 days, inside the 14-day alert.
ENDING_SOON = {"aissata.doucoure", "lina.zhang", "mei.wang", "kevin.fontaine"}
ENDING_SOON_HIRED_DAYS_AGO = 80
# Shift patterns of every floor: (name, start, end, unpaid break in minutes).
SHIFT_PATTERNS = [
    ("Matin", "08:30", "13:00", 0),
    ("Après-midi", "13:00", "17:30", 0),
    ("Journée", "08:30", "17:30", 60),
]
# Recruitment: candidates per territory, and how many days ago they applied (a few are silent
# beyond the no-answer delay, so the sweep closes them when the demo loads).
CANDIDATES = {"93": 24, "75": 10, "974": 6}
# Expected patients zéro and contacts per day in Seine-Saint-Denis, per language, for the
# staffing page: an October-2020-like wave, rising over the week.
VOLUME_FORECAST_93 = {
    "fr": (40, 260),
    "ar": (6, 40),
    "tr": (3, 18),
    "zh": (2, 12),
    "snk": (1, 8),
    "pt": (2, 10),
}
EMPLOYERS = {
    CNAM: Agent.Employer.CNAM,
    FIXED_3: Agent.Employer.FIXED_TERM,
    FIXED_6: Agent.Employer.FIXED_TERM,
    PROVIDER: Agent.Employer.PROVIDER,
}
PROVIDERS = {"93": "Callvia Bruxelles", "75": "Callvia Bruxelles", "974": "Callvia Océan Indien"}


@dataclass(frozen=True)
class DemoAgent:
    username: str
    first_name: str
    last_name: str
    role: str
    territory: str
    languages: tuple[str, ...]
    employment: str = CNAM
    team: int = 0


def _agent(
    first_name,
    last_name,
    territory,
    languages,
    employment=CNAM,
    team=0,
    *,
    username="",
    role=roles.TELECONSEILLER,
):
    return DemoAgent(
        username=username or _username(first_name, last_name),
        first_name=first_name,
        last_name=last_name,
        role=role,
        territory=territory,
        languages=("fr", *languages),
        employment=employment,
        team=team,
    )


# Letters that do not decompose into an ASCII letter and an accent.
ASCII_LETTERS = str.maketrans(
    {"ı": "i", "İ": "I", "ø": "o", "ł": "l", "æ": "ae", "œ": "oe", "ß": "ss"}
)


def _username(first_name: str, last_name: str) -> str:
    text = f"{first_name}.{last_name}".translate(ASCII_LETTERS)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return text.lower().replace(" ", "-")


T, S, A = roles.TELECONSEILLER, roles.SUPERVISEUR, roles.ADMIN_CPAM
AGENTS = [
    # Seine-Saint-Denis: the largest floor, and the widest mix of languages.
    _agent("Inès", "Haddad", "93", ("ar", "en"), FIXED_3, username="agent93"),
    _agent("Karim", "Mansouri", "93", ("ar",), username="superviseur93", role=S),
    _agent("Claire", "Dubois", "93", (), username="admin93", role=A),
    _agent("Mamadou", "Traoré", "93", ("bm", "snk"), FIXED_6),
    _agent("Aïssata", "Doucouré", "93", ("snk", "bm"), FIXED_3),
    _agent("Fatou", "Ndiaye", "93", ("wo",), PROVIDER, 1),
    _agent("Emre", "Yılmaz", "93", ("tr",), FIXED_6, 1),
    _agent("Zeynep", "Kaya", "93", ("tr", "en"), PROVIDER, 1),
    _agent("Wei", "Chen", "93", ("zh", "en")),
    _agent("Lina", "Zhang", "93", ("zh",), FIXED_3, 1),
    _agent("Tharshini", "Sivakumar", "93", ("ta", "en"), FIXED_6, 2),
    _agent("Ana", "Ferreira", "93", ("pt", "es"), team=2),
    _agent("João", "Pereira", "93", ("pt",), PROVIDER, 2),
    _agent("Ioana", "Popescu", "93", ("ro",), FIXED_3, 2),
    _agent("Mihai", "Dumitru", "93", ("ro", "en"), PROVIDER),
    _agent("Nadia", "Belkacem", "93", ("ar", "kab")),
    _agent("Youssef", "El Amrani", "93", ("ar",), FIXED_6, 1),
    _agent("Sophie", "Martin", "93", ("en",), team=2),
    _agent("Julien", "Moreau", "93", (), FIXED_3),
    _agent("Rahim", "Uddin", "93", ("bn", "en"), FIXED_6, 1),
    _agent("Grace", "Mbuyi", "93", ("ln",), PROVIDER, 2),
    _agent("Camille", "Lefebvre", "93", ("es",), FIXED_3),
    # Paris
    _agent("Thomas", "Bernard", "75", ("en",), FIXED_6, username="agent75"),
    _agent("Nathalie", "Girard", "75", (), username="superviseur75", role=S),
    _agent("Pierre", "Laurent", "75", (), username="admin75", role=A),
    _agent("Lucas", "Petit", "75", ("en", "es"), FIXED_6, 1),
    _agent("Mei", "Wang", "75", ("zh",), FIXED_3),
    _agent("Hugo", "Roux", "75", ("it",), team=1),
    _agent("Olena", "Kovalenko", "75", ("uk", "ru"), FIXED_6),
    _agent("Amadou", "Sow", "75", ("ff", "wo"), PROVIDER, 1),
    _agent("Sarah", "Cohen", "75", ("he", "en")),
    _agent("Lan", "Nguyen", "75", ("vi",), FIXED_3, 1),
    # La Réunion
    _agent("Jean-Marc", "Payet", "974", ("rcf",), FIXED_3, username="agent974"),
    _agent("Marie-Claude", "Hoarau", "974", ("rcf",), username="superviseur974", role=S),
    _agent("Sandrine", "Grondin", "974", ("rcf",), username="admin974", role=A),
    _agent("Kévin", "Fontaine", "974", ("rcf",), FIXED_3),
    _agent("Priya", "Moutoussamy", "974", ("rcf", "ta"), FIXED_6),
    _agent("Yasmine", "Issop", "974", ("rcf", "en", "gu")),
    _agent("Laurent", "Técher", "974", ("rcf",)),
    _agent("Fatima", "Saïd", "974", ("rcf", "swb", "mg"), PROVIDER),
]

# --- People: first names, surnames, their languages and the phones they may have ------------


@dataclass(frozen=True)
class Origin:
    # Comma-separated: some surnames have a space ("Da Silva", "El Idrissi").
    first_names: str
    last_names: str
    # The language a person of this origin asks to be called in: French first, most often.
    languages: tuple[tuple[str, int], ...]
    # Country prefix and national pattern of a foreign number, and how often one turns up.
    foreign: tuple[str, str] | None = None
    foreign_share: float = 0.0

    def first_name(self, rng: random.Random) -> str:
        return rng.choice(self.first_names.split(", "))

    def last_name(self, rng: random.Random) -> str:
        return rng.choice(self.last_names.split(", "))


ORIGINS = {
    "french": Origin(
        first_names=(
            "Lucas, Hugo, Louis, Nathan, Gabriel, Jules, Thomas, Nicolas, Julien, Antoine, Maxime, "
            "Camille, Léa, Manon, Chloé, Emma, Julie, Marie, Laura, Pauline, Céline, Nathalie, "
            "Isabelle, Sylvie, Christophe, Philippe, Stéphane, Sébastien, Frédéric, Monique"
        ),
        last_names=(
            "Martin, Bernard, Dubois, Thomas, Robert, Richard, Petit, Durand, Leroy, Moreau, "
            "Simon, Laurent, Lefebvre, Michel, Garcia, David, Bertrand, Roux, Vincent, Fournier, "
            "Morel, Girard, Mercier, Dupont, Lambert, Bonnet, Legrand, Garnier, Faure, Rousseau, "
            "Blanc"
        ),
        languages=(("fr", 97), ("en", 3)),
        foreign=("+44", "7{d}{n8}"),
        foreign_share=0.03,
    ),
    "maghreb": Origin(
        first_names=(
            "Mohamed, Karim, Yacine, Sofiane, Mehdi, Bilal, Rachid, Nordine, Samir, Hakim, Amine, "
            "Fatima, Nadia, Samira, Leïla, Yasmina, Amel, Sonia, Meriem, Kenza, Rayan, Adam, Lina"
        ),
        last_names=(
            "Benali, Belkacem, Bouzid, Haddad, Mansouri, Cherif, Brahimi, Saïdi, Hamidi, Amrani, "
            "Bensaïd, Boukhari, Meziane, Khelifi, Zerrouki, Benmoussa, Aït Ahmed, El Idrissi, "
            "Rahmani"
        ),
        languages=(("fr", 80), ("ar", 17), ("kab", 3)),
        foreign=("+212", "6{n8}"),
        foreign_share=0.06,
    ),
    "west_africa": Origin(
        first_names=(
            "Mamadou, Moussa, Ousmane, Boubacar, Seydou, Ibrahima, Abdoulaye, Aminata, Fatoumata, "
            "Aïssata, Mariam, Kadiatou, Oumou, Awa, Fanta, Hawa, Sékou, Bakary, Djeneba, Coumba"
        ),
        last_names=(
            "Traoré, Diarra, Koné, Coulibaly, Keïta, Diallo, Sissoko, Camara, Cissé, Touré, "
            "Dembélé, Doucouré, Sylla, Kanté, Sakho, Ndiaye, Diop, Fofana, Soumaré, Konaté, "
            "Tandia, Dramé"
        ),
        languages=(("fr", 70), ("snk", 12), ("bm", 10), ("wo", 5), ("ff", 3)),
    ),
    "turkish": Origin(
        first_names=(
            "Mehmet, Mustafa, Ahmet, Emre, Murat, Hüseyin, Yusuf, Burak, Kemal, Elif, Zeynep, "
            "Ayşe, Fatma, Emine, Büşra, Merve, Hatice"
        ),
        last_names=(
            "Yılmaz, Kaya, Demir, Şahin, Çelik, Yıldız, Yıldırım, Öztürk, Aydın, Özdemir, Arslan, "
            "Doğan, Kılıç, Aslan, Kurt, Koç"
        ),
        languages=(("tr", 55), ("fr", 45)),
        foreign=("+90", "5{t}{n8}"),
        foreign_share=0.3,
    ),
    "chinese": Origin(
        first_names=(
            "Wei, Jing, Hui, Ming, Jun, Lei, Yan, Fang, Hong, Jian, Ling, Mei, Kevin, Julie, "
            "Sophie, David"
        ),
        last_names="Chen, Wang, Li, Zhang, Liu, Lin, Huang, Zhou, Wu, Xu, Zhu, Ye, Hu, Jin",
        languages=(("zh", 60), ("fr", 40)),
        foreign=("+86", "1{c}{n9}"),
        foreign_share=0.08,
    ),
    "tamil": Origin(
        first_names=(
            "Tharshan, Kajan, Prakash, Ragavan, Sutharsan, Vithya, Tharshini, Nivetha, Kavitha, "
            "Priya, Mathusha, Keerthana"
        ),
        last_names=(
            "Sivakumar, Ravichandran, Jeyakumar, Selvarajah, Thevarajah, Nadarajah, "
            "Sriskandarajah, Mahendran, Balasubramaniam, Kanagaratnam, Thurairajah"
        ),
        languages=(("ta", 50), ("fr", 45), ("en", 5)),
    ),
    "portuguese": Origin(
        first_names=(
            "João, José, Manuel, António, Carlos, Rui, Paulo, Tiago, Diogo, Maria, Ana, Isabel, "
            "Fernanda, Sandra, Cristina, Sofia"
        ),
        last_names=(
            "Da Silva, Ferreira, Pereira, Rodrigues, Dos Santos, Fernandes, Gonçalves, Lopes, "
            "Marques, Alves, Carvalho, Teixeira, Mendes, Costa, Oliveira"
        ),
        languages=(("fr", 70), ("pt", 30)),
        foreign=("+351", "9{p}{n7}"),
        foreign_share=0.12,
    ),
    "romanian": Origin(
        first_names=(
            "Ion, Andrei, Mihai, Florin, Gheorghe, Vasile, Ioana, Elena, Andreea, Mihaela, "
            "Florentina, Cristina"
        ),
        last_names=(
            "Popescu, Ionescu, Popa, Dumitru, Stan, Stoica, Gheorghe, Rusu, Munteanu, Matei, "
            "Constantin, Marin"
        ),
        languages=(("ro", 60), ("fr", 40)),
        foreign=("+40", "7{r}{n7}"),
        foreign_share=0.2,
    ),
    "reunion": Origin(
        first_names=(
            "Jean-Marc, Jean-Paul, Marie-Claude, Marie-Josée, Johan, Mickaël, Kévin, Jessica, "
            "Sandrine, Nadège, Gaël, Teddy, Mélissa, Laëtitia, Jimmy, Loïc, Océane, Yannis"
        ),
        last_names=(
            "Payet, Hoarau, Grondin, Técher, Fontaine, Boyer, Rivière, Nativel, Lebon, Hoareau, "
            "Maillot, Moutoussamy, Vélayoudom, Ah-Hot, Ah-Sing, Issop, Patel, Ramassamy, Sautron, "
            "Turpin"
        ),
        languages=(("fr", 62), ("rcf", 35), ("swb", 3)),
    ),
}
# Who lives in each territory's caseload, in shares.
ORIGIN_MIX = {
    "93": {
        "french": 28,
        "maghreb": 24,
        "west_africa": 16,
        "turkish": 6,
        "chinese": 7,
        "tamil": 6,
        "portuguese": 7,
        "romanian": 4,
    },
    "75": {
        "french": 50,
        "maghreb": 15,
        "west_africa": 10,
        "chinese": 8,
        "portuguese": 7,
        "tamil": 4,
        "turkish": 3,
        "romanian": 3,
    },
    "974": {"reunion": 100},
}
# How many contacts a patient zéro names (0 to 6), in shares.
CONTACT_COUNTS = {0: 1, 1: 2, 2: 3, 3: 3, 4: 2, 5: 1, 6: 1}
PATTERN_DIGITS = {"d": "1234579", "t": "0345", "c": "3456789", "p": "1236", "r": "2345678"}


@dataclass
class DemoSummary:
    territories: int
    agents: int
    index_cases: int
    contacts: int


@dataclass(frozen=True)
class Login:
    username: str
    role: str
    territory: str


def demo_logins() -> list[Login]:
    """Return the demo's accounts, the superuser first; all have DEMO_PASSWORD."""
    return [
        Login(SUPERUSER, "superuser", ""),
        *(Login(a.username, a.role, a.territory) for a in AGENTS),
        # The regional health agency of Île-de-France: the clusters of 93 and 75.
        Login(demo_clusters.ARS_USERNAME, roles.ARS, "ARS Île-de-France"),
        Login(doctors.USERNAME, roles.MEDECIN, "93"),
    ]


def is_loaded() -> bool:
    return Territory.objects.filter(code=TERRITORIES[0][0]).exists()


@transaction.atomic
def load_demo(*, now: datetime) -> DemoSummary | None:
    """Build the demo once; return None, creating nothing, if it is there already."""
    if is_loaded():
        return None
    territories = _create_workforce(now=now)
    User.objects.create_superuser(SUPERUSER, "", DEMO_PASSWORD)
    # This morning on the floors (demo/morning.py) calls the cases known then; those identified
    # during the morning are registered after it, as they arrived.
    morning = now - MORNING_WINDOW
    early = _register_cases(territories=territories, now=now, before=morning)
    _plan_rota(territories=territories, now=now)
    summary = simulate_morning(territories=list(territories.values()), now=now)
    late = _register_cases(territories=territories, now=now, since=morning)
    settle_the_floor(morning=summary, now=now)
    # The morning's calls with the carrier's record `make run`'s carrier simulator would have sent.
    integrity_month.record_carrier_calls(since=morning)
    # A nursing-home cluster in 93 ready to hand off to the ARS, a school not yet one (issue 16).
    at_places = demo_clusters.load_places_and_clusters(
        territory=territories["93"], now=now, password=DEMO_PASSWORD
    )
    index_cases = early[0] + late[0] + at_places[0]
    contacts = (
        early[1]
        + late[1]
        + at_places[1]
        + _add_duplicate_contacts(territory=territories["93"], now=now)
    )
    # What the duplicate search after each intake would have found (its task runs after the
    # commit, so the demo runs the search itself): the pair to review in Seine-Saint-Denis.
    find_duplicate_candidates(now=now)
    _recruit(territories=territories, now=now)
    _forecast_volumes(territory=territories["93"], now=now)
    # What beat would do within minutes: close silent candidates, raise the contract-end alerts.
    close_unanswered_candidates(now=now)
    alert_contract_ends(now=now)
    # The last seven days of Seine-Saint-Denis (carrier records, a provider's invoice, two agents
    # cheating) and the integrity jobs run over them: the integrity page has findings to open.
    integrity_month.demo_week(territory=territories["93"], now=now)
    # Quality review: beat drew last week's sample on Monday (the seven days above can start in
    # it), and this week's is drawn now, for the supervisors' review list. Without last week's,
    # an agent who worked only before Monday, with no morning on a floor closed now, had none.
    for territory in territories.values():
        this_week = qa.week_start(territory_today(territory, now))
        for week in (this_week - timedelta(days=7), this_week):
            qa.draw_territory_sample(territory=territory, week=week, now=now)
    # What the projection job would have made within a minute: queue health's projected misses.
    refresh_projections(now=now)
    # A doctor of Seine-Saint-Denis and the patients she declared (issue 16).
    doctors.create_demo_doctor(
        territory=territories["93"],
        supervisor=User.objects.get(username="superviseur93"),
        password=DEMO_PASSWORD,
        now=now,
    )
    return DemoSummary(
        territories=len(territories), agents=len(AGENTS), index_cases=index_cases, contacts=contacts
    )


def _create_workforce(*, now: datetime) -> dict[str, Territory]:
    languages = Language.objects.in_bulk({code for agent in AGENTS for code in agent.languages})
    territories, plateaux, teams = {}, {}, {}
    for code, name, zone, region, plateau_name, address, team_names in TERRITORIES:
        territory = create_territory(code=code, name=name, timezone=zone, phone_region=region)
        territories[code] = territory
        plateaux[code] = Plateau.objects.create(
            territory=territory, name=plateau_name, address=address
        )
        teams[code] = [
            Team.objects.create(plateau=plateaux[code], name=team) for team in team_names
        ]
    for spec in AGENTS:
        territory = territories[spec.territory]
        hired_days_ago = HIRED_DAYS_AGO[spec.employment]
        if spec.username in ENDING_SOON:
            hired_days_ago = ENDING_SOON_HIRED_DAYS_AGO
        hired_on = now.astimezone(territory.zone).date() - timedelta(days=hired_days_ago)
        days = CONTRACT_DAYS.get(spec.employment)
        on_floor = spec.role != roles.ADMIN_CPAM
        create_agent(
            username=spec.username,
            password=DEMO_PASSWORD,
            first_name=spec.first_name,
            last_name=spec.last_name,
            email=f"{spec.username}@demo.tracing-center.example",
            role=spec.role,
            territory=territory,
            languages=[languages[code] for code in spec.languages],
            today=hired_on,
            plateau=plateaux[spec.territory] if on_floor else None,
            team=teams[spec.territory][spec.team] if on_floor else None,
            employer=EMPLOYERS[spec.employment],
            provider_name=PROVIDERS[spec.territory] if spec.employment == PROVIDER else "",
            contract_end=hired_on + timedelta(days=days) if days else None,
        )
    return territories


def _register_cases(
    *, territories: dict[str, Territory], now: datetime, before: datetime | None = None, since=None
) -> tuple[int, int]:
    """Register the demo's cases (the same every time); only those identified before `before`,
    or since `since`, when given."""
    rng = random.Random(SEED)
    languages = {language.code: language for language in Language.objects.all()}
    plan = [code for code, count in INDEX_CASES.items() for _ in range(count)]
    rng.shuffle(plan)
    close = set(rng.sample(range(len(plan)), CLOSE_TO_DEADLINE_CASES))
    contacts_total = registered = 0
    for position, code in enumerate(plan):
        territory = territories[code]
        if position in close:
            hours_ago = rng.uniform(*CLOSE_TO_DEADLINE_HOURS)
            contact_count = rng.randint(2, 5)
        else:
            hours_ago = rng.uniform(0.1, CLOSE_TO_DEADLINE_HOURS[0])
            contact_count = _weighted(rng, CONTACT_COUNTS)
        identified_at = now - timedelta(hours=hours_ago)
        wanted = (before is None or identified_at < before) and (
            since is None or identified_at >= since
        )
        identified_on = identified_at.astimezone(territory.zone).date()
        sampled_at = identified_at - timedelta(hours=rng.uniform(10, 48))
        symptom_onset_on = None
        if rng.random() < 0.7:
            symptom_onset_on = sampled_at.astimezone(territory.zone).date() - timedelta(
                days=rng.randint(0, 4)
            )
        origin_name = _weighted(rng, ORIGIN_MIX[code])
        index_person = _person(rng, territory, ORIGINS[origin_name], languages)
        household = rng.randint(0, min(3, contact_count))
        contacts = []
        for number in range(contact_count):
            if number < household:
                # Same household: same surname, same language.
                exposure_type = Exposure.Type.HOUSEHOLD
                person = _person(
                    rng, territory, ORIGINS[origin_name], languages, household_of=index_person
                )
                last_exposure = identified_on
            else:
                exposure_type = rng.choice(
                    [Exposure.Type.CLOSE, Exposure.Type.CLOSE, Exposure.Type.CO_EXPOSED]
                )
                person = _person(
                    rng, territory, ORIGINS[_weighted(rng, ORIGIN_MIX[code])], languages
                )
                last_exposure = identified_on - timedelta(days=rng.randint(0, 4))
            contacts.append(
                ContactData(
                    person=person, exposure_type=exposure_type, last_exposure_date=last_exposure
                )
            )
        lab = rng.random() < 0.8
        if not wanted:
            continue
        register_index_case(
            territory=territory,
            person=index_person,
            sampled_at=sampled_at,
            source=IndexCase.Source.LAB if lab else IndexCase.Source.DOCTOR,
            now=identified_at,
            contacts=contacts,
            symptom_onset_on=symptom_onset_on,
            external_ref=f"SIDEP-{code}-{position + 1:05d}" if lab else "",
        )
        contacts_total += len(contacts)
        registered += 1
    return registered, contacts_total


# A contact named twice under two spellings (issue 16): one person for the CPAM admin to merge,
# named by two patients zéro of Seine-Saint-Denis, with one birth date and two phones.
DUPLICATE_CONTACTS = (("Mohamed", "+33612000102"), ("Muhammad", "+33612000104"))
DUPLICATE_BIRTH_DATE = date(1988, 4, 12)


def _add_duplicate_contacts(*, territory: Territory, now: datetime) -> int:
    """Add « Ouafi » as a contact of two of the territory's patients zéro, spelled Mohamed by one
    and Muhammad by the other; return how many contacts were added."""
    french = Language.objects.get(code="fr")
    cases = list(IndexCase.objects.filter(territory=territory).order_by("identified_at", "pk")[:2])
    for index_case, (first_name, phone) in zip(cases, DUPLICATE_CONTACTS, strict=False):
        named_at = now - timedelta(hours=1)
        contact = ContactData(
            person=PersonData(
                first_name=first_name,
                last_name="Ouafi",
                phones=[phone],
                language=french,
                birth_date=DUPLICATE_BIRTH_DATE,
            ),
            exposure_type=Exposure.Type.CLOSE,
            last_exposure_date=named_at.astimezone(territory.zone).date(),
        )
        add_contacts_later(index_case=index_case, contacts=[contact], now=named_at)
    return len(cases)


def _weighted(rng: random.Random, shares: dict):
    return rng.choices(list(shares), weights=list(shares.values()))[0]


def _person(
    rng: random.Random,
    territory: Territory,
    origin: Origin,
    languages: dict,
    *,
    household_of: PersonData | None = None,
) -> PersonData:
    if household_of is not None:
        last_name, language = household_of.last_name, household_of.language
    else:
        last_name = origin.last_name(rng)
        language = languages[_weighted(rng, dict(origin.languages))]
    phones = [_phone(rng, territory, origin)]
    if rng.random() < 0.1:
        second = _local_phone(rng, territory)
        if second not in phones:
            phones.append(second)
    return PersonData(
        first_name=origin.first_name(rng), last_name=last_name, phones=phones, language=language
    )


def _phone(rng: random.Random, territory: Territory, origin: Origin) -> str:
    if origin.foreign and rng.random() < origin.foreign_share:
        prefix, pattern = origin.foreign
        return _valid(rng, lambda: prefix + _fill(rng, pattern), territory)
    return _local_phone(rng, territory)


def _local_phone(rng: random.Random, territory: Territory) -> str:
    if territory.phone_region == "RE":
        return _valid(
            rng, lambda: rng.choice(["0692", "0693"]) + _digits(rng, 6), territory, country="+262"
        )
    return _valid(
        rng, lambda: rng.choice(["06", "06", "07"]) + _digits(rng, 8), territory, country="+33"
    )


def _valid(rng: random.Random, make, territory: Territory, *, country: str = "+") -> str:
    # Not every random number is allocated (libphonenumber knows the plan): draw until one is.
    # A national number that is not metropolitan reads as an overseas one (0690… is
    # Guadeloupe): the country code keeps the territory's own.
    for _ in range(100):
        try:
            number = to_e164(make(), region=territory.phone_region)
        except ValidationError:
            continue
        if number.startswith(country):
            return number
    raise RuntimeError("no valid phone number drawn")  # pragma: no cover


def _digits(rng: random.Random, count: int) -> str:
    return "".join(rng.choice("0123456789") for _ in range(count))


def _fill(rng: random.Random, pattern: str) -> str:
    text = pattern
    for key, digits in PATTERN_DIGITS.items():
        text = text.replace("{" + key + "}", rng.choice(digits))
    for count in range(9, 0, -1):
        text = text.replace("{n" + str(count) + "}", _digits(rng, count))
    return text


# --- Workforce: the rota of this week and the next, and a recruitment pipeline -----------------


def _plan_rota(*, territories: dict[str, Territory], now: datetime) -> None:
    """Put every floor agent on the rota of this week and the next: five days each, every day
    covered."""
    for territory in territories.values():
        patterns = []
        for name, starts_at, ends_at, break_minutes in SHIFT_PATTERNS:
            patterns.append(
                save_shift_pattern(
                    territory=territory,
                    name=name,
                    starts_at=time.fromisoformat(starts_at),
                    ends_at=time.fromisoformat(ends_at),
                    break_minutes=break_minutes,
                )
            )
        today = now.astimezone(territory.zone).date()
        monday = today - timedelta(days=today.weekday())
        floor = Agent.objects.filter(territory=territory, plateau__isnull=False).select_related(
            "plateau", "territory"
        )
        for position, agent in enumerate(floor.order_by("user__username")):
            # Two rest days in a row, shifted from one agent to the next: the floor is open every
            # day.
            rest = {position % 7, (position + 1) % 7}
            days = [day for day in range(7) if day not in rest]
            pattern = patterns[position % len(patterns)]
            last_day = Contract.objects.filter(agent=agent).aggregate(last=Max("end_on"))["last"]
            for week_start in (monday, monday + timedelta(days=7)):
                # Not past the end of a contract: the rota refuses those days.
                working = [
                    day
                    for day in days
                    if last_day is None or week_start + timedelta(days=day) <= last_day
                ]
                if working:
                    apply_pattern_to_week(
                        agent=agent,
                        plateau=agent.plateau,
                        week_start=week_start,
                        pattern=pattern,
                        days=working,
                    )


CANDIDATE_STAGES = [
    # (share of the candidates, days since they applied, how far they got)
    ("applied", 3),
    ("applied", 40),
    ("assessment_scheduled", 5),
    ("assessed", 8),
    ("failed", 9),
    ("in_training", 12),
    ("trained", 15),
    ("rejected", 10),
    ("withdrawn", 6),
]


def _recruit(*, territories: dict[str, Territory], now: datetime) -> None:
    """Fill the recruitment pipeline: candidates at every stage, and two training cohorts."""
    rng = random.Random(SEED + 1)
    languages = {language.code: language for language in Language.objects.all()}
    origins = {"93": ORIGIN_MIX["93"], "75": ORIGIN_MIX["75"], "974": ORIGIN_MIX["974"]}
    for code, territory in territories.items():
        admin = User.objects.get(username=f"admin{code}")
        today = now.astimezone(territory.zone).date()
        plateau = Plateau.objects.filter(territory=territory).first()
        # One cohort trained last week, one starting in 3 days, one in 10.
        sessions = [
            create_training_session(
                territory=territory,
                name=f"Cohorte du {day:%d/%m}",
                starts_on=day,
                capacity=12,
                plateau=plateau,
            )
            for day in (
                today - timedelta(days=6),
                today + timedelta(days=3),
                today + timedelta(days=10),
            )
        ]
        for number in range(CANDIDATES[code]):
            stage, days_ago = CANDIDATE_STAGES[number % len(CANDIDATE_STAGES)]
            applied_at = now - timedelta(days=days_ago, hours=rng.uniform(0, 8))
            origin = ORIGINS[_weighted(rng, origins[code])]
            spoken = {"fr", _weighted(rng, dict(origin.languages))}
            candidate = add_candidate(
                territory=territory,
                data=CandidateData(
                    first_name=origin.first_name(rng),
                    last_name=origin.last_name(rng),
                    phone=_local_phone(rng, territory),
                    languages=[languages[language] for language in sorted(spoken)],
                    source=rng.choice(
                        ["job_board", "job_board", "temp_agency", "france_travail", "referral"]
                    ),
                ),
                by=admin,
                now=applied_at,
            )
            _advance(
                candidate,
                stage=stage,
                admin=admin,
                applied_at=applied_at,
                sessions=sessions,
                rng=rng,
            )


def _advance(
    candidate,
    *,
    stage: str,
    admin: User,
    applied_at: datetime,
    sessions: list[TrainingSession],
    rng,
) -> None:
    step = applied_at
    if stage == "rejected":
        reject_candidate(
            candidate=candidate,
            by=admin,
            now=step + timedelta(days=1),
            note="Profil sans expérience de la relation client",
        )
        return
    if stage == "withdrawn":
        withdraw_candidate(
            candidate=candidate,
            by=admin,
            now=step + timedelta(days=1),
            note="A accepté un autre poste",
        )
        return
    if stage == "applied":
        return
    step += timedelta(days=1)
    candidate = schedule_assessment(
        candidate=candidate, at=step + timedelta(days=2, hours=2), by=admin, now=step
    )
    if stage == "assessment_scheduled":
        return
    step += timedelta(days=2, hours=3)
    passed = stage != "failed"
    score = rng.randint(62, 92) if passed else rng.randint(25, 45)
    candidate = record_assessment(
        candidate=candidate, score=score, passed=passed, by=admin, now=step
    )
    if stage in ("assessed", "failed"):
        return
    step += timedelta(hours=4)
    session = sessions[1] if stage == "in_training" else sessions[0]
    candidate = enrol_in_training(candidate=candidate, session=session, by=admin, now=step)
    if stage == "in_training":
        return
    # Trained the evening of the cohort's last day.
    trained_at = datetime.combine(session.ends_on, time(17, 30), tzinfo=candidate.territory.zone)
    complete_training(candidate=candidate, by=admin, now=trained_at)


def _forecast_volumes(*, territory: Territory, now: datetime) -> None:
    """Expect a rising wave over the next seven days, so the staffing page shows real gaps."""
    languages = Language.objects.in_bulk(list(VOLUME_FORECAST_93))
    today = now.astimezone(territory.zone).date()
    entries = [
        VolumeEntry(
            language=languages[code],
            day=today + timedelta(days=offset),
            index_cases=round(index_cases * (1 + offset / 10)),
            contacts=round(contacts * (1 + offset / 10)),
        )
        for code, (index_cases, contacts) in VOLUME_FORECAST_93.items()
        for offset in range(7)
    ]
    save_volume_forecasts(territory=territory, entries=entries)
