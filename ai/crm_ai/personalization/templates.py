"""E-mail templates with merge fields: `{{contact.first_name}}`, or with a fallback
`{{contact.first_name|there}}`. Rendering is plain substitution (no expressions, no code), so a
template written by a user can do nothing but insert the fields it names."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

FIELD = re.compile(r"\{\{\s*([a-z_][a-z0-9_]*(?:\.[a-z_][a-z0-9_]*)*)\s*(?:\|\s*([^{}]*?))?\s*\}\}")


@dataclass(frozen=True, slots=True)
class Template:
    id: str
    language: str
    purpose: str
    subject: str
    body: str

    @property
    def fields(self) -> list[str]:
        return sorted({m.group(1) for m in FIELD.finditer(self.subject + "\n" + self.body)})


def _t(id_: str, language: str, purpose: str, subject: str, body: str) -> Template:
    return Template(id_, language, purpose, subject, body.strip() + "\n")


BUILT_IN: tuple[Template, ...] = (
    _t(
        "follow_up",
        "en",
        "After a call or meeting",
        "Following up on our conversation",
        """
Hi {{contact.first_name|there}},

Thank you for your time {{meeting.when|today}}. As promised, here is a short summary of what we discussed
about {{deal.name|your health programme}} for {{company.name|your team}}.

{{next_step|I will send over the details we talked about shortly.}}

If anything has changed on your side, just reply to this e-mail.

Best regards,
{{sender.name}}
""",
    ),
    _t(
        "follow_up",
        "es",
        "Tras una llamada o reunión",
        "Seguimiento de nuestra conversación",
        """
Hola {{contact.first_name}}:

Gracias por tu tiempo. Te resumo lo que hablamos sobre {{deal.name|el programa de salud}} para
{{company.name|tu equipo}}.

{{next_step|En breve te envío los detalles que comentamos.}}

Si algo ha cambiado por vuestra parte, responde a este correo.

Un saludo,
{{sender.name}}
""",
    ),
    _t(
        "meeting_request",
        "en",
        "Ask for a meeting",
        "Could we find 20 minutes next week?",
        """
Hi {{contact.first_name|there}},

I would like to walk you through {{deal.name|our occupational health services}} and hear what matters most to
{{company.name|your team}}. Would {{meeting.proposed_time|one of the coming days}} work for a 20-minute call?

Best regards,
{{sender.name}}
""",
    ),
    _t(
        "rescue_deal",
        "en",
        "A deal that has gone quiet or slipped",
        "Checking in on {{deal.name|our proposal}}",
        """
Hi {{contact.first_name|there}},

I noticed we have not been able to move forward on {{deal.name|our proposal}} for {{company.name|your team}}
since we last spoke. Has anything changed in your timeline or priorities?

If it helps, I can adjust the scope or the start date. A quick reply with what would make this work for you
is all I need.

Best regards,
{{sender.name}}
""",
    ),
    _t(
        "proposal_sent",
        "en",
        "Covering note for a proposal",
        "Your proposal: {{deal.name}}",
        """
Hi {{contact.first_name|there}},

Please find attached our proposal for {{deal.name}}.

{{next_step|I will call you in a few days to answer any questions.}}

Best regards,
{{sender.name}}
""",
    ),
    _t(
        "thank_you",
        "en",
        "Thank a customer",
        "Thank you, {{contact.first_name}}",
        """
Hi {{contact.first_name}},

Thank you for choosing CliniGlobal. Our team is looking forward to working with
{{company.name|you}}. If you know another organisation that could benefit, we would be grateful for an
introduction.

Best regards,
{{sender.name}}
""",
    ),
    _t(
        "re_engage",
        "en",
        "A contact that has gone cold",
        "Health checks for the coming season",
        """
Hi {{contact.first_name|there}},

It has been a while since we last spoke. Many teams in {{company.industry|your sector}} are planning
their health checks and flu campaigns for the coming season; if that is on your list, I would be glad to
help.

Best regards,
{{sender.name}}
""",
    ),
)
INDEX = {(t.id, t.language): t for t in BUILT_IN}


def lookup(fields: dict[str, Any], path: str) -> str | None:
    node: Any = fields
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    if node is None or isinstance(node, dict | list):
        return None
    text = str(node).strip()
    return text or None


def render(template: str, fields: dict[str, Any]) -> tuple[str, list[str]]:
    """(rendered text, merge fields that had no value and no fallback; those stay as written)."""
    missing: list[str] = []

    def sub(m: re.Match[str]) -> str:
        value = lookup(fields, m.group(1))
        if value is not None:
            return value
        if m.group(2) is not None:
            return m.group(2)
        missing.append(m.group(1))
        return m.group(0)

    out = FIELD.sub(sub, template)
    # Tidy what empty optional fields leave behind.
    out = re.sub(r"[ \t]+\n", "\n", out)
    out = re.sub(r"\n{3,}", "\n\n", out)
    out = re.sub(r"(?<=\S) {2,}", " ", out)
    return out.strip(), sorted(set(missing))
