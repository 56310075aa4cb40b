"""The matching functions: string measures, normalisation, blocking, scores, and the evaluation."""

from __future__ import annotations

import datetime as dt
import json
import uuid

import pytest

from crm.dedupe import evaluate, matching, similarity
from crm.dedupe.matching import Organisation, Person


def test_string_measures_match_the_reference_values() -> None:
    assert similarity.jaro_winkler("martha", "marhta") == pytest.approx(0.9611, abs=1e-4)
    assert similarity.jaro_winkler("dixon", "dicksonx") == pytest.approx(0.8133, abs=1e-4)
    assert similarity.jaro("dwayne", "duane") == pytest.approx(0.8222, abs=1e-4)
    assert similarity.jaro_winkler("", "") == 0.0 and similarity.jaro_winkler("ana", "ana") == 1.0
    assert [similarity.soundex(w) for w in ("robert", "rupert", "ashcraft", "tymczak", "")] == [
        "r163",
        "r163",
        "a261",
        "t522",
        "",
    ]
    assert similarity.edit_distance("marhta", "martha") == 1  # one transposition
    assert similarity.edit_distance("steinmeier", "steiner") == 3  # capped


def test_normalisation() -> None:
    assert similarity.fold("  José-María  O'Brien ") == "jose maria obrien"
    assert matching.company_key("The Atlas Freight Logistics S.L.") == "atlas freight logistics"
    assert matching.company_key("Brennan & Walsh Ltd") == "brennan walsh"
    assert matching.company_key("Clinique du Parc Monceau") == matching.company_key("Clinique Parc Monceau")
    assert similarity.canonical_first("Pepe") == similarity.canonical_first("José") == "jose"
    assert similarity.canonical_first("Bob") == "robert"


def _p(first: str, last: str, company: str | None = None) -> Person:
    return Person(uuid.uuid4(), first, last, company)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        (_p("Lucía", "González"), _p("González", "Lucía")),  # swapped
        (
            _p("José", "Martínez", "Telvia"),
            _p("Pepe", "Martinez", "Telvia S.A."),
        ),  # nickname, accents, suffix
        (_p("Harry", "Davies", "Kestrel"), _p("Harry", "Dvaies", "Kestrel")),  # transposition
        (
            _p("María", "García López", "Banco Meridional"),
            _p("Maria", "Garcia", "Banco Meridional"),
        ),  # compound
        (_p("Thijs", "van Dijk", "Norvik"), _p("Thijs", "van Dyk", None)),  # typo, company missing
    ],
)
def test_duplicates_are_found(a: Person, b: Person) -> None:
    births = {a.id: dt.date(1980, 5, 4), b.id: dt.date(1980, 5, 4)}
    matches = matching.finish_contacts(matching.contact_candidates([a, b]), births)
    assert [m.pair for m in matches] == [tuple(sorted((a.id, b.id)))]
    assert 0.95 <= matches[0].score <= 1.0 and matches[0].reason


def test_strangers_are_not() -> None:
    a, b = _p("María", "García", "Atlas"), _p("María", "García", "Quanta Software")
    c, d = _p("Olivia", "Clarke"), _p("Oliver", "Clarke")
    e, f = _p("Ana", "Silva"), _p("Ana", "Silva")
    births = {e.id: dt.date(1970, 1, 1), f.id: dt.date(1991, 7, 30)}
    people = [a, b, c, d, e, f]
    assert matching.finish_contacts(matching.contact_candidates(people), births) == []
    # The same two with nothing else to tell them apart but an uncommon name: suggested.
    assert len(matching.finish_contacts(matching.contact_candidates([e, f]), {})) == 1


def test_companies() -> None:
    one = Organisation(uuid.uuid4(), "Atlas Freight Logistics", "atlas-freight.example")
    two = Organisation(uuid.uuid4(), "ATLAS Freight Logistics S.L.", None)
    three = Organisation(uuid.uuid4(), "Atlas Dental Clinic", "atlas-dental.example")
    four = Organisation(uuid.uuid4(), "Northwind Clinic", "shared.example")
    five = Organisation(uuid.uuid4(), "NW Family Practice", "shared.example")
    pairs = {m.pair for m in matching.company_matches([one, two, three, four, five])}
    assert pairs == {tuple(sorted((one.id, two.id))), tuple(sorted((four.id, five.id)))}


def test_blocking_stays_near_linear() -> None:
    data = evaluate.generate(3)
    pairs = matching.candidate_pairs(data.people, matching.person_keys, lambda p: p.last)
    assert len(pairs) < 5 * len(data.people)
    # An oversized block is walked with a window, not squared.
    crowd = [Person(uuid.uuid4(), "Ana", f"Garcia{'x' * (i % 3)}") for i in range(1000)]
    assert (
        len(matching.candidate_pairs(crowd, matching.person_keys, lambda p: p.last)) <= 1000 * matching.WINDOW
    )


def test_the_evaluation_prints_one_json_line_with_the_figures() -> None:
    lines: list[str] = []
    evaluate.main(["--seed", "7"], emit=lines.append)
    assert len(lines) == 1 and "\n" not in lines[0]
    report = json.loads(lines[0])
    contacts, companies = report["contacts"], report["companies"]
    assert contacts["threshold"] == matching.CONTACT_THRESHOLD
    assert contacts["precision"] >= 0.9 and contacts["recall"] >= 0.75, contacts
    assert companies["precision"] >= 0.95 and companies["recall"] >= 0.95, companies
    assert contacts["recall_by_change"]["swapped"] >= 0.9
    assert contacts["recall_by_change"]["nickname"] >= 0.7
