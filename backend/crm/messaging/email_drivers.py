"""Email drivers: ``outbox`` (delivery ends at the stored row), ``smtp`` and ``sendgrid``
(crm/messaging/sendgrid_driver.py, imported only when chosen).

Drivers tell the delivery job whether a failure may pass (retry with backoff) or never
will (a refused recipient): retrying the latter would only annoy the receiving server.
"""

from __future__ import annotations

import datetime as dt
import ssl
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, getaddresses
from typing import Protocol

import aiosmtplib

from crm.core.config import ConfigError, Settings
from crm.core.config import EmailDriver as EmailDriverName
from crm.messaging.schemas import DeliveryResult, EmailStatus, OutgoingEmail

SMTP_TIMEOUT_S = 30.0


class DeliveryError(Exception):
    """Delivery failed; ``permanent`` failures are not retried."""

    permanent = False


class PermanentDeliveryError(DeliveryError):
    permanent = True


class EmailDriver(Protocol):
    name: str

    async def send(self, email: OutgoingEmail) -> DeliveryResult: ...


class OutboxEmailDriver:
    """The embedded default: nothing leaves the machine, admins read the outbox in the app."""

    name = "outbox"

    async def send(self, email: OutgoingEmail) -> DeliveryResult:
        return DeliveryResult(EmailStatus.stored)


def sender_domain(sender: str) -> str:
    addresses = getaddresses([sender])
    address = addresses[0][1] if addresses else ""
    return address.rpartition("@")[2] or "localhost"


def build_message(email: OutgoingEmail) -> EmailMessage:
    message = EmailMessage()
    message["From"] = email.sender
    message["To"] = email.to
    message["Subject"] = email.subject
    message["Date"] = format_datetime(dt.datetime.now(dt.UTC))
    # Derived from the row id: a retry after a lost reply carries the same id, so receivers can dedupe.
    message["Message-ID"] = f"<{email.id}@{sender_domain(email.sender)}>"
    message.set_content(email.text)
    if email.html is not None:
        message.add_alternative(email.html, subtype="html")
    return message


class SmtpEmailDriver:
    """Any SMTP relay through aiosmtplib: optional STARTTLS and AUTH; port 465 means implicit TLS."""

    name = "smtp"

    def __init__(
        self,
        host: str,
        port: int,
        *,
        username: str | None = None,
        password: str | None = None,
        starttls: bool = False,
        tls_context: ssl.SSLContext | None = None,
        timeout: float = SMTP_TIMEOUT_S,
    ) -> None:
        self.host, self.port = host, port
        self.username, self._password = username, password
        self.starttls, self.tls_context, self.timeout = starttls, tls_context, timeout

    @classmethod
    def from_settings(cls, settings: Settings, tls_context: ssl.SSLContext | None = None) -> SmtpEmailDriver:
        password = settings.smtp_password.get_secret_value() if settings.smtp_password else None
        return cls(
            settings.smtp_host,
            settings.smtp_port,
            username=settings.smtp_username,
            password=password,
            starttls=settings.smtp_starttls,
            tls_context=tls_context,
        )

    async def send(self, email: OutgoingEmail) -> DeliveryResult:
        message = build_message(email)
        try:
            await aiosmtplib.send(
                message,
                hostname=self.host,
                port=self.port,
                username=self.username,
                password=self._password,
                use_tls=self.port == 465,
                start_tls=self.starttls,
                tls_context=self.tls_context,
                timeout=self.timeout,
            )
        except aiosmtplib.SMTPRecipientsRefused as exc:
            codes = [refusal.code for refusal in exc.recipients]
            error = f"recipient refused: {'; '.join(f'{r.code} {r.message}' for r in exc.recipients)}"
            if all(code >= 500 for code in codes):
                raise PermanentDeliveryError(error) from None
            raise DeliveryError(error) from None
        except aiosmtplib.SMTPDataError as exc:
            # The server read the message and refused its content: the same bytes would fail again.
            error = f"message refused: {exc.code} {exc.message}"
            raise (PermanentDeliveryError if exc.code >= 500 else DeliveryError)(error) from None
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            # Connection, TLS, AUTH or sender problems belong to the relay or its settings; an admin
            # can fix them while the job backs off.
            raise DeliveryError(f"{type(exc).__name__}: {exc}") from None
        return DeliveryResult(EmailStatus.sent, message["Message-ID"])


def make_email_driver(settings: Settings) -> EmailDriver:
    if settings.email_driver is EmailDriverName.smtp:
        return SmtpEmailDriver.from_settings(settings)
    if settings.email_driver is EmailDriverName.sendgrid:
        if settings.sendgrid_api_key is None:
            raise ConfigError("CRM_EMAIL_DRIVER=sendgrid needs CRM_SENDGRID_API_KEY")
        from crm.messaging.sendgrid_driver import SendGridEmailDriver

        return SendGridEmailDriver(
            settings.sendgrid_api_key.get_secret_value(), base_url=str(settings.sendgrid_base_url)
        )
    return OutboxEmailDriver()


def valid_address(value: str) -> str:
    """One bare address (``a@b.example``), or raise ValueError; no display names, no header tricks."""
    address = Address(addr_spec=value.strip())
    if not address.username or "." not in address.domain:
        raise ValueError(f"not an email address: {value!r}")
    return address.addr_spec
