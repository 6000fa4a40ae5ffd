"""One person across the system: which persons may be the same human being (docs/identity.md).

Names are normalised (transliterated, lower case, no punctuation, particles dropped the same way
on both sides), compared in both orders and by token, then weighed with the birth date, the
phones (retired ones too) and the address into a score out of 100, the evidence kept. Only
persons sharing a block are compared, never all pairs: a phone number, a birth date, or a name
key (the consonant skeleton of the last name and the first name's initial).
"""

import logging
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db import transaction
from django.db.models import Q
from rapidfuzz.distance import Indel, JaroWinkler
from rapidfuzz.fuzz import token_sort_ratio

from agents.models import Territory
from cases.models import DuplicateCandidate, Person, Phone
from common.text import plain_text

# Words that are written, joined or left out differently from one file to the next: dropped from
# a name of several words before comparing.
PARTICLES = frozenset(
    {"de", "du", "des", "la", "le", "les", "d", "l", "el", "al", "ben", "bin", "von", "der", "y"}
)
# What a pair must reach to be proposed: a name that resembles, and one more signal.
MIN_NAME_SIMILARITY = 80
MIN_SCORE = 65
# Above this many persons, a name key is too common to block on (Martin, Nguyen): the phone and
# the birth date blocks still apply.
MAX_NAME_BLOCK = 200
# The sweep looks again at the persons created this recently (an intake whose task was lost).
SWEEP_WINDOW = timedelta(days=2)
_CHUNK = 500
logger = logging.getLogger(__name__)
# A merge can be undone for this many days; the tombstone stays that long at least.
MERGE_UNDO_DAYS = 30

_VOWELS = re.compile(r"[aeiouy]")


def normalise(name: str) -> str:
    """Transliterate, lower, turn hyphens and punctuation into spaces, collapse spaces, drop
    particles from a name of several words."""
    words = plain_text(name).split()
    if len(words) > 1:
        kept = [w for w in words if w not in PARTICLES]
        words = kept or words
    return " ".join(words)


def skeleton(name: str) -> str:
    """The consonants of a normalised name after its first letter, repeats collapsed: Mohamed,
    Muhammad and Mohammed are all « mhmd », Youssef and Yusuf « ysf »."""
    compact = name.replace(" ", "").replace("h", "") if len(name) > 1 else name
    if not compact:
        return ""
    head, tail = compact[0], _VOWELS.sub("", compact[1:])
    out = head
    for char in tail:
        if char != out[-1]:
            out += char
    return out


def name_key(first_name: str, last_name: str) -> str:
    """The blocking key stored on a person: the last name's skeleton and the first initial."""
    first, last = normalise(first_name), normalise(last_name)
    if not last:
        return ""
    return f"{skeleton(last)}:{first[:1]}"[:40]


def keys_to_look_up(first_name: str, last_name: str) -> set[str]:
    """The name keys a person's duplicates may have: theirs, and that of the inverted names."""
    keys = {name_key(first_name, last_name), name_key(last_name, first_name)}
    return keys - {""}


def word_similarity(a: str, b: str) -> float:
    """How alike two normalised names are, 0–100: Jaro-Winkler, the edit ratio of the names
    written without spaces, or 90 for two spellings of one sound (same skeleton)."""
    if not a or not b:
        return 0.0
    if a == b:
        return 100.0
    ca, cb = a.replace(" ", ""), b.replace(" ", "")
    best = max(
        JaroWinkler.normalized_similarity(ca, cb) * 100, Indel.normalized_similarity(ca, cb) * 100
    )
    if len(ca) > 2 and skeleton(a) == skeleton(b):
        best = max(best, 90.0)
    return round(best, 1)


@dataclass(frozen=True)
class Identity:
    """What the comparison reads of a person."""

    pk: int
    territory_id: int
    first: str
    last: str
    birth_date: date | None
    address: str
    phones: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def of(cls, person: Person, phones: Iterable[str]) -> "Identity":
        return cls(
            pk=person.pk,
            territory_id=person.territory_id,
            first=normalise(person.first_name),
            last=normalise(person.last_name),
            birth_date=person.birth_date,
            address=normalise(person.address),
            phones=frozenset(phones),
        )


@dataclass(frozen=True)
class Match:
    score: int
    evidence: dict


def name_similarity(a: Identity, b: Identity) -> tuple[float, bool]:
    """The best of the names compared in order, inverted, and as sorted words; and whether the
    inverted order won."""
    straight = min(word_similarity(a.first, b.first), word_similarity(a.last, b.last))
    inverted = min(word_similarity(a.first, b.last), word_similarity(a.last, b.first))
    by_tokens = token_sort_ratio(f"{a.first} {a.last}", f"{b.first} {b.last}")
    best = max(straight, inverted, by_tokens)
    return round(best, 1), inverted > straight and inverted >= by_tokens


def birth_signal(a: date | None, b: date | None) -> str:
    if a is None or b is None:
        return "missing"
    if a == b:
        return "equal"
    if a.year == b.year and a.day == b.month and a.month == b.day:
        return "swapped"
    return "different"


BIRTH_POINTS = {"equal": 30, "swapped": 15, "missing": 0, "different": -40}
NAME_POINTS = 50
PHONE_POINTS = 25
ADDRESS_POINTS = 10
MIN_ADDRESS_SIMILARITY = 85


def compare(a: Identity, b: Identity) -> Match | None:
    """Score two persons 0–100 with the evidence; None when they are not worth proposing."""
    name, inverted = name_similarity(a, b)
    if name < MIN_NAME_SIMILARITY:
        return None
    birth = birth_signal(a.birth_date, b.birth_date)
    shared = sorted(a.phones & b.phones)
    address = None
    if a.address and b.address:
        address = round(token_sort_ratio(a.address, b.address), 1)
    score = name / 100 * NAME_POINTS + BIRTH_POINTS[birth]
    score += PHONE_POINTS if shared else 0
    score += ADDRESS_POINTS if address is not None and address >= MIN_ADDRESS_SIMILARITY else 0
    score = max(0, min(100, round(score)))
    if score < MIN_SCORE:
        return None
    evidence = {
        "name": name,
        "inverted": inverted,
        "birth_date": birth,
        "phones": shared,
        "address": address,
    }
    return Match(score=score, evidence=evidence)


def neighbours(territory_ids: Iterable[int]) -> dict[int, set[int]]:
    """Each territory with those it lends its calls to or borrows them from (and itself)."""
    ids = set(territory_ids)
    found: dict[int, set[int]] = {pk: {pk} for pk in ids}
    links = Territory.lends_to.through.objects.filter(
        Q(from_territory_id__in=ids) | Q(to_territory_id__in=ids)
    ).values_list("from_territory_id", "to_territory_id")
    for lender, borrower in links:
        if lender in found:
            found[lender].add(borrower)
        if borrower in found:
            found[borrower].add(lender)
    return found


def _chunks(items: list, size: int = _CHUNK) -> Iterator[list]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _live(queryset):
    return queryset.filter(merged_into__isnull=True, purged_at__isnull=True)


def fill_name_keys(*, person_ids: list[int]) -> int:
    """Store the name key of these persons where it is missing (persons written before it
    existed, or by a path that does not set it)."""
    filled = []
    for chunk in _chunks(person_ids):
        for person in Person.objects.filter(pk__in=chunk, name_key="").only(
            "pk", "first_name", "last_name"
        ):
            person.name_key = name_key(person.first_name, person.last_name)
            if person.name_key:
                filled.append(person)
    with transaction.atomic():
        Person.objects.bulk_update(filled, ["name_key"], batch_size=_CHUNK)
    return len(filled)


def _identities(person_ids: Iterable[int]) -> dict[int, Identity]:
    ids = sorted(set(person_ids))
    phones: dict[int, set[str]] = {}
    persons: list[Person] = []
    for chunk in _chunks(ids):
        persons += _live(Person.objects.filter(pk__in=chunk))
        # Retired numbers count too: a number that changed hands still says who it was.
        for person_id, number in Phone.objects.filter(person_id__in=chunk).values_list(
            "person_id", "number"
        ):
            phones.setdefault(person_id, set()).add(number)
    return {p.pk: Identity.of(p, phones.get(p.pk, ())) for p in persons}


def _blocked_with(targets: dict[int, Identity], persons: list[Person]) -> dict[int, set[int]]:
    """The persons each target shares a block with (a phone, a birth date, a name key), within
    the target's territory and its neighbours."""
    near = neighbours({t.territory_id for t in targets.values()})
    all_near = sorted({pk for ids in near.values() for pk in ids})
    by_number: dict[str, set[int]] = {}
    by_birth: dict[date, set[int]] = {}
    by_key: dict[str, set[int]] = {}
    for t in targets.values():
        for number in t.phones:
            by_number.setdefault(number, set()).add(t.pk)
        if t.birth_date is not None:
            by_birth.setdefault(t.birth_date, set()).add(t.pk)
    for p in persons:
        for key in keys_to_look_up(p.first_name, p.last_name):
            by_key.setdefault(key, set()).add(p.pk)
    found: dict[int, set[int]] = {pk: set() for pk in targets}
    territory_of: dict[int, int] = {}

    def add(target_ids: set[int], other: int, territory_id: int) -> None:
        territory_of[other] = territory_id
        for target in target_ids:
            if other != target and territory_id in near[targets[target].territory_id]:
                found[target].add(other)

    for chunk in _chunks(sorted(by_number)):
        for person_id, number, territory_id in Phone.objects.filter(
            number__in=chunk,
            person__territory_id__in=all_near,
            person__merged_into__isnull=True,
            person__purged_at__isnull=True,
        ).values_list("person_id", "number", "person__territory_id"):
            add(by_number[number], person_id, territory_id)
    for chunk in _chunks(sorted(by_birth)):
        for person_id, birth_date, territory_id in _live(
            Person.objects.filter(birth_date__in=chunk, territory_id__in=all_near)
        ).values_list("pk", "birth_date", "territory_id"):
            add(by_birth[birth_date], person_id, territory_id)
    for chunk in _chunks(sorted(by_key)):
        rows = list(
            _live(Person.objects.filter(name_key__in=chunk, territory_id__in=all_near)).values_list(
                "pk", "name_key", "territory_id"
            )[
                # One more than the cap tells a block too common to use.
                : MAX_NAME_BLOCK * len(chunk) + 1
            ]
        )
        sizes: dict[str, int] = {}
        for _pk, key, _territory in rows:
            sizes[key] = sizes.get(key, 0) + 1
        for person_id, key, territory_id in rows:
            if sizes[key] <= MAX_NAME_BLOCK:
                add(by_key[key], person_id, territory_id)
    return found


def find_duplicate_candidates(*, now: datetime, person_ids: list[int] | None = None) -> int:
    """Find the persons who may be the same as these (by default those created within
    SWEEP_WINDOW) and record each pair as a candidate to review; return how many pairs are new.
    Idempotent: an open pair is scored again, a dismissed or merged one is left alone."""
    # Reads outside any transaction, writes in short ones: on SQLite a transaction holds the
    # only write lock, and the search of a large import takes seconds.
    if person_ids is None:
        person_ids = list(
            _live(Person.objects.filter(created_at__gte=now - SWEEP_WINDOW)).values_list(
                "pk", flat=True
            )
        )
    if not person_ids:
        return 0
    fill_name_keys(person_ids=person_ids)
    persons: list[Person] = []
    for chunk in _chunks(sorted(set(person_ids))):
        persons += _live(Person.objects.filter(pk__in=chunk)).only(
            "pk", "first_name", "last_name", "territory_id"
        )
    targets = _identities(p.pk for p in persons)
    blocked = _blocked_with(targets, persons)
    others = _identities({pk for ids in blocked.values() for pk in ids} - targets.keys())
    others.update(targets)
    matches: dict[tuple[int, int], Match] = {}
    for target, ids in blocked.items():
        for other in ids:
            pair = (min(target, other), max(target, other))
            if pair in matches or other not in others:
                continue
            match = compare(others[pair[0]], others[pair[1]])
            if match is not None:
                matches[pair] = match
    if not matches:
        return 0
    known: dict[tuple[int, int], DuplicateCandidate] = {}
    firsts = sorted({a for a, _b in matches})
    for chunk in _chunks(firsts):
        for candidate in DuplicateCandidate.objects.filter(person_a_id__in=chunk):
            known[(candidate.person_a_id, candidate.person_b_id)] = candidate
    new, rescored = [], []
    for (a, b), match in sorted(matches.items()):
        candidate = known.get((a, b))
        if candidate is None:
            new.append(
                DuplicateCandidate(
                    person_a_id=a,
                    person_b_id=b,
                    score=match.score,
                    evidence=match.evidence,
                    found_at=now,
                )
            )
        elif candidate.status == DuplicateCandidate.Status.OPEN and (
            candidate.score != match.score or candidate.evidence != match.evidence
        ):
            candidate.score, candidate.evidence = match.score, match.evidence
            rescored.append(candidate)
    # A concurrent run may have recorded the same pair: the constraint keeps one.
    with transaction.atomic():
        DuplicateCandidate.objects.bulk_create(new, ignore_conflicts=True)
        DuplicateCandidate.objects.bulk_update(rescored, ["score", "evidence"])
    return len(new)


def merge_undo_deadline(merged_at: datetime) -> datetime:
    """The last moment a merge can be undone."""
    return merged_at + timedelta(days=MERGE_UNDO_DAYS)


class _PendingSearch:
    """The persons a transaction wrote, searched once it commits (one task per transaction, not
    one per intake of a 50-case import)."""

    def __init__(self) -> None:
        self.ids: set[int] = set()
        self.published = False

    def publish(self) -> None:
        self.published = True
        from cases.tasks import find_duplicate_candidates  # noqa: PLC0415 (tasks import us)

        try:
            find_duplicate_candidates.delay(sorted(self.ids))
        except Exception:
            logger.exception("Could not publish the duplicate search; the sweep will")


def publish_duplicate_search(person_ids: list[int]) -> None:
    """Look for these persons' duplicates once the transaction that wrote them commits; never
    raise: with the broker down, the beat sweep (SWEEP_WINDOW) looks at them later."""
    if not person_ids:
        return
    connection = transaction.get_connection()
    pending = getattr(connection, "_duplicate_search", None)
    # A rolled back transaction drops its callbacks: then this one starts a new search.
    if (
        pending is None
        or pending.published
        or not any(entry[1] == pending.publish for entry in connection.run_on_commit)
    ):
        pending = _PendingSearch()
        pending.ids.update(person_ids)
        connection._duplicate_search = pending
        transaction.on_commit(pending.publish)
    else:
        pending.ids.update(person_ids)
