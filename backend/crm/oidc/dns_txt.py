"""E-mail domain verification by DNS TXT record, behind a small resolver interface.

An admin adds a domain and publishes ``cliniglobal-verification=<token>`` as a TXT record at
``_cliniglobal-verification.<domain>``; the check looks the record up. The resolver is an
interface so tests (and air-gapped installs) can answer at that boundary: the default asks the
system's name servers over UDP (TCP when the answer is truncated) with the standard library,
or uses dnspython when it is installed.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import re
import secrets
import struct
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

from crm.core.errors import BadRequest

TXT_PREFIX = "_cliniglobal-verification"
VALUE_PREFIX = "cliniglobal-verification="
DNS_TIMEOUT_S = 3.0
_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
_TYPE_TXT = 16
_CLASS_IN = 1


class DnsError(Exception):
    """The name servers could not answer (timeout, server failure): try again later."""


class TxtResolver(Protocol):
    async def txt(self, name: str) -> list[str]:
        """The TXT records at ``name`` (each record's strings joined), [] when there are none."""
        ...


def normalize_domain(value: str) -> str:
    """A lower-case, IDNA-encoded host name with at least two labels, or 400."""
    domain = value.strip().lower().rstrip(".")
    if "@" in domain:
        domain = domain.rsplit("@", 1)[1]
    try:
        encoded = domain.encode("idna").decode("ascii")
    except (UnicodeError, ValueError):
        raise BadRequest("not a valid domain name", code="invalid_domain") from None
    labels = encoded.split(".")
    if len(encoded) > 253 or len(labels) < 2 or not all(_LABEL.fullmatch(label) for label in labels):
        raise BadRequest("not a valid domain name", code="invalid_domain")
    if labels[-1].isdigit():
        raise BadRequest("an IP address is not a domain", code="invalid_domain")
    return encoded


def new_token() -> str:
    return secrets.token_urlsafe(24)


def record_name(domain: str) -> str:
    return f"{TXT_PREFIX}.{domain}"


def record_value(token: str) -> str:
    return VALUE_PREFIX + token


async def is_verified(resolver: TxtResolver, domain: str, token: str) -> bool:
    expected = record_value(token)
    records = await resolver.txt(record_name(domain))
    return any(secrets.compare_digest(record.strip(), expected) for record in records)


# --- the standard-library resolver ---------------------------------------------------------


def _query(name: str, query_id: int) -> bytes:
    header = struct.pack(">HHHHHH", query_id, 0x0100, 1, 0, 0, 0)  # recursion desired, one question
    qname = b"".join(bytes((len(label),)) + label.encode("ascii") for label in name.rstrip(".").split("."))
    return header + qname + b"\x00" + struct.pack(">HH", _TYPE_TXT, _CLASS_IN)


def _skip_name(message: bytes, offset: int) -> int:
    while True:
        if offset >= len(message):
            raise DnsError("truncated name")
        length = message[offset]
        if length == 0:
            return offset + 1
        if length & 0xC0 == 0xC0:
            return offset + 2
        offset += 1 + length


def parse_txt_response(message: bytes, query_id: int) -> tuple[bool, list[str]]:
    """(truncated, TXT values) of a DNS response; NXDOMAIN is an empty answer."""
    if len(message) < 12:
        raise DnsError("short response")
    answer_id, flags, questions, answers, _, _ = struct.unpack_from(">HHHHHH", message)
    if answer_id != query_id or not flags & 0x8000:
        raise DnsError("not the answer to our query")
    if flags & 0x0200:
        return True, []
    rcode = flags & 0x000F
    if rcode == 3:
        return False, []
    if rcode != 0:
        raise DnsError(f"name server answered rcode {rcode}")
    offset = 12
    for _ in range(questions):
        offset = _skip_name(message, offset) + 4
    values: list[str] = []
    for _ in range(answers):
        offset = _skip_name(message, offset)
        if offset + 10 > len(message):
            raise DnsError("truncated record")
        rtype, rclass, _, length = struct.unpack_from(">HHIH", message, offset)
        offset += 10
        rdata = message[offset : offset + length]
        offset += length
        if rtype != _TYPE_TXT or rclass != _CLASS_IN:
            continue  # e.g. the CNAME the server followed
        parts, index = [], 0
        while index < len(rdata):
            size = rdata[index]
            parts.append(rdata[index + 1 : index + 1 + size])
            index += 1 + size
        values.append(b"".join(parts).decode("utf-8", "replace"))
    return False, values


def system_name_servers(resolv_conf: Path = Path("/etc/resolv.conf")) -> list[tuple[str, int]]:
    servers: list[tuple[str, int]] = []
    with contextlib.suppress(OSError):
        for line in resolv_conf.read_text().splitlines():
            fields = line.split()
            if len(fields) >= 2 and fields[0] == "nameserver":
                servers.append((fields[1], 53))
    return servers or [("127.0.0.1", 53)]


class _Datagram(asyncio.DatagramProtocol):
    def __init__(self) -> None:
        self.answer: asyncio.Future[bytes] = asyncio.get_running_loop().create_future()

    def datagram_received(self, data: bytes, addr: Any) -> None:
        if not self.answer.done():
            self.answer.set_result(data)

    def error_received(self, exc: Exception) -> None:
        if not self.answer.done():
            self.answer.set_exception(exc)


class SystemTxtResolver:
    """TXT look-ups with the standard library: UDP to each name server in turn, TCP if truncated."""

    def __init__(self, name_servers: Sequence[tuple[str, int]] | None = None, timeout: float = DNS_TIMEOUT_S):
        self.name_servers = list(name_servers) if name_servers is not None else system_name_servers()
        self.timeout = timeout

    async def txt(self, name: str) -> list[str]:
        last_error: Exception | None = None
        for host, port in self.name_servers:
            query_id = secrets.randbelow(0x10000)
            query = _query(name, query_id)
            try:
                truncated, values = parse_txt_response(await self._udp(host, port, query), query_id)
                if truncated:
                    truncated, values = parse_txt_response(await self._tcp(host, port, query), query_id)
                return values
            except (OSError, TimeoutError, DnsError) as exc:
                last_error = exc
        raise DnsError(f"no name server answered: {type(last_error).__name__}")

    async def _udp(self, host: str, port: int, query: bytes) -> bytes:
        loop = asyncio.get_running_loop()
        transport, protocol = await loop.create_datagram_endpoint(_Datagram, remote_addr=(host, port))
        try:
            transport.sendto(query)
            return await asyncio.wait_for(protocol.answer, self.timeout)
        finally:
            transport.close()

    async def _tcp(self, host: str, port: int, query: bytes) -> bytes:
        reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), self.timeout)
        try:
            writer.write(struct.pack(">H", len(query)) + query)
            await writer.drain()
            size = struct.unpack(">H", await asyncio.wait_for(reader.readexactly(2), self.timeout))[0]
            return await asyncio.wait_for(reader.readexactly(size), self.timeout)
        finally:
            writer.close()


class DnsPythonResolver:
    """The same look-up through dnspython (DNSSEC-aware setups, DoT/DoH configured there)."""

    def __init__(self, module: Any) -> None:
        self._resolver = module.Resolver()
        self._module = module

    async def txt(self, name: str) -> list[str]:
        dns_exception = importlib.import_module("dns.exception")
        dns_resolver = importlib.import_module("dns.resolver")
        try:
            answer = await self._resolver.resolve(name, "TXT", lifetime=DNS_TIMEOUT_S)
        except (dns_resolver.NXDOMAIN, dns_resolver.NoAnswer):
            return []
        except dns_exception.DNSException as exc:
            raise DnsError(type(exc).__name__) from None
        return [b"".join(record.strings).decode("utf-8", "replace") for record in answer]


def default_resolver() -> TxtResolver:
    try:
        return DnsPythonResolver(importlib.import_module("dns.asyncresolver"))
    except ImportError:
        return SystemTxtResolver()
