"""E-mail drafts: the template, filled in; then, when an LLM is configured and asked for, a
personalised rewrite of it through the LLM with every piece of personal data replaced by a
placeholder before it leaves and restored after. Any LLM failure gives the template draft back,
saying why."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from crm_ai.personalization.llm import ChatModel, LLMFailed
from crm_ai.personalization.pii import Redactor
from crm_ai.personalization.templates import render

SYSTEM = (
    "You write short, warm, professional e-mails for the sales and patient-relations team of a network of "
    "private clinics. Rewrite the draft you are given so it reads as personal to the recipient, using only "
    "the facts provided. Keep every placeholder such as [PERSON_1] or [EMAIL_1] exactly as written; never "
    "invent names, prices, dates or promises. Same language as the draft. Answer with the subject on the "
    "first line as 'Subject: ...', a blank line, then the body."
)
# Merge-field keys whose values are people's names (redacted as PERSON).
NAME_KEYS = ("first_name", "last_name", "full_name", "name")
PEOPLE_GROUPS = ("contact", "sender", "recipient", "owner", "person", "patient")


@dataclass
class Draft:
    subject: str
    body: str
    generator: str  # "template" | "llm"
    missing_fields: list[str]
    model: str | None = None
    llm_error: str | None = None
    redacted: dict[str, int] = field(default_factory=dict)  # placeholder kind -> how many were sent


def people_in(fields: dict[str, Any]) -> list[str]:
    out: list[str] = []
    for group in PEOPLE_GROUPS:
        values = fields.get(group)
        if isinstance(values, dict):
            parts = [
                str(values[k]) for k in NAME_KEYS if isinstance(values.get(k), str) and values[k].strip()
            ]
            out.extend(parts)
            first, last = values.get("first_name"), values.get("last_name")
            if isinstance(first, str) and isinstance(last, str):
                out.append(f"{first} {last}")
    return out


def _flatten(fields: dict[str, Any], prefix: str = "") -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for key, value in fields.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict):
            out.extend(_flatten(value, path + "."))
        elif value is not None and not isinstance(value, list):
            out.append((path, str(value)))
    return out


_SUBJECT = re.compile(r"^\s*subject\s*:\s*(.+)$", re.IGNORECASE | re.MULTILINE)


def compose(
    subject_template: str,
    body_template: str,
    fields: dict[str, Any],
    *,
    llm: ChatModel | None = None,
    instructions: str | None = None,
    extra_people: list[str] | None = None,
) -> Draft:
    subject, missing_s = render(subject_template, fields)
    body, missing_b = render(body_template, fields)
    missing = sorted(set(missing_s) | set(missing_b))
    draft = Draft(subject, body, "template", missing)
    if llm is None:
        return draft
    redactor = Redactor(people=[*people_in(fields), *(extra_people or [])])
    facts = "\n".join(f"- {path}: {redactor.redact(value)}" for path, value in _flatten(fields))
    user = (
        f"Facts about the recipient and the deal:\n{facts or '- (none)'}\n\n"
        + (f"Extra instructions from the sender: {redactor.redact(instructions)}\n\n" if instructions else "")
        + f"Draft:\nSubject: {redactor.redact(subject)}\n\n{redactor.redact(body)}"
    )
    kinds: dict[str, int] = {}
    for ph in redactor.mapping:
        kind = ph.strip("[]").rsplit("_", 1)[0]
        kinds[kind] = kinds.get(kind, 0) + 1
    draft.redacted = kinds
    try:
        answer = llm.complete(SYSTEM, user)
    except LLMFailed as exc:
        draft.llm_error = exc.reason
        return draft
    invented = redactor.unknown_placeholders(answer)
    if invented:
        draft.llm_error = f"the LLM answer used placeholders it was not given ({', '.join(invented[:3])})"
        return draft
    match = _SUBJECT.search(answer)
    if match is None:
        new_subject, new_body = subject, answer.strip()
    else:
        new_subject = match.group(1).strip()
        new_body = (answer[: match.start()] + answer[match.end() :]).strip()
    if not new_body:
        draft.llm_error = "the LLM answer had no body"
        return draft
    return Draft(
        redactor.restore(new_subject),
        redactor.restore(new_body),
        "llm",
        missing,
        model=llm.name,
        redacted=kinds,
    )
