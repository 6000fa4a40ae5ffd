"""One rule for comparing text: names of people (cases/identity.py) and places (cases/places.py)."""

from cases.identity import normalise as person_name
from cases.places import normalise as place_name
from common.text import plain_text


def test_it_drops_accents_case_punctuation_and_extra_spaces():
    assert plain_text("  École Jules-Ferry ") == "ecole jules ferry"
    assert plain_text("L'Hôpital   Saint-Louis.") == "l hopital saint louis"


def test_it_transliterates_what_accents_alone_do_not():
    # A ligature and a Cyrillic name: stripping combining marks would keep "cœur" and "мария".
    assert plain_text("Sacré-Cœur") == "sacre coeur"
    assert plain_text("Мария") == "mariia"


def test_people_and_places_share_it():
    assert place_name("EHPAD Les Tilleuls") == plain_text("EHPAD Les Tilleuls")
    # A person's name also loses its particles, once it has several words.
    assert person_name("Hélène Le Fèvre") == "helene fevre"
    assert place_name("Cœur de Ville") == "coeur de ville"
