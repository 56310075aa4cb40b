"""The demo organisation's CRM data, planned in memory: deterministic, plain values, no I/O.

``build_plan`` returns rows (dicts of model columns) for companies, contacts, leads, pipelines,
stages, deals and their links; ``crm.organization.demo_activities`` adds the activities and
``crm.organization.demo`` encrypts the PII and inserts everything. Same seed, organisation id
and day give the same ids and values: ids are UUIDv5 of the organisation and a label, and every
other value comes from one seeded RNG (the PII differs only in its ciphertext, whose nonce is
random, and its blind index, whose key is the organisation's).

Lead outcomes follow a known propensity, so lead scoring has something real to learn:
``logit p = -1.35 + source + seniority + company size + 0.38 * touches`` (weights below), where
touches (calls, e-mails, meetings logged on the lead) grow with a latent interest that the
source also nudges. Deals close after a sales cycle drawn per line of business; their win
rate falls with size, so forecasting sees past periods with won, lost and slipping deals.
"""

from __future__ import annotations

import datetime as dt
import math
import random
import unicodedata
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from crm.organization import demo_corpus as corpus
from crm.organization.demo_corpus import CompanySpec, Kind
from crm.pipeline.ranking import keys_between

SEED = 20_260_101
SPAN_DAYS = 548  # 18 months
PATIENT_PIPELINE = "Patient journey"
CORPORATE_PIPELINE = "Corporate accounts"
PIPELINES: dict[str, tuple[tuple[str, int, bool, bool], ...]] = {
    PATIENT_PIPELINE: (
        ("Enquiry", 10, False, False),
        ("Consultation booked", 25, False, False),
        ("Treatment plan", 50, False, False),
        ("Proposal sent", 75, False, False),
        ("Won", 100, True, False),
        ("Lost", 0, False, True),
    ),
    CORPORATE_PIPELINE: (
        ("Qualification", 10, False, False),
        ("Needs analysis", 25, False, False),
        ("Proposal", 50, False, False),
        ("Negotiation", 75, False, False),
        ("Won", 100, True, False),
        ("Lost", 0, False, True),
    ),
}
COUNTS = {"contacts": 400, "leads": 300, "deals": 150}
PLANTED_DUPLICATES = 10

SOURCE_W = {
    "referral": 1.1,
    "partner": 0.7,
    "event": -0.3,
    "web_form": 0.2,
    "paid_ads": 0.3,
    "cold_outbound": -1.0,
}
SENIORITY_W = {"c_level": 0.4, "director": 0.8, "manager": 0.3, "individual": -0.5, "unknown": -0.2}
CORPORATE_SOURCES = {
    "referral": 15,
    "partner": 12,
    "event": 18,
    "web_form": 18,
    "paid_ads": 10,
    "cold_outbound": 27,
}
PATIENT_SOURCES = {"web_form": 45, "paid_ads": 30, "referral": 20, "event": 5}
SENIORITY_P = {"c_level": 15, "director": 25, "manager": 35, "individual": 25}
NICKNAMES = {
    "José": "Pepe", "Francisco": "Paco", "Ignacio": "Nacho", "Manuel": "Manolo", "Dolores": "Lola",
    "Enrique": "Kike", "William": "Bill", "Robert": "Bob", "Margaret": "Maggie", "Elizabeth": "Liz",
    "Giuseppe": "Beppe", "Johannes": "Hannes", "Michael": "Mike", "Daniel": "Dan", "Alessandro": "Sandro",
    "Katharina": "Kathi", "Maximilian": "Max", "Nicolas": "Nico", "Francesca": "Franca", "Patrick": "Paddy",
}  # fmt: skip

Row = dict[str, Any]


def size_weight(employees: int | None) -> float:
    if employees is None:
        return 0.0
    if employees < 50:
        return -0.4
    if employees < 250:
        return 0.5
    if employees < 1000:
        return 0.3
    return -0.3


def seniority_of(title: str | None) -> str:
    if not title:
        return "unknown"
    for level in ("c_level", "director", "manager"):
        if any(title == t for titles in corpus.TITLES.values() for t in titles[level]):
            return level
    return "individual"


def lead_propensity(source: str, title: str | None, employees: int | None, touches: int) -> float:
    """The true conversion probability of a demo lead (what a scoring model should recover)."""
    z = -1.35 + SOURCE_W[source] + SENIORITY_W[seniority_of(title)] + size_weight(employees)
    z += 0.38 * min(touches, 6)
    return 1.0 / (1.0 + math.exp(-z))


def ascii_slug(value: str, sep: str = "") -> str:
    plain = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode().lower()
    kept = "".join(ch if ch.isalnum() else " " for ch in plain)
    return sep.join(kept.split())


@dataclass
class Plan:
    organization_id: uuid.UUID
    now: dt.datetime
    companies: list[Row] = field(default_factory=list)
    contacts: list[Row] = field(default_factory=list)
    leads: list[Row] = field(default_factory=list)
    pipelines: list[Row] = field(default_factory=list)
    stages: list[Row] = field(default_factory=list)
    deals: list[Row] = field(default_factory=list)
    deal_contacts: list[Row] = field(default_factory=list)
    stage_changes: list[Row] = field(default_factory=list)
    activities: list[Row] = field(default_factory=list)
    custom_fields: list[Row] = field(default_factory=list)
    custom_values: list[Row] = field(default_factory=list)
    # Not stored: what the generator knows (planted duplicate pairs, each lead's true propensity).
    planted_duplicates: list[tuple[uuid.UUID, uuid.UUID]] = field(default_factory=list)
    lead_truth: dict[uuid.UUID, float] = field(default_factory=dict)
    # Context the activities need: company kind, lead touches and outcome, deal contacts.
    info: dict[uuid.UUID, dict[str, Any]] = field(default_factory=dict)


class Builder:
    def __init__(self, organization_id: uuid.UUID, owners: dict[str, list[uuid.UUID]], now: dt.datetime):
        self.rng = random.Random(SEED)  # noqa: S311 - demo data, reproducible on purpose
        self.org = organization_id
        self.owners = owners
        self.now = now
        self.start = now - dt.timedelta(days=SPAN_DAYS)
        self.plan = Plan(organization_id, now)
        self.used_emails: set[str] = set()
        self.used_phones: set[str] = set()
        self.used_names: set[tuple[str, str]] = set()
        self.company_by_name: dict[str, Row] = {}
        self.stage_ids: dict[tuple[str, str], uuid.UUID] = {}

    # --- primitives ----------------------------------------------------------------------------

    def id(self, label: str, n: int | str) -> uuid.UUID:
        return uuid.uuid5(self.org, f"demo:{label}:{n}")

    def pick(self, weights: dict[str, int] | dict[str, float]) -> str:
        keys = list(weights)
        return self.rng.choices(keys, weights=[weights[k] for k in keys])[0]

    def owner(self, weights: dict[str, int]) -> uuid.UUID | None:
        available = {role: w for role, w in weights.items() if self.owners.get(role)}
        if not available:
            everyone = [u for users in self.owners.values() for u in users]
            return everyone[0] if everyone else None
        return self.rng.choice(self.owners[self.pick(available)])

    def moment(self, low: dt.datetime, high: dt.datetime) -> dt.datetime:
        """A working-hours time between ``low`` and ``high`` (rounded to 5 minutes)."""
        if high <= low:
            return low
        seconds = self.rng.uniform(0, (high - low).total_seconds())
        at = low + dt.timedelta(seconds=seconds)
        at = at.replace(
            hour=self.rng.randint(8, 18), minute=self.rng.randrange(0, 60, 5), second=0, microsecond=0
        )
        return min(max(at, low), high)

    def digits(self, pattern: str) -> str:
        return "".join(
            str(self.rng.randint(0, 9)) if ch == "#" else self.rng.choice("ABDEFHJNPRTW") if ch == "A" else ch
            for ch in pattern
        )

    def phone(self) -> str:
        while True:
            prefix, width = self.rng.choice(corpus.PHONE_BLOCKS)
            number = prefix + "".join(str(self.rng.randint(0, 9)) for _ in range(width))
            if number not in self.used_phones:
                self.used_phones.add(number)
                return number

    def email(self, local: str, domain: str) -> str:
        candidate, n = f"{local}@{domain}", 1
        while candidate in self.used_emails:
            n += 1
            candidate = f"{local}{n}@{domain}"
        self.used_emails.add(candidate)
        return candidate

    def personal_email(self, first: str, last: str) -> str:
        f, la = ascii_slug(first), ascii_slug(last)
        local = self.rng.choice(
            (
                f"{f}.{la}",
                f"{f}{la}{self.rng.randint(60, 99)}",
                f"{f[:1]}{la}",
                f"{f}_{la}{self.rng.randint(1, 9)}",
            )
        )
        return self.email(local, self.rng.choice(corpus.PERSONAL_DOMAINS))

    def address(self, country: str, city: str | None = None) -> dict[str, str]:
        city = city or self.rng.choice(list(corpus.CITIES[country]))
        region, postal = corpus.CITIES[country][city]
        streets, form = corpus.STREETS[country]
        street = form.format(street=self.rng.choice(streets), n=self.rng.randint(1, 180))
        return {
            "street": street,
            "city": city,
            "postal_code": self.digits(postal),
            "region": region,
            "country": corpus.COUNTRY_NAMES[country],
        }

    def person(self, country: str | None = None) -> tuple[str, str, str]:
        country = country or self.pick(
            {"ES": 30, "FR": 15, "DE": 12, "PT": 12, "IT": 12, "UK": 9, "IE": 4, "NL": 6}
        )
        while True:  # one person per name: the only namesakes are the planted duplicates
            first = self.rng.choice(corpus.FIRST_NAMES[country])
            last = self.rng.choice(corpus.LAST_NAMES[country])
            if country == "ES" and self.rng.random() < 0.35:
                last = f"{last} {self.rng.choice(corpus.LAST_NAMES['ES'])}"
            if (first, last) not in self.used_names:
                self.used_names.add((first, last))
                return first, last, country

    def title(self, kind: Kind) -> str:
        return self.rng.choice(corpus.TITLES[kind][self.pick(SENIORITY_P)])

    # --- companies -----------------------------------------------------------------------------

    def companies(self) -> None:
        specs = list(corpus.COMPANIES)
        by_name = {s.name: s for s in specs}
        for first_entry, variant in corpus.DUPLICATE_COMPANIES:
            s = by_name[first_entry]
            specs.append(CompanySpec(variant, s.kind, s.industry, s.country, s.city, s.employees))
        duplicate_names = {variant: original for original, variant in corpus.DUPLICATE_COMPANIES}
        for n, spec in enumerate(specs):
            employees = self.rng.randint(*spec.employees)
            per_head = {"insurance": 220_000, "finance": 180_000, "technology": 150_000}.get(
                spec.industry, 75_000
            )
            revenue = Decimal(round(employees * per_head * self.rng.uniform(0.6, 1.4), -4))
            created = self.moment(self.start - dt.timedelta(days=60), self.start + dt.timedelta(days=120))
            original = duplicate_names.get(spec.name)
            if original:  # entered again later by someone else, with less detail
                created = self.moment(self.start + dt.timedelta(days=200), self.now - dt.timedelta(days=20))
            domain = None if original and "S.L." in spec.name else f"{ascii_slug(spec.name, '-')}.example"
            if original and domain:
                domain = f"{ascii_slug(original, '-')}.example"
            tags = [spec.kind] + (
                ["network-partner"] if spec.kind == "clinic" and self.rng.random() < 0.6 else []
            )
            if spec.kind in ("insurer", "employer") and employees > 1000:
                tags.append("key-account")
            row: Row = {
                "id": self.id("company", n),
                "name": spec.name,
                "domain": domain,
                "industry": spec.industry,
                "employee_count": None if original else employees,
                "annual_revenue": None if original else revenue,
                "currency": "EUR",
                "address": self.address(spec.country, spec.city),
                "owner_id": self.owner({"sales": 60, "admin": 25, "marketing": 15}),
                "tags": sorted(set(tags)),
                "created_at": created,
                "updated_at": created,
            }
            self.plan.companies.append(row)
            self.plan.info[row["id"]] = {"spec": spec, "employees": employees, "country": spec.country}
            if original:
                self.plan.info[row["id"]]["duplicate_of"] = original
            else:
                self.company_by_name[spec.name] = row

    def company_spec(self, company: Row) -> CompanySpec:
        spec: CompanySpec = self.plan.info[company["id"]]["spec"]
        return spec

    # --- pipelines -----------------------------------------------------------------------------

    def pipelines(self) -> None:
        for position, (name, stages) in enumerate(PIPELINES.items()):
            pipeline_id = self.id("pipeline", name)
            created = self.start - dt.timedelta(days=90)
            self.plan.pipelines.append(
                {
                    "id": pipeline_id,
                    "name": name,
                    "position": position,
                    "is_default": position == 0,
                    "created_at": created,
                    "updated_at": created,
                }
            )
            for index, (stage, probability, won, lost) in enumerate(stages):
                stage_id = self.id("stage", f"{name}:{stage}")
                self.stage_ids[(name, stage)] = stage_id
                self.plan.stages.append(
                    {
                        "id": stage_id,
                        "pipeline_id": pipeline_id,
                        "name": stage,
                        "position": index,
                        "probability": probability,
                        "is_won": won,
                        "is_lost": lost,
                        "created_at": created,
                        "updated_at": created,
                    }
                )

    # --- leads ---------------------------------------------------------------------------------

    def leads(self) -> None:
        employers = [c for c in self.plan.companies if c["name"] in self.company_by_name]
        weights = [
            {"employer": 8, "clinic": 2, "lab": 1, "insurer": 1, "supplier": 1}[self.company_spec(c).kind]
            for c in employers
        ]
        for n in range(COUNTS["leads"]):
            created = self.start + dt.timedelta(days=SPAN_DAYS * self.rng.random() ** 0.8)
            created = self.moment(created - dt.timedelta(hours=12), min(created, self.now))
            corporate = self.rng.random() < 0.64
            company = self.rng.choices(employers, weights=weights)[0] if corporate else None
            if company is not None:
                spec = self.company_spec(company)
                first, last, country = self.person(spec.country)
                title: str | None = self.title(spec.kind)
                source = self.pick(CORPORATE_SOURCES)
                domain = company["domain"]
                email = self.email(f"{ascii_slug(first)}.{ascii_slug(last, '')}", domain)
                employees = self.plan.info[company["id"]]["employees"]
            else:
                first, last, country = self.person()
                title, source, employees = None, self.pick(PATIENT_SOURCES), None
                email = self.personal_email(first, last)
            interest = self.rng.gauss(0, 1) + 0.35 * SOURCE_W[source]
            touches = max(0, min(8, round(1.4 + 1.1 * interest + self.rng.gauss(0, 0.7))))
            p = lead_propensity(source, title, employees, touches)
            decided = created + dt.timedelta(days=min(200.0, 8 + self.rng.expovariate(1 / 40)))
            status, resolved_at, lost_reason = "new", None, None
            if decided <= self.now and self.rng.random() < 0.8:
                resolved_at = self.moment(decided - dt.timedelta(days=1), min(decided, self.now))
                if self.rng.random() < p:
                    status = "converted"
                else:
                    status, lost_reason = "lost", self.rng.choice(corpus.LEAD_LOST_REASONS)
            elif (self.now - created).days > 5:
                status = "qualified" if self.rng.random() < p else "contacted"
            lead_id = self.id("lead", n)
            row: Row = {
                "id": lead_id,
                "first_name": first,
                "last_name": last,
                "company_name": company["name"] if company else None,
                "job_title": title,
                "email": email if self.rng.random() > 0.04 else None,
                "phone": self.phone() if self.rng.random() < 0.7 else None,
                "source": source,
                "status": status,
                "lost_reason": lost_reason,
                "owner_id": self.owner({"sales": 50, "marketing": 40, "admin": 10}),
                "tags": ["patient-enquiry"] if company is None else [],
                "created_at": created,
                "updated_at": resolved_at or created,
                "converted_at": resolved_at if status == "converted" else None,
                "converted_contact_id": None,
                "converted_company_id": None,
                "converted_deal_id": None,
            }
            self.plan.leads.append(row)
            self.plan.lead_truth[lead_id] = p
            self.plan.info[lead_id] = {
                "touches": touches,
                "country": country,
                "company": company,
                "resolved_at": resolved_at,
                "p": p,
            }


def build_plan(organization_id: uuid.UUID, owners: dict[str, list[uuid.UUID]], today: dt.date) -> Plan:
    """Everything the demo organisation holds, as plain rows (see the module docstring)."""
    from crm.organization.demo_activities import add_activities
    from crm.organization.demo_deals import add_deals
    from crm.organization.demo_people import add_contacts, add_custom_fields

    now = dt.datetime.combine(today, dt.time(12, 0), dt.UTC)
    builder = Builder(organization_id, owners, now)
    builder.companies()
    builder.pipelines()
    builder.leads()
    add_contacts(builder)
    add_deals(builder)
    add_activities(builder)
    add_custom_fields(builder)
    return builder.plan


def board_ranks(count: int) -> list[str]:
    return keys_between(None, None, count)
