"""String similarity for duplicate matching: folding, nicknames, Jaro-Winkler, edit distance, Soundex.

Pure functions on plain strings, memoised per process (names repeat: María, García).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections import defaultdict

_NICKNAMES: dict[str, tuple[str, ...]] = {
    # English / Irish
    "robert": ("bob", "bobby", "rob", "robbie"), "william": ("bill", "billy", "will", "willy", "liam"),
    "james": ("jim", "jimmy", "jamie"), "michael": ("mike", "mikey", "mick"), "daniel": ("dan", "danny"),
    "david": ("dave", "davy"), "thomas": ("tom", "tommy"), "anthony": ("tony",), "patrick": ("paddy", "pat"),
    "christopher": ("chris",), "elizabeth": ("liz", "lizzie", "beth", "betty", "eliza"),
    "margaret": ("maggie", "meg", "peggy"), "jennifer": ("jen", "jenny"),
    "katherine": ("kate", "katie", "kathy", "kathi", "katharina", "catherine", "kathryn"),
    "susan": ("sue", "susie", "susanne", "susi", "sanne"),
    "alexander": ("alex", "sandro", "alessandro", "alejandro", "alexandre"), "rebecca": ("becky", "becca"),
    "charlotte": ("lotte", "charlie"), "oliver": ("ollie",), "harry": ("henry", "harold"),
    # Spanish
    "jose": ("pepe", "pepito", "ze"), "francisco": ("paco", "pancho", "curro", "fran", "chico", "xico"),
    "ignacio": ("nacho",), "manuel": ("manolo", "manu"), "dolores": ("lola", "loli"),
    "enrique": ("kike", "quique"),
    "pilar": ("pili",), "rosario": ("charo",), "concepcion": ("concha", "conchi"), "fernando": ("nando",),
    "rafael": ("rafa",), "antonio": ("toni", "to"), "guillermo": ("memo",), "jesus": ("chus",),
    "javier": ("javi",), "santiago": ("santi",), "nicolas": ("nico",), "alvaro": ("alvarito",),
    # Italian
    "giuseppe": ("beppe", "peppe", "pino"), "luigi": ("gigi",), "francesca": ("franca", "franci"),
    "valentina": ("vale",), "salvatore": ("toto",), "vincenzo": ("enzo",), "giovanni": ("gianni",),
    "emanuele": ("lele",), "beatrice": ("bea",),
    # German
    "johannes": ("hannes", "hans", "johann", "joop"), "josef": ("sepp", "seppi", "jupp"),
    "maximilian": ("max", "maxi"), "florian": ("flo",), "sebastian": ("basti",), "stefanie": ("steffi",),
    "andreas": ("andi",), "ulrich": ("uli",), "franziska": ("franzi",), "matthias": ("matze",),
    "tobias": ("tobi",), "friedrich": ("fritz",), "heinrich": ("heinz",),
    # French
    "emmanuel": ("manu",), "sebastien": ("seb",), "frederic": ("fred",), "stephane": ("steph",),
    "dominique": ("dom",),
    # Portuguese
    "joaquim": ("quim",), "margarida": ("guida",), "beatriz": ("bia",), "filipa": ("pipa",),
    # Dutch
    "willem": ("wim", "pim"), "abraham": ("bram",), "cornelis": ("kees",), "hendrik": ("henk",),
    "nicolaas": ("klaas",), "maria": ("ria", "mieke"), "matthijs": ("thijs",), "rudolf": ("ruud",),
}  # fmt: skip
NICKNAMES: dict[str, frozenset[str]] = defaultdict(frozenset)
for _canonical, _short in _NICKNAMES.items():
    for _name in (_canonical, *_short):
        NICKNAMES[_name] = NICKNAMES[_name] | {_canonical}

# fmt: off
LEGAL_FORMS = frozenset((
    "sl", "slu", "sa", "sau", "sas", "sarl", "srl", "spa", "snc", "gmbh", "ag", "kg", "ug", "ltd", "limited",
    "plc", "llc", "llp", "inc", "corp", "corporation", "co", "bv", "nv", "lda",
))
CONNECTORS = frozenset((
    "and", "e", "y", "und", "et", "the", "of", "de", "del", "du", "la", "le", "les", "der", "die", "das",
    "di", "da", "do", "dos", "van", "von",
))
# fmt: on
_NON_WORD = re.compile(r"[^a-z0-9]+")


@functools.lru_cache(maxsize=1 << 16)
def fold(value: str | None) -> str:
    """Lowercase ASCII words: accents dropped, punctuation to spaces, whitespace collapsed."""
    if not value:
        return ""
    plain = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode().lower()
    return " ".join(_NON_WORD.sub(" ", plain.replace("'", "")).split())


def ascii_words(value: str | None, sep: str = " ") -> str:
    """``fold`` joined with ``sep`` (``"Clínica Sonrisa"``, "-" -> ``clinica-sonrisa``)."""
    return sep.join(fold(value).split())


@functools.lru_cache(maxsize=1 << 16)
def first_forms(first: str) -> frozenset[str]:
    folded = fold(first)
    head = folded.split(" ", 1)[0] if folded else ""
    return NICKNAMES.get(head, frozenset()) | {folded, head} - {""}


@functools.lru_cache(maxsize=1 << 16)
def canonical_first(first: str) -> str:
    folded = fold(first)
    head = folded.split(" ", 1)[0] if folded else ""
    forms = NICKNAMES.get(head)
    return min(forms) if forms else head


def jaro(a: str, b: str) -> float:
    if a == b:
        return 1.0 if a else 0.0
    la, lb = len(a), len(b)
    if not la or not lb:
        return 0.0
    window = max(max(la, lb) // 2 - 1, 0)
    used_b = [False] * lb
    matched_a: list[str] = []
    for i, ch in enumerate(a):
        for j in range(max(0, i - window), min(i + window + 1, lb)):
            if not used_b[j] and b[j] == ch:
                used_b[j] = True
                matched_a.append(ch)
                break
    m = len(matched_a)
    if not m:
        return 0.0
    matched_b = [b[j] for j in range(lb) if used_b[j]]
    transpositions = sum(x != y for x, y in zip(matched_a, matched_b, strict=True)) / 2
    return (m / la + m / lb + (m - transpositions) / m) / 3


def edit_distance(a: str, b: str, limit: int = 3) -> int:
    """Optimal string alignment distance (a transposition is one edit), capped at ``limit``."""
    if abs(len(a) - len(b)) >= limit:
        return limit
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) >= limit:
            return limit
        previous2, previous = previous, current
    return min(previous[-1], limit)


@functools.lru_cache(maxsize=1 << 16)
def typo_similarity(a: str, b: str) -> float:
    """Jaro-Winkler, capped when the strings are further apart than a typo or two:
    Steinmeier/Steiner share a prefix (JW 0.92) but are four edits apart."""
    similarity = jaro_winkler(a, b)
    distance = edit_distance(a, b)
    if distance >= 3:
        return min(similarity, 0.8)
    if distance == 2 and min(len(a), len(b)) < 8:
        return min(similarity, 0.9)
    return similarity


@functools.lru_cache(maxsize=1 << 16)
def jaro_winkler(a: str, b: str, prefix_scale: float = 0.1) -> float:
    similarity = jaro(a, b)
    if similarity <= 0.7:
        return similarity
    prefix = 0
    for x, y in zip(a[:4], b[:4], strict=False):
        if x != y:
            break
        prefix += 1
    return similarity + prefix * prefix_scale * (1 - similarity)


_SOUNDEX = {
    ch: str(code)
    for code, letters in enumerate(("bfpv", "cgjkqsxz", "dt", "l", "mn", "r"), 1)
    for ch in letters
}


@functools.lru_cache(maxsize=1 << 16)
def soundex(word: str) -> str:
    """American Soundex of a folded word (``robert`` -> ``r163``); '' for no letters."""
    letters = [ch for ch in word if "a" <= ch <= "z"]
    if not letters:
        return ""
    digits, previous = [], _SOUNDEX.get(letters[0], "")
    for ch in letters[1:]:
        code = _SOUNDEX.get(ch, "")
        if code and code != previous:
            digits.append(code)
        if ch not in "hw":
            previous = code
    return (letters[0] + "".join(digits) + "000")[:4]
