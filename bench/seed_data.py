"""Deterministic bench rows, rendered as COPY text. Pure functions of (organisation, chunk).

Every row of every table is a function of its organisation index, its table and its row
number, so chunks can be generated in any order by any number of processes and two runs
produce the same data (except AES-GCM nonces, which must be random). Ids are a bijection
of (org, table, row) onto 128 bits, so references between tables need no look-up.
"""

from __future__ import annotations

import datetime as dt
import itertools
import random
from dataclasses import dataclass, field
from typing import Any

CHUNK = 25_000
_K = 0x9E3779B97F4A7C15F39CC0605CEDC835  # odd: multiplication by it mod 2^128 is a bijection
_MASK = (1 << 128) - 1

T_COMPANY, T_CONTACT, T_DEAL, T_ACTIVITY, T_PIPELINE, T_STAGE, T_FIELD = 1, 2, 3, 4, 5, 6, 7

ANCHOR = dt.datetime(2026, 11, 27, tzinfo=dt.UTC)  # "now" of the data set (fixed: deterministic)
SPAN_DAYS = 3 * 365
_START = ANCHOR - dt.timedelta(days=SPAN_DAYS)
_START_EPOCH = int(_START.timestamp())
_FUTURE_DAYS = 400
_DAYS = [(_START + dt.timedelta(days=d)).strftime("%Y-%m-%d") for d in range(SPAN_DAYS + _FUTURE_DAYS)]
NOW_S = SPAN_DAYS * 86400  # seconds since _START


def ident_int(org: int, table: int, row: int) -> int:
    return (((org << 120) | (table << 112) | row) * _K) & _MASK


def ident(org: int, table: int, row: int) -> str:
    """A uuid (32 hex digits, which PostgreSQL accepts as uuid input)."""
    return "%032x" % ((((org << 120) | (table << 112) | row) * _K) & _MASK)


_TIMES = [f" {s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}+00" for s in range(86400)]


def ts(seconds: int) -> str:
    """Timestamp text for ``seconds`` after the data set's start (UTC)."""
    return _DAYS[seconds // 86400] + _TIMES[seconds % 86400]


def day(seconds: int) -> str:
    return _DAYS[seconds // 86400]


# --- vocabularies (plain ASCII, no tab/newline/backslash: safe in COPY text unescaped) -------------

FIRST_NAMES = (
    "James Mary John Patricia Robert Jennifer Michael Linda William Elizabeth David Barbara Richard Susan "
    "Joseph Jessica Thomas Sarah Charles Karen Christopher Lisa Daniel Nancy Matthew Betty Anthony "
    "Margaret Mark Sandra Donald Ashley Steven Kimberly Paul Emily Andrew Donna Joshua Michelle Kenneth "
    "Carol Kevin Amanda Brian Dorothy George Melissa Timothy Deborah Ronald Stephanie Edward Rebecca "
    "Jason Sharon Jeffrey Laura Ryan Cynthia Jacob Kathleen Gary Amy Nicholas Angela Eric Shirley "
    "Jonathan Anna Stephen Brenda Larry Pamela Justin Emma Scott Nicole Brandon Helen Benjamin Samantha "
    "Samuel Katherine Gregory Christine Alexander Debra Frank Rachel Patrick Carolyn Raymond Janet Jack "
    "Catherine Dennis Maria Jerry Heather Tyler Diane Aaron Ruth Jose Julie Adam Olivia Nathan Joyce "
    "Henry Virginia Douglas Victoria Zachary Kelly Peter Lauren Kyle Christina Ethan Joan Walter Evelyn "
    "Noah Judith Jeremy Megan Christian Andrea Keith Cheryl Roger Hannah Terry Jacqueline Gerald Martha "
    "Harold Gloria Sean Teresa Austin Ann Carl Sara Arthur Madison Lawrence Frances Dylan Kathryn Jesse "
    "Janice Jordan Jean Bryan Abigail Billy Alice Joe Judy Bruce Sophia Gabriel Grace Logan Denise Albert "
    "Amber Willie Doris Alan Marilyn Juan Danielle Wayne Beverly Elijah Isabella Randy Theresa Roy Diana "
    "Vincent Natalie Ralph Brittany Eugene Charlotte Russell Marie Bobby Kayla Mason Alexis Philip Lori "
    "Louis Amelie Lukas Sofia Mateo Ines Yusuf"
).split()
LAST_NAMES = (
    "Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez Gonzalez "
    "Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson White Harris Sanchez Clark "
    "Ramirez Lewis Robinson Walker Young Allen King Wright Scott Torres Nguyen Hill Flores Green Adams "
    "Nelson Baker Hall Rivera Campbell Mitchell Carter Roberts Gomez Phillips Evans Turner Diaz Parker "
    "Cruz Edwards Collins Reyes Stewart Morris Morales Murphy Cook Rogers Gutierrez Ortiz Morgan Cooper "
    "Peterson Bailey Reed Kelly Howard Ramos Kim Cox Ward Richardson Watson Brooks Chavez Wood James "
    "Bennett Gray Mendoza Ruiz Hughes Price Alvarez Castillo Sanders Patel Myers Long Ross Foster Jimenez "
    "Powell Jenkins Perry Russell Sullivan Bell Coleman Butler Henderson Barnes Gonzales Fisher Vasquez "
    "Simmons Romero Jordan Patterson Alexander Hamilton Graham Reynolds Griffin Wallace Moreno West Cole "
    "Hayes Bryant Herrera Gibson Ellis Tran Medina Aguilar Stevens Murray Ford Castro Marshall Owens "
    "Harrison Fernandez McDonald Woods Washington Kennedy Wells Vargas Henry Chen Freeman Webb Tucker "
    "Guzman Burns Crawford Olson Simpson Porter Hunter Gordon Mendez Silva Shaw Snyder Mason Dixon Munoz "
    "Hunt Hicks Holmes Palmer Wagner Black Robertson Boyd Rose Stone Salazar Fox Warren Mills Meyer Rice "
    "Schmidt Garza Daniels Ferguson Nichols Stephens Soto Weaver Ryan Gardner Payne Grant Dunn Kelley "
    "Spencer Hawkins Arnold Pierce Vazquez Hansen Peters Santos Hart Bradley Knight Elliott Cunningham "
    "Duncan Armstrong Hudson Carroll Lane Riley Andrews Alvarado Ray Delgado Berry Perkins Hoffman "
    "Johnston Matthews Pena Richards Okafor Mueller Novak Kowalski Rossi Dubois Lindqvist Tanaka Haddad "
    "Kaur Achterberg Quispe Zubiri"
).split()
JOB_TITLES = (
    "Chief Medical Officer",
    "Practice Manager",
    "Head of Procurement",
    "Clinic Director",
    "Nurse Manager",
    "Operations Manager",
    "Purchasing Officer",
    "Medical Director",
    "Head of Nursing",
    "IT Manager",
    "Finance Director",
    "Office Manager",
    "General Practitioner",
    "Dentist",
    "Physiotherapist",
    "Radiologist",
    "Pharmacist",
    "Lab Manager",
    "Quality Manager",
    "Head of Patient Services",
    "Chief Executive Officer",
    "Chief Financial Officer",
    "Chief Operating Officer",
    "Marketing Manager",
    "Sales Director",
    "Account Executive",
    "Referral Coordinator",
    "Care Coordinator",
    "Receptionist",
    "Surgeon",
    "Cardiologist",
    "Dermatologist",
    "Pediatrician",
    "Orthopedist",
    "Psychologist",
    "Optometrist",
    "Hospital Administrator",
    "Compliance Officer",
    "Billing Specialist",
    "Consultant",
)
LIFECYCLE = ("subscriber", "lead", "qualified", "opportunity", "patient", "customer", "referrer", "other")
LIFECYCLE_WEIGHTS = (10, 30, 15, 10, 15, 12, 5, 3)
TAGS = ("vip", "newsletter", "event-2026", "referral", "churn-risk", "priority", "partner", "do-not-call")
MAIL_DOMAINS = ("mail.example", "post.example", "inbox.example", "clinic.example", "health.example")
COMPANY_ADJ = (
    "North South East West Central Coastal Valley Mountain River Lake Harbor Summit Pine Oak Cedar Maple "
    "Silver Golden Blue Green Bright Clear Prime Royal United Allied Pioneer Liberty Heritage Evergreen "
    "Sunrise Horizon Meridian Crescent Unity Vital Pure Nova Apex Zenith Atlas Orion Polaris Vista Grand "
    "Metro Civic Regional Premier First Modern Advanced Integrated Family Community Total Swift Noble "
    "Keystone"
).split()
COMPANY_NOUN = (
    "Health Medical Care Clinic Dental Vision Family Wellness Therapy Rehab Imaging Diagnostics Labs "
    "Pharmacy Surgical Cardio Ortho Pediatrics Dermatology Hearing Spine Sleep Fertility Oncology Neuro "
    "Women's Senior Sports Urgent Primary Specialty Mobile Digital Home Mental Nutrition Skin Eye Bone "
    "Heart Lung Kidney Joint Foot Hand Voice Gut Blood Cell Gene Bio Life Med Cure Heal Aid Path Trust "
    "Point Bridge Gate Way Line Link Source Hub Group"
).split()
COMPANY_SUFFIX = (
    "Partners",
    "Associates",
    "Group",
    "Center",
    "Centre",
    "Institute",
    "Clinic",
    "Practice",
    "Network",
    "Alliance",
    "Services",
    "Solutions",
    "Systems",
    "Holdings",
    "Ltd",
    "GmbH",
    "SA",
    "BV",
    "Inc",
    "LLC",
    "Foundation",
    "Cooperative",
    "Collective",
    "Consortium",
    "Trust",
    "Labs",
    "Hospital",
    "Medical Center",
    "Health System",
    "Care Home",
    "Polyclinic",
    "Specialists",
    "Experts",
    "Providers",
    "Physicians",
    "Doctors",
    "Therapists",
    "Consultants",
    "Ventures",
    "Enterprises",
    "International",
    "Europe",
)
INDUSTRIES = (
    "Hospital",
    "Private clinic",
    "Dental",
    "Pharmacy",
    "Laboratory",
    "Imaging",
    "Physiotherapy",
    "Elderly care",
    "Mental health",
    "Optometry",
    "Medical devices",
    "Insurance",
    "Public health",
    "Veterinary",
    "Research",
    "Telehealth",
    "Home care",
    "Rehabilitation",
    "Wellness",
    "Distribution",
)
CITIES = (
    "London",
    "Paris",
    "Berlin",
    "Madrid",
    "Lisbon",
    "Dublin",
    "Amsterdam",
    "Brussels",
    "Vienna",
    "Zurich",
    "Milan",
    "Warsaw",
    "Prague",
    "Copenhagen",
    "Stockholm",
    "Oslo",
    "Helsinki",
    "Athens",
)
REFERRAL_SOURCES = (
    "Google Ads",
    "Referral partner",
    "Trade show",
    "Website form",
    "Cold call",
    "LinkedIn",
    "Webinar",
    "Newsletter",
    "Existing patient",
    "Physician referral",
    "Insurance portal",
    "Conference",
    "Podcast",
    "Print ad",
    "Radio",
    "Walk-in",
    "Partner clinic",
    "Social media",
    "Content download",
    "Email campaign",
    "Direct mail",
    "Affiliate",
    "Review site",
    "Community event",
    "Hospital network",
    "Word of mouth",
    "Sponsorship",
    "Health fair",
    "Search organic",
    "Other",
)
PRODUCTS = (
    "EHR licence",
    "Imaging suite",
    "Lab panel contract",
    "Telehealth plan",
    "Supply agreement",
    "Service contract",
    "Training package",
    "Analytics add-on",
    "Scheduling module",
    "Billing module",
)
LOST_REASONS = ("Price", "Competitor", "No budget", "Timing", "No decision", "Feature gap", "Went silent")
ACTIVITY_KINDS = ("note", "call", "meeting", "email", "task")
ACTIVITY_WEIGHTS = (35, 20, 15, 20, 10)
SUBJECTS = {
    "note": (
        "Notes from visit",
        "Internal note",
        "Account update",
        "Clinical workflow notes",
        "Budget notes",
    ),
    "call": ("Intro call", "Follow-up call", "Discovery call", "Pricing call", "Check-in call"),
    "meeting": ("Demo", "Onsite visit", "Quarterly review", "Kick-off meeting", "Contract review"),
    "email": ("Sent proposal", "Sent brochure", "Replied to question", "Sent contract", "Shared case study"),
    "task": ("Follow up", "Send quote", "Schedule demo", "Prepare proposal", "Call back", "Renewal check"),
}
WORDS = (
    "patient scheduling referral imaging budget contract renewal pricing demo onboarding training clinic "
    "workflow integration compliance insurance billing lab results dashboard telehealth rollout pilot "
    "surgery waiting list capacity staff nurses physicians procurement tender approval board quarter "
    "decision timeline competitor feature request support ticket feedback satisfied concerned follow "
    "meeting proposal discount volume licence seats migration data privacy consent security audit invoice "
    "payment terms signature legal review department director chief manager coordinator expansion second "
    "site new location radiology cardiology dermatology pediatrics orthopedics dental pharmacy inventory "
    "supplies devices maintenance upgrade outage escalation resolved pending urgent next week monday "
    "friday morning afternoon call back email sent brochure case study reference visit tour presentation "
    "slides questions answered objections price value roi savings efficiency reporting analytics forecast "
    "growth patients visits appointments reminders no shows reduced improved"
).split()


@dataclass
class OrgLayout:
    """What the generators need to know about one organisation (all plain, picklable data)."""

    index: int
    id: str
    users: list[str]
    pipeline_id: str
    stage_ids: list[str]
    field_ids: dict[str, str] = field(default_factory=dict)
    n_companies: int = 0
    n_contacts: int = 0
    n_deals: int = 0
    n_activities: int = 0


STAGES = (  # name, probability, is_won, is_lost, share of deals
    ("Qualification", 10, False, False, 20),
    ("Discovery", 25, False, False, 15),
    ("Proposal", 50, False, False, 15),
    ("Negotiation", 75, False, False, 10),
    ("Won", 100, True, False, 20),
    ("Lost", 0, False, True, 20),
)
CUSTOM_FIELDS = (  # key, label, type
    ("referral_source", "Referral source", "text"),
    ("lifetime_value", "Lifetime value", "number"),
)


def _cumulative(weights: tuple[int, ...]) -> list[float]:
    total, acc, out = sum(weights), 0, []
    for w in weights:
        acc += w
        out.append(acc / total)
    return out


_FIRST_W = list(itertools.accumulate(1 / (r + 8) for r in range(len(FIRST_NAMES))))
_LAST_W = list(itertools.accumulate(1 / (r + 5) for r in range(len(LAST_NAMES))))
_LIFE_CUM = _cumulative(LIFECYCLE_WEIGHTS)
_ACT_CUM = _cumulative(ACTIVITY_WEIGHTS)
_STAGE_CUM = _cumulative(tuple(s[4] for s in STAGES))
_REF_W = list(itertools.accumulate(1 / (r + 3) for r in range(len(REFERRAL_SOURCES))))


def _pick(cum: list[float], u: float) -> int:
    for i, c in enumerate(cum):
        if u < c:
            return i
    return len(cum) - 1


def _rng(org: int, what: str, chunk: int) -> random.Random:
    return random.Random(f"bench:{org}:{what}:{chunk}")  # str seeds hash with SHA-512: stable across runs


def chunk_size(total: int) -> int:
    """Rows per chunk: a function of the table's size only, so every phase cuts a table alike."""
    return max(1000, min(CHUNK, total // 8))


def chunks(total: int) -> list[tuple[int, int, int]]:
    size = chunk_size(total)
    return [(c, c * size, min(total, (c + 1) * size)) for c in range((total + size - 1) // size)]


def company_name(j: int) -> str:
    a, n, s = len(COMPANY_ADJ), len(COMPANY_NOUN), len(COMPANY_SUFFIX)
    k = (j * 7919) % (a * n * s)
    return f"{COMPANY_ADJ[k % a]} {COMPANY_NOUN[(k // a) % n]} {COMPANY_SUFFIX[(k // (a * n)) % s]}"


def company_domain(j: int) -> str:
    return company_name(j).lower().replace("'", "").replace(" ", "-") + f"-{j}.example"


def _tags(rng: random.Random) -> str:
    rand = rng.random
    u = rand()
    if u < 0.7:
        return "{}"
    if u < 0.92:
        return "{" + TAGS[int(rand() * len(TAGS))] + "}"
    a, b = rng.sample(TAGS, 2)
    return "{" + a + "," + b + "}"


def _hex(value: bytes) -> str:
    return "\\\\x" + value.hex()  # bytea in COPY text: the backslash itself is escaped


# --- companies ------------------------------------------------------------------------------------

COMPANY_COLUMNS = (
    "id, organization_id, name, domain, industry, employee_count, annual_revenue, currency, address, "
    "created_at, updated_at, tags, version, deleted_at, owner_id, created_by"
)


def companies_chunk(org: OrgLayout, chunk: int, start: int, end: int) -> bytes:
    rng = _rng(org.index, "companies", chunk)
    rand = rng.random
    users, n_users = org.users, len(org.users)
    out = []
    for j in range(start, end):
        created = int(rand() * NOW_S)
        updated = created + int((NOW_S - created) * rand() ** 3)
        owner = users[int(rand() * n_users)]
        employees = int(5 * (1 / (rand() + 0.001)))
        revenue = f"{employees * (40_000 + int(rand() * (160_000 - (40_000))))}.00"
        address = '{"city": "' + CITIES[int(rand() * len(CITIES))] + '"}' if rand() < 0.8 else "\\N"
        deleted = ts(updated) if rand() < 0.005 else "\\N"
        out.append(
            "\t".join(
                (
                    ident(org.index, T_COMPANY, j),
                    org.id,
                    company_name(j),
                    company_domain(j),
                    INDUSTRIES[int(rand() * len(INDUSTRIES))],
                    str(employees),
                    revenue,
                    "EUR",
                    address,
                    ts(created),
                    ts(updated),
                    _tags(rng),
                    str(1 + int(rand() * 3)),
                    deleted,
                    owner,
                    owner,
                )
            )
        )
    return ("\n".join(out) + "\n").encode()


# --- contacts, their identifiers, their custom values --------------------------------------------

CONTACT_COLUMNS = (
    "id, organization_id, first_name, last_name, job_title, company_id, company_name, lifecycle_stage, "
    "consent_email, consent_sms, consent_whatsapp, emails, phones, created_at, updated_at, tags, version, "
    "deleted_at, owner_id, created_by"
)
IDENTIFIER_COLUMNS = "contact_id, kind, blind_index, is_primary, organization_id"
CUSTOM_VALUE_COLUMNS = "field_id, record_id, value_text, value_number, organization_id"


def people(org: int, chunk: int, start: int, end: int) -> list[tuple[str, str, list[str], list[str]]]:
    """(first, last, emails, phones) per contact: the same whichever phase asks."""
    rng = _rng(org, "people", chunk)
    rand = rng.random
    firsts = rng.choices(FIRST_NAMES, cum_weights=_FIRST_W, k=end - start)
    lasts = rng.choices(LAST_NAMES, cum_weights=_LAST_W, k=end - start)
    out = []
    for n, i in enumerate(range(start, end)):
        first, last = firsts[n], lasts[n]
        emails = [f"{first.lower()}.{last.lower()}{i}@{MAIL_DOMAINS[i % len(MAIL_DOMAINS)]}"]
        if rand() < 0.1:
            emails.append(f"{first[0].lower()}{last.lower()}.{i}@work.example")
        phones = []
        if rand() < 0.7:
            phones.append(
                f"+1 {200 + (i * 37) % 800} {(i * 7919 + org) % 1000:03d} {(i * 104729) % 10000:04d}"
            )
        out.append((first, last, emails, phones))
    return out


def email_of(org: int, i: int, n_contacts: int) -> str:
    """The primary e-mail of contact ``i`` (for exact-search benchmarks): replays its whole chunk."""
    size = chunk_size(n_contacts)
    chunk = i // size
    start = chunk * size
    return people(org, chunk, start, min(n_contacts, start + size))[i - start][2][0]


def contacts_chunk(org: OrgLayout, chunk: int, start: int, end: int, cipher: Any) -> bytes:
    """Rows of ``contacts`` with real AES-GCM ciphertext for e-mails and phones (bound to the row)."""
    import uuid

    rng = _rng(org.index, "contacts", chunk)

    rand = rng.random
    users, n_users = org.users, len(org.users)
    encrypt = cipher.encrypt
    out = []
    for n, (first, last, emails, phones) in enumerate(people(org.index, chunk, start, end)):
        i = start + n
        row_int = ident_int(org.index, T_CONTACT, i)
        row_uuid = uuid.UUID(int=row_int)
        created = int(rand() * NOW_S)
        updated = created + int((NOW_S - created) * rand() ** 3)
        if rand() < 0.8:
            j = int(rand() * org.n_companies)
            company_id, cname = ident(org.index, T_COMPANY, j), company_name(j)
        else:
            company_id = cname = "\\N"
        owner = users[int(rand() * n_users)]
        emails_ct = _hex(
            encrypt('["' + '", "'.join(emails) + '"]', "contacts", "emails", row_uuid)
        )  # = json.dumps
        phones_ct = (
            _hex(encrypt('["' + '", "'.join(phones) + '"]', "contacts", "phones", row_uuid))
            if phones
            else "\\N"
        )
        deleted = ts(updated) if rand() < 0.005 else "\\N"
        out.append(
            "\t".join(
                (
                    f"{row_int:032x}",
                    org.id,
                    first,
                    last,
                    JOB_TITLES[int(rand() * len(JOB_TITLES))],
                    company_id,
                    cname,
                    LIFECYCLE[_pick(_LIFE_CUM, rand())],
                    "t" if rand() < 0.6 else "f",
                    "t" if rand() < 0.3 else "f",
                    "t" if rand() < 0.1 else "f",
                    emails_ct,
                    phones_ct,
                    ts(created),
                    ts(updated),
                    _tags(rng),
                    str(1 + int(rand() * 3)),
                    deleted,
                    owner,
                    owner,
                )
            )
        )
    return ("\n".join(out) + "\n").encode()


def identifiers_chunk(org: OrgLayout, chunk: int, start: int, end: int, cipher: Any) -> bytes:
    """Blind indexes (per-organisation HMAC keys) of every e-mail and phone: exact search and dedupe."""
    out = []
    blind = cipher.blind_index
    for n, (_first, _last, emails, phones) in enumerate(people(org.index, chunk, start, end)):
        cid = ident(org.index, T_CONTACT, start + n)
        for kind, values in (("email", emails), ("phone", phones)):
            seen: set[bytes] = set()
            for position, value in enumerate(values):
                index = blind(value, kind)
                if index in seen:
                    continue
                seen.add(index)
                out.append(f"{cid}\t{kind}\t{_hex(index)}\t{'t' if position == 0 else 'f'}\t{org.id}")
    return ("\n".join(out) + "\n").encode() if out else b""


def custom_values_chunk(org: OrgLayout, chunk: int, start: int, end: int) -> bytes:
    rng = _rng(org.index, "custom", chunk)
    rand = rng.random
    text_field, number_field = org.field_ids["referral_source"], org.field_ids["lifetime_value"]
    sources = rng.choices(REFERRAL_SOURCES, cum_weights=_REF_W, k=end - start)
    out = []
    for n, i in enumerate(range(start, end)):
        cid = ident(org.index, T_CONTACT, i)
        if rand() < 0.8:
            out.append(f"{text_field}\t{cid}\t{sources[n]}\t\\N\t{org.id}")
        if rand() < 0.7:
            value = round(rng.lognormvariate(7.0, 1.2), 2)
            out.append(f"{number_field}\t{cid}\t\\N\t{value:.2f}\t{org.id}")
    return ("\n".join(out) + "\n").encode()


# --- deals ----------------------------------------------------------------------------------------

DEAL_COLUMNS = (
    "id, organization_id, name, amount, currency, pipeline_id, stage_id, board_rank, probability, "
    "expected_close_date, company_id, status, lost_reason, closed_at, stage_entered_at, created_at, "
    "updated_at, tags, version, deleted_at, owner_id, created_by"
)
_B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"  # ascending in the C collation
RANK_WIDTH = 6


def board_rank(position: int, total: int) -> str:
    """Fractional index: evenly spaced base-62 keys, room for ~190k inserts between neighbours at 300k."""
    value = (position + 1) * (62**RANK_WIDTH // (total + 1))
    digits = []
    for _ in range(RANK_WIDTH):
        value, r = divmod(value, 62)
        digits.append(_B62[r])
    return "".join(reversed(digits))


def deals_chunk(org: OrgLayout, chunk: int, start: int, end: int) -> bytes:
    rng = _rng(org.index, "deals", chunk)
    rand = rng.random
    users, n_users, total = org.users, len(org.users), org.n_deals
    # Board order is a permutation of creation order (coprime stride), so ranks are unique.
    stride = 7919 if total % 7919 else 7907
    out = []
    for i in range(start, end):
        stage = _pick(_STAGE_CUM, rand())
        _name, probability, won, lost, _ = STAGES[stage]
        created = int(rand() * NOW_S)
        j = int(rand() * org.n_companies)
        cname = company_name(j)
        amount = f"{(500 + int(rand() * (250_000 - (500))))}.00"
        if won or lost:
            closed = created + int(rand() * max(1, NOW_S - created))
            status, closed_at, close_date = ("won" if won else "lost"), ts(closed), day(closed)
            updated = closed
            reason = LOST_REASONS[int(rand() * len(LOST_REASONS))] if lost else "\\N"
        else:
            status, closed_at, reason = "open", "\\N", "\\N"
            close_date = day(NOW_S + (-60 * 86400 + int(rand() * (300 * 86400 - (-60 * 86400)))))
            updated = created + int((NOW_S - created) * rand() ** 2)
        owner = users[int(rand() * n_users)]
        deleted = ts(updated) if rand() < 0.003 else "\\N"
        out.append(
            "\t".join(
                (
                    ident(org.index, T_DEAL, i),
                    org.id,
                    f"{cname} - {PRODUCTS[int(rand() * len(PRODUCTS))]}",
                    amount,
                    "EUR",
                    org.pipeline_id,
                    org.stage_ids[stage],
                    board_rank((i * stride) % total, total),
                    str(probability),
                    close_date,
                    ident(org.index, T_COMPANY, j),
                    status,
                    reason,
                    closed_at,
                    ts(updated),
                    ts(created),
                    ts(updated),
                    _tags(rng),
                    "1",
                    deleted,
                    owner,
                    owner,
                )
            )
        )
    return ("\n".join(out) + "\n").encode()


# --- activities -----------------------------------------------------------------------------------

ACTIVITY_COLUMNS = (
    "id, organization_id, kind, subject, body, occurred_at, due_at, reminder_at, completed_at, "
    "duration_minutes, owner_id, contact_id, company_id, deal_id, deleted_at, created_at, updated_at"
)


def activities_chunk(org: OrgLayout, chunk: int, start: int, end: int) -> bytes:
    rng = _rng(org.index, "activities", chunk)
    rand = rng.random
    users, n_users = org.users, len(org.users)
    n_words = len(WORDS)
    out = []
    for i in range(start, end):
        kind = ACTIVITY_KINDS[_pick(_ACT_CUM, rand())]
        subjects = SUBJECTS[kind]
        subject = subjects[int(rand() * len(subjects))]
        if kind == "note" or rand() < 0.4:
            body = " ".join(WORDS[int(rand() * n_words)] for _ in range(6 + int(rand() * (30 - (6)))))
        else:
            body = "\\N"
        occurred = int(rand() * NOW_S)
        due = reminder = completed = duration = "\\N"
        if kind == "task":
            due_s = NOW_S + (-90 * 86400 + int(rand() * (60 * 86400 - (-90 * 86400))))
            due, reminder = ts(due_s), ts(due_s - 3600)
            if due_s < NOW_S and rand() < 0.7:
                completed = ts(min(NOW_S - 1, due_s + (0 + int(rand() * (5 * 86400 - (0))))))
            occurred = min(occurred, due_s)
        elif kind in ("call", "meeting"):
            duration = str((5, 10, 15, 30, 45, 60, 90)[int(rand() * 7)])
        u = rand()
        contact = company = deal = "\\N"
        if u < 0.7:
            contact = ident(org.index, T_CONTACT, int(rand() * org.n_contacts))
        elif u < 0.85:
            company = ident(org.index, T_COMPANY, int(rand() * org.n_companies))
        else:
            deal = ident(org.index, T_DEAL, int(rand() * org.n_deals))
        owner = users[int(rand() * n_users)]
        deleted = ts(occurred) if rand() < 0.002 else "\\N"
        out.append(
            "\t".join(
                (
                    ident(org.index, T_ACTIVITY, i),
                    org.id,
                    kind,
                    subject,
                    body,
                    ts(occurred),
                    due,
                    reminder,
                    completed,
                    duration,
                    owner,
                    contact,
                    company,
                    deal,
                    deleted,
                    ts(occurred),
                    ts(occurred),
                )
            )
        )
    return ("\n".join(out) + "\n").encode()
