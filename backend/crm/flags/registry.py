"""Every feature flag the app knows, with what it gates and its default.

A flag exists only here; organisations override a default (for everyone or for one role)
through the admin API. Removing a flag from this list makes its stored overrides inert.
Keys are dotted lower-case names, ``<area>.<feature>``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

KEY_PATTERN = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$")
MAX_KEY_LENGTH = 80  # flag_overrides.key


@dataclass(frozen=True)
class FlagDefinition:
    key: str
    description: str
    default: bool


def _registry(*definitions: FlagDefinition) -> Mapping[str, FlagDefinition]:
    flags: dict[str, FlagDefinition] = {}
    for definition in definitions:
        if not KEY_PATTERN.match(definition.key) or len(definition.key) > MAX_KEY_LENGTH:
            raise ValueError(f"bad flag key {definition.key!r}")
        if definition.key in flags:
            raise ValueError(f"flag {definition.key!r} is declared twice")
        flags[definition.key] = definition
    return flags


FLAGS: Mapping[str, FlagDefinition] = _registry(
    # AI features default on: with no LLM configured they fall back to deterministic models.
    FlagDefinition("ai.lead_scoring", "Score leads by how likely they are to convert, with reasons.", True),
    FlagDefinition("ai.sentiment", "Sentiment of emails, calls, chats and notes.", True),
    FlagDefinition("ai.forecasting", "Revenue forecasts from the pipeline and its history.", True),
    FlagDefinition("ai.semantic_search", "Search records, notes and messages by meaning.", True),
    FlagDefinition("ai.personalization", "Suggested next steps and personalised message drafts.", True),
    FlagDefinition("ai.transcription", "Transcribe voice notes and call recordings.", True),
    # Messaging channels cost money per message and need an account: off until an admin opts in.
    FlagDefinition("messaging.whatsapp", "Send and receive WhatsApp messages.", False),
    FlagDefinition("messaging.sms", "Send and receive SMS messages.", False),
)


def definition(key: str) -> FlagDefinition | None:
    return FLAGS.get(key)
