"""Demo people: the contacts (converted leads, staff of the companies, patients, and a few planted
duplicates for the dedupe job), and the custom fields they and the companies carry."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import TYPE_CHECKING, Any

from crm.organization import demo_corpus as corpus
from crm.organization.demo_data import COUNTS, NICKNAMES, PLANTED_DUPLICATES, Row, ascii_slug

if TYPE_CHECKING:
    from crm.organization.demo_data import Builder


def _contact(b: Builder, n: int, **values: Any) -> Row:
    row: Row = {
        "id": b.id("contact", n),
        "job_title": None,
        "company_id": None,
        "company_name": None,
        "lifecycle_stage": "lead",
        "consent_email": False,
        "consent_sms": False,
        "consent_whatsapp": False,
        "consent_updated_at": None,
        "emails": [],
        "phones": [],
        "date_of_birth": None,
        "address": None,
        "tags": [],
    }
    row.update(values)
    row["updated_at"] = row["created_at"]
    if b.rng.random() < 0.62:
        row["consent_email"] = True
    if b.rng.random() < 0.35:
        row["consent_sms"] = True
    if b.rng.random() < 0.2:
        row["consent_whatsapp"] = True
    if row["consent_email"] or row["consent_sms"] or row["consent_whatsapp"]:
        row["consent_updated_at"] = row["created_at"]
    b.plan.contacts.append(row)
    return row


def _birth(b: Builder, low: int, high: int) -> dt.date:
    return (b.now - dt.timedelta(days=b.rng.randint(low * 365, high * 365))).date()


def _contact_tags(b: Builder, patient: bool) -> list[str]:
    pool = corpus.CONTACT_TAGS
    count = b.rng.choice((0, 0, 1, 1, 2, 3))
    tags = set(b.rng.sample(pool, count))
    if patient:
        tags -= {"decision-maker", "referral-partner", "corporate-plan"}
    return sorted(tags)


def add_contacts(b: Builder) -> None:
    n = 0
    # Converted leads became contacts (and their company's customers or our patients).
    for lead in b.plan.leads:
        if lead["status"] != "converted":
            continue
        info = b.plan.info[lead["id"]]
        company = info["company"]
        emails = [lead["email"]] if lead["email"] else []
        row = _contact(
            b,
            n,
            first_name=lead["first_name"],
            last_name=lead["last_name"],
            job_title=lead["job_title"],
            company_id=company["id"] if company else None,
            company_name=company["name"] if company else None,
            lifecycle_stage="opportunity" if company else "patient",
            emails=emails,
            phones=[lead["phone"]] if lead["phone"] else [b.phone()],
            date_of_birth=_birth(b, 25, 70) if company is None else None,
            address=b.address(info["country"]) if company is None else None,
            owner_id=lead["owner_id"],
            tags=_contact_tags(b, company is None),
            created_at=lead["converted_at"],
        )
        lead["converted_contact_id"] = row["id"]
        lead["converted_company_id"] = company["id"] if company else None
        b.plan.info[row["id"]] = {"country": info["country"], "lead": lead["id"]}
        n += 1
    # People at the companies.
    target = COUNTS["contacts"] - PLANTED_DUPLICATES
    company_quota = 215
    companies = [c for c in b.plan.companies if "duplicate_of" not in b.plan.info[c["id"]]]
    for turn in range(company_quota - n):
        # Two rounds so every company has people, then the bigger ones get more.
        company = companies[turn % len(companies)] if turn < len(companies) * 2 else b.rng.choice(companies)
        spec = b.company_spec(company)
        first, last, country = b.person(spec.country)
        work = b.email(f"{ascii_slug(first)}.{ascii_slug(last, '')}", company["domain"])
        emails = [work] + ([b.personal_email(first, last)] if b.rng.random() < 0.2 else [])
        stage = {"clinic": "referrer", "supplier": "other"}.get(spec.kind, b.pick(
            {"customer": 30, "qualified": 25, "lead": 25, "subscriber": 10, "opportunity": 10}
        ))  # fmt: skip
        created = b.moment(company["created_at"], min(b.now, company["created_at"] + dt.timedelta(days=400)))
        row = _contact(
            b,
            n,
            first_name=first,
            last_name=last,
            job_title=b.title(spec.kind),
            company_id=company["id"],
            company_name=company["name"],
            lifecycle_stage=stage,
            emails=emails if b.rng.random() > 0.05 else [],
            phones=[b.phone() for _ in range(b.rng.choice((0, 1, 1, 1, 1, 2)))],
            date_of_birth=_birth(b, 24, 66) if b.rng.random() < 0.3 else None,
            address=b.address(country) if b.rng.random() < 0.15 else None,
            owner_id=b.owner({"sales": 60, "admin": 15, "marketing": 15, "support": 10}),
            tags=_contact_tags(b, False),
            created_at=created,
        )
        b.plan.info[row["id"]] = {"country": country}
        n += 1
    # Patients.
    while n < target:
        first, last, country = b.person()
        created = b.moment(b.start, b.now - dt.timedelta(days=1))
        row = _contact(
            b,
            n,
            first_name=first,
            last_name=last,
            lifecycle_stage=b.pick({"patient": 70, "lead": 15, "subscriber": 15}),
            emails=[b.personal_email(first, last)] if b.rng.random() > 0.08 else [],
            phones=[b.phone() for _ in range(b.rng.choice((1, 1, 1, 2)))],
            date_of_birth=_birth(b, 18, 88) if b.rng.random() < 0.9 else None,
            address=b.address(country) if b.rng.random() < 0.8 else None,
            owner_id=b.owner({"support": 45, "sales": 35, "marketing": 20}),
            tags=_contact_tags(b, True),
            created_at=created,
        )
        b.plan.info[row["id"]] = {"country": country}
        n += 1
    _plant_duplicates(b, n)


def _plant_duplicates(b: Builder, n: int) -> None:
    """People entered twice (typo, nickname, swapped names, missing company), other e-mail/phone."""
    ways: tuple[str, ...] = ("nickname", "nickname", "nickname", "typo", "swapped", "no_company", "typo")
    ways += ("swapped", "typo", "no_company") * ((PLANTED_DUPLICATES - len(ways)) // 3 + 1)
    chosen: set[uuid.UUID] = set()
    existing = list(b.plan.contacts)
    for how in ways[:PLANTED_DUPLICATES]:
        pool = [
            c
            for c in existing
            if c["id"] not in chosen
            and (c["first_name"] in NICKNAMES if how == "nickname" else " " not in c["last_name"])
            and (c["company_id"] is not None if how == "no_company" else True)
            # Entered again with a birth date or the same employer: what a person would go by.
            and (c["date_of_birth"] is not None or (how != "no_company" and c["company_id"] is not None))
        ]
        original = b.rng.choice(pool)
        chosen.add(original["id"])
        first, last = original["first_name"], original["last_name"]
        if how == "nickname":
            first = NICKNAMES[first]
        elif how == "typo":
            i = b.rng.randrange(1, len(last) - 1)
            if last[i] == last[i + 1]:
                last = last[:i] + last[i + 1 :]  # a doubled letter typed once
            else:
                last = last[:i] + last[i + 1] + last[i] + last[i + 2 :]  # two letters transposed
        elif how == "swapped":
            first, last = last, first
        created = b.moment(original["created_at"], b.now - dt.timedelta(hours=2))
        row = _contact(
            b,
            n,
            first_name=first,
            last_name=last,
            job_title=original["job_title"],
            company_id=None if how == "no_company" else original["company_id"],
            company_name=None if how == "no_company" else original["company_name"],
            lifecycle_stage=original["lifecycle_stage"],
            emails=[b.personal_email(first, last)],
            phones=[],
            date_of_birth=original["date_of_birth"],
            owner_id=b.owner({"marketing": 50, "support": 50}),
            created_at=created,
        )
        b.plan.info[row["id"]] = {"country": b.plan.info[original["id"]]["country"]}
        b.plan.planted_duplicates.append((original["id"], row["id"]))
        n += 1


def add_custom_fields(b: Builder) -> None:
    created = b.start - dt.timedelta(days=90)
    language = b.id("custom-field", "contact:preferred_language")
    renewal = b.id("custom-field", "company:contract_renewal")
    b.plan.custom_fields += [
        {
            "id": language,
            "object_type": "contact",
            "key": "preferred_language",
            "label": "Preferred language",
            "field_type": "select",
            "options": sorted(set(corpus.LANGUAGES.values())),
            "position": 0,
            "created_at": created,
            "updated_at": created,
        },
        {
            "id": renewal,
            "object_type": "company",
            "key": "contract_renewal",
            "label": "Contract renewal",
            "field_type": "date",
            "options": None,
            "position": 0,
            "created_at": created,
            "updated_at": created,
        },
    ]
    for contact in b.plan.contacts:
        if b.rng.random() < 0.7:
            value = corpus.LANGUAGES[b.plan.info[contact["id"]]["country"]]
            b.plan.custom_values.append(
                {"field_id": language, "record_id": contact["id"], "value_text": value}
            )
    for company in b.plan.companies:
        if b.company_spec(company).kind != "employer" and b.rng.random() < 0.6:
            day = (b.now + dt.timedelta(days=b.rng.randint(20, 420))).date()
            b.plan.custom_values.append({"field_id": renewal, "record_id": company["id"], "value_date": day})
