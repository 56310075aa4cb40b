"""Precision and recall of the fuzzy duplicate matching on a generated, labelled set.

    python -m crm.dedupe.evaluate [--seed N] [--threshold-contacts T] [--threshold-companies T]

prints one JSON line. The set is a population of distinct people and companies (names drawn
from the demo corpus, so same-name strangers occur as they do in a real clinic network) plus
known duplicates of some of them: typos, swapped first/last names, nicknames, a missing or
differently written company, dropped second surname, stripped accents, an initial for the
first name, a missing date of birth, and pairs of these. A predicted pair is right when it
is one of the planted pairs; everything else it flags (strangers who share a name) counts
against precision.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from crm.dedupe import matching
from crm.dedupe.matching import Organisation, Person
from crm.dedupe.similarity import NICKNAMES, ascii_words, canonical_first
from crm.organization import demo_corpus as corpus

PEOPLE = 3000
PERSON_DUPLICATES = 500
COMPANIES = 600
COMPANY_DUPLICATES = 150
_NICK = {
    canonical: sorted(short)
    for canonical, short in {
        c: {n for n, forms in NICKNAMES.items() if c in forms and n != c} for c in NICKNAMES
    }.items()
    if short
}


@dataclass
class LabelledSet:
    people: list[Person] = field(default_factory=list)
    births: dict[uuid.UUID, dt.date | None] = field(default_factory=dict)
    person_pairs: dict[tuple[uuid.UUID, uuid.UUID], str] = field(default_factory=dict)
    companies: list[Organisation] = field(default_factory=list)
    company_pairs: dict[tuple[uuid.UUID, uuid.UUID], str] = field(default_factory=dict)


def _pair(a: uuid.UUID, b: uuid.UUID) -> tuple[uuid.UUID, uuid.UUID]:
    return (a, b) if a < b else (b, a)


class Generator:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)  # noqa: S311 - a reproducible test set
        self.n = 0

    def uid(self) -> uuid.UUID:
        self.n += 1
        return uuid.UUID(int=self.n)

    def typo(self, word: str) -> str:
        if len(word) < 4:
            return word + self.rng.choice("aeinrst")
        i = self.rng.randrange(1, len(word) - 1)
        how = self.rng.choice(("swap", "drop", "double", "replace"))
        if how == "swap":
            return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
        if how == "drop":
            return word[:i] + word[i + 1 :]
        if how == "double":
            return word[:i] + word[i] + word[i:]
        return word[:i] + self.rng.choice("aeioulnrst") + word[i + 1 :]

    def surname(self, country: str) -> str:
        """Common surnames (the demo corpus) for about half the people, a long tail for the rest:
        real registers are Zipf-like, and strangers sharing a name come from the head."""
        if self.rng.random() < 0.45:
            return self.rng.choice(corpus.LAST_NAMES[country])
        heads, tails = SURNAME_PARTS[country]
        return f"{self.rng.choice(heads)}{self.rng.choice(tails)}"

    # --- companies -----------------------------------------------------------------------------

    def company_name(self) -> str:
        brand = self.rng.choice(BRANDS)
        kind = self.rng.choice(KINDS)
        form = self.rng.random()
        if form < 0.35:
            return f"{brand} {kind}"
        if form < 0.7:
            city = self.rng.choice([c for cities in corpus.CITIES.values() for c in cities])
            return f"{brand} {kind} {city}"
        return f"{kind} {brand}"

    def company_variant(self, name: str) -> tuple[str, str]:
        how = self.rng.choice(("suffix", "typo", "the", "and", "case", "suffix_typo"))
        if how in ("suffix", "suffix_typo"):
            name = f"{name} {self.rng.choice(('S.L.', 'GmbH', 'Ltd', 'B.V.', 'SAS', 'S.r.l.', 'Lda.'))}"
        if how in ("typo", "suffix_typo"):
            words = name.split()
            i = max(range(len(words)), key=lambda k: len(words[k]))
            words[i] = self.typo(words[i])
            name = " ".join(words)
        if how == "the":
            name = f"The {name}"
        if how == "and":
            name = name.replace(" ", " & ", 1) if " " in name else name + " & Co"
        if how == "case":
            name = name.upper()
        return name, how

    def companies(self, out: LabelledSet, count: int, duplicates: int) -> list[Organisation]:
        names: set[str] = set()
        base: list[Organisation] = []
        while len(base) < count:
            name = self.company_name()
            if name in names:
                continue
            names.add(name)
            domain = f"{ascii_words(name, '-')}.example" if self.rng.random() < 0.7 else None
            base.append(Organisation(self.uid(), name, domain))
        out.companies.extend(base)
        for original in self.rng.sample(base, duplicates):
            name, how = self.company_variant(original.name)
            domain = original.domain if self.rng.random() < 0.5 else None
            copy = Organisation(self.uid(), name, domain)
            out.companies.append(copy)
            out.company_pairs[_pair(original.id, copy.id)] = how
        return base

    # --- people --------------------------------------------------------------------------------

    def person(self, employers: list[Organisation]) -> tuple[Person, dt.date | None]:
        country = self.rng.choice(list(corpus.FIRST_NAMES))
        first = self.rng.choice(corpus.FIRST_NAMES[country])
        if self.rng.random() < 0.15:  # a name from the nickname table, to test those
            first = self.rng.choice(sorted(_NICK)).title()
        last = self.surname(country)
        if country in ("ES", "PT") and self.rng.random() < 0.4:
            last = f"{last} {self.surname(country)}"
        company = self.rng.choice(employers) if self.rng.random() < 0.55 else None
        born = dt.date(1940, 1, 1) + dt.timedelta(days=self.rng.randrange(0, 65 * 365))
        person = Person(
            self.uid(), first, last, company.name if company else None, company.id if company else None
        )
        return person, born if self.rng.random() < 0.7 else None

    def person_variant(self, p: Person, born: dt.date | None) -> tuple[Person, dt.date | None, str]:
        ways = ["typo_last", "typo_first", "swapped", "nickname", "no_company", "company_variant",
                "one_surname", "accents", "initial", "no_birth"]  # fmt: skip
        first, last, company, company_id = p.first, p.last, p.company, p.company_id
        picked = [self.rng.choice(ways)]
        if self.rng.random() < 0.25:
            picked.append(self.rng.choice(ways))
        for how in picked:
            if how == "typo_last":
                last = self.typo(last)
            elif how == "typo_first":
                first = self.typo(first)
            elif how == "swapped":
                first, last = last, first
            elif how == "nickname":
                canonical = canonical_first(first)
                if canonical in _NICK:
                    first = self.rng.choice(_NICK[canonical]).title()
                else:
                    last = self.typo(last)
            elif how == "no_company":
                company, company_id = None, None
            elif how == "company_variant" and company:
                company, company_id = self.company_variant(company)[0], None
            elif how == "one_surname" and " " in last:
                last = last.split(" ", 1)[0]
            elif how == "accents":
                first, last = ascii_words(first, " ").title(), ascii_words(last, " ").title()
            elif how == "initial":
                first = first[0] + "."
            elif how == "no_birth":
                born = None
        if born is not None and self.rng.random() < 0.3:
            born = None  # entered again with less detail
        return Person(self.uid(), first, last, company, company_id), born, "+".join(picked)


def generate(seed: int = 7) -> LabelledSet:
    gen = Generator(seed)
    out = LabelledSet()
    employers = gen.companies(out, COMPANIES, COMPANY_DUPLICATES)
    base = []
    for _ in range(PEOPLE):
        person, born = gen.person(employers)
        out.people.append(person)
        out.births[person.id] = born
        base.append(person)
    for original in gen.rng.sample(base, PERSON_DUPLICATES):
        copy, born, how = gen.person_variant(original, out.births[original.id])
        out.people.append(copy)
        out.births[copy.id] = born
        out.person_pairs[_pair(original.id, copy.id)] = how
    gen.rng.shuffle(out.people)
    return out


def _scores(
    found: set[tuple[uuid.UUID, uuid.UUID]], truth: dict[tuple[uuid.UUID, uuid.UUID], str]
) -> dict[str, object]:
    hits = found & set(truth)
    missed = Counter(truth[p] for p in set(truth) - found)
    total = Counter(truth.values())
    return {
        "precision": round(len(hits) / len(found), 4) if found else 1.0,
        "recall": round(len(hits) / len(truth), 4),
        "predicted": len(found),
        "true_pairs": len(truth),
        "recall_by_change": {k: round(1 - missed[k] / v, 3) for k, v in sorted(total.items()) if v >= 10},
    }


def evaluate(
    seed: int = 7, contact_threshold: float | None = None, company_threshold: float | None = None
) -> dict[str, object]:
    data = generate(seed)
    ct = matching.CONTACT_THRESHOLD if contact_threshold is None else contact_threshold
    kt = matching.COMPANY_THRESHOLD if company_threshold is None else company_threshold
    started = time.perf_counter()
    candidates = matching.contact_candidates(data.people, ct)
    people = {m.pair for m in matching.finish_contacts(candidates, data.births, ct)}
    contact_seconds = time.perf_counter() - started
    started = time.perf_counter()
    companies = {m.pair for m in matching.company_matches(data.companies, kt)}
    company_seconds = time.perf_counter() - started
    return {
        "contacts": {
            "algorithm": "folded names + nickname table, Jaro-Winkler straight/swapped, company and birth "
            "date adjustments; blocked by Soundex keys",
            "threshold": ct,
            "records": len(data.people),
            **_scores(people, data.person_pairs),
            "seconds": round(contact_seconds, 2),
        },
        "companies": {
            "algorithm": "names without legal forms, soft-token + whole-name Jaro-Winkler, domain",
            "threshold": kt,
            "records": len(data.companies),
            **_scores(companies, data.company_pairs),
            "seconds": round(company_seconds, 2),
        },
        "seed": seed,
    }


def main(argv: list[str] | None = None, emit: Callable[[str], None] = print) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--threshold-contacts", type=float, default=None)
    parser.add_argument("--threshold-companies", type=float, default=None)
    args = parser.parse_args(argv)
    emit(json.dumps(evaluate(args.seed, args.threshold_contacts, args.threshold_companies)))


SURNAME_PARTS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "ES": (("Al", "Bel", "Cal", "Cor", "Es", "Gal", "Her", "Lar", "Mar", "Nav", "Or", "Pal", "Quin", "Ri",
            "Sal", "Tor", "Val", "Zam", "Bar", "Cas"),
           ("ardo", "ero", "illo", "ueta", "ada", "iz", "ez", "ona", "ales", "aza", "ega", "uela")),
    "FR": (("Beau", "Bel", "Char", "Du", "Fon", "Gar", "Lac", "Mar", "Mont", "Pel", "Roch", "Val", "Ver",
            "Bou", "Cour"),
           ("bert", "chet", "eau", "ier", "lin", "mont", "net", "ot", "rand", "ville", "court", "det")),
    "DE": (("Alt", "Berg", "Brand", "Eich", "Feld", "Gold", "Hahn", "Kirch", "Lind", "Rosen", "Stein", "Wald",
            "Wies", "Hof", "Kalb"),
           ("bauer", "er", "hardt", "mann", "meier", "ner", "reiter", "stadt", "berger", "huber", "ler",
            "inger")),
    "PT": (("Albu", "Bar", "Cam", "Fi", "Gou", "Lou", "Mace", "Nog", "Quei", "Ro", "Tava", "Vas"),
           ("reira", "rosa", "gueira", "lho", "veia", "do", "ira", "res", "cedo", "nha")),
    "IT": (("Bar", "Cap", "Fer", "Gal", "Lan", "Mar", "Pel", "Ros", "San", "Tor", "Vil", "Zan"),
           ("ardi", "etti", "ini", "oni", "ucci", "ello", "one", "ari", "azzi", "otti")),
    "UK": (("Ash", "Black", "Brad", "Cart", "Fair", "Hart", "Kings", "Lang", "Mark", "North", "Pem", "Whit"),
           ("ley", "ford", "wood", "ton", "field", "ham", "worth", "by", "well", "more")),
    "IE": (("Mac", "O'Don", "O'Shea", "Kin", "Cul", "Dun", "Fitz", "Mul"),
           ("nell", "ahy", "lan", "gan", "roy", "sella", "gerald", "laney")),
    "NL": (("van der ", "de ", "van ", "ter ", "van den "),
           ("Berg", "Beek", "Veen", "Wal", "Hoek", "Linden", "Meer", "Bosch", "Heuvel", "Kamp")),
}  # fmt: skip
BRANDS = (
    "Atlas", "Nordic", "Helios", "Costa", "Brightwave", "Quanta", "Meridian", "Lumen", "Veloce", "Kestrel",
    "Aurora", "Solaris", "Horizon", "Nordstern", "Lusitana", "Serena", "Medisupply", "Steril", "Ortho",
    "Clearview", "Pharmalink", "Levante", "Kaltmann", "Norvik", "Brunel", "Rheinau", "Azul", "Ferrovia",
    "Greenfield", "Frescor", "Cortez", "Brennan", "Roubaix", "Alameda", "Sonrisa", "Linde", "Monceau",
    "Navigli", "Greenway", "Mediterranea", "Isartor", "Oriente", "Harbour", "Riverside", "Vista", "Stadtpark",
    "Aurelia", "Boreal", "Castellana", "Danubio", "Estrella", "Fjord", "Galena", "Iberia", "Jade", "Kronos",
    "Lagos", "Minerva", "Nimbus", "Olimpia", "Pegaso", "Quercus", "Rialto", "Sirius", "Tagus", "Ulisse",
)  # fmt: skip
KINDS = (
    "Clinic", "Dental", "Physiotherapy", "Diagnostics", "Laboratories", "Insurance", "Logistics", "Hotels",
    "Retail", "Software", "Foods", "Construction", "Medical", "Health Centre", "Pharma", "Imaging",
)  # fmt: skip


if __name__ == "__main__":
    main()
