"""SMS drivers: ``outbox`` (delivery ends at the stored row) and ``twilio``
(crm/messaging/twilio_driver.py, imported only when chosen). Failures use the e-mail drivers'
``DeliveryError`` / ``PermanentDeliveryError``, so the delivery job treats both channels alike.
"""

from __future__ import annotations

from typing import Protocol

from crm.core.config import ConfigError, Settings
from crm.core.config import SmsDriver as SmsDriverName
from crm.messaging.schemas import DeliveryResult, EmailStatus, OutgoingSms

# Twilio's limit for one (concatenated) message.
MAX_SMS_BODY = 1600


class SmsDriver(Protocol):
    name: str

    async def send(self, sms: OutgoingSms) -> DeliveryResult: ...


class OutboxSmsDriver:
    """The embedded default: nothing leaves the machine."""

    name = "outbox"

    async def send(self, sms: OutgoingSms) -> DeliveryResult:
        return DeliveryResult(EmailStatus.stored)


def make_sms_driver(settings: Settings) -> SmsDriver:
    if settings.sms_driver is SmsDriverName.twilio:
        if not (settings.twilio_account_sid and settings.twilio_auth_token and settings.twilio_from_number):
            raise ConfigError(
                "CRM_SMS_DRIVER=twilio needs CRM_TWILIO_ACCOUNT_SID, CRM_TWILIO_AUTH_TOKEN"
                " and CRM_TWILIO_FROM_NUMBER"
            )
        from crm.messaging.twilio_driver import TwilioSmsDriver

        return TwilioSmsDriver(
            settings.twilio_account_sid,
            settings.twilio_auth_token.get_secret_value(),
            settings.twilio_from_number,
            base_url=str(settings.twilio_base_url),
        )
    return OutboxSmsDriver()
