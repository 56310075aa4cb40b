"""The standard-library TXT resolver against a small DNS server on loopback (UDP, and TCP on truncation)."""

from __future__ import annotations

import asyncio
import struct
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from crm.oidc.dns_txt import (
    DnsError,
    SystemTxtResolver,
    is_verified,
    parse_txt_response,
    record_name,
    record_value,
    system_name_servers,
)

ZONE = {
    "_cliniglobal-verification.alpha.example": [[b"cliniglobal-verification=", b"tok-123"], [b"v=spf1 -all"]],
    "big.example": [[b"x" * 200] for _ in range(4)],  # 800+ bytes: over UDP it is truncated
}


def _answer(query: bytes, *, udp: bool) -> bytes:
    query_id, _, _, _, _, _ = struct.unpack_from(">HHHHHH", query)
    offset, labels = 12, []
    while query[offset]:
        labels.append(query[offset + 1 : offset + 1 + query[offset]].decode())
        offset += 1 + query[offset]
    question = query[12 : offset + 5]
    name = ".".join(labels)
    if name == "servfail.example":
        return struct.pack(">HHHHHH", query_id, 0x8182, 1, 0, 0, 0) + question
    if name not in ZONE:
        return struct.pack(">HHHHHH", query_id, 0x8183, 1, 0, 0, 0) + question  # NXDOMAIN
    answers = b""
    for strings in ZONE[name]:
        rdata = b"".join(bytes((len(s),)) + s for s in strings)
        # The owner name is a compression pointer to the question (offset 12).
        answers += b"\xc0\x0c" + struct.pack(">HHIH", 16, 1, 300, len(rdata)) + rdata
    message = struct.pack(">HHHHHH", query_id, 0x8180, 1, len(ZONE[name]), 0, 0) + question + answers
    if udp and len(message) > 512:
        return struct.pack(">HHHHHH", query_id, 0x8380, 1, 0, 0, 0) + question  # TC bit set
    return message


class _Udp(asyncio.DatagramProtocol):
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        self.transport.sendto(_answer(data, udp=True), addr)  # type: ignore[attr-defined]


async def _tcp(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    size = struct.unpack(">H", await reader.readexactly(2))[0]
    answer = _answer(await reader.readexactly(size), udp=False)
    writer.write(struct.pack(">H", len(answer)) + answer)
    await writer.drain()
    writer.close()


@pytest.fixture
async def name_server() -> AsyncIterator[tuple[str, int]]:
    server = await asyncio.start_server(_tcp, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    transport, _ = await asyncio.get_running_loop().create_datagram_endpoint(
        _Udp, local_addr=("127.0.0.1", port)
    )
    yield ("127.0.0.1", port)
    transport.close()
    server.close()
    await server.wait_closed()


async def test_txt_records_over_udp_and_tcp(name_server: tuple[str, int]) -> None:
    resolver = SystemTxtResolver([name_server], timeout=2)
    records = await resolver.txt("_cliniglobal-verification.alpha.example")
    assert records == ["cliniglobal-verification=tok-123", "v=spf1 -all"]
    assert await is_verified(resolver, "alpha.example", "tok-123")
    assert not await is_verified(resolver, "alpha.example", "tok-999")
    assert record_name("alpha.example") == "_cliniglobal-verification.alpha.example"
    assert record_value("t") == "cliniglobal-verification=t"
    assert await resolver.txt("nothing-here.example") == []
    assert await resolver.txt("big.example") == ["x" * 200] * 4  # truncated over UDP, complete over TCP
    with pytest.raises(DnsError):
        await resolver.txt("servfail.example")


async def test_a_silent_name_server_times_out() -> None:
    resolver = SystemTxtResolver([("127.0.0.1", 9)], timeout=0.2)  # discard port: nothing answers
    with pytest.raises(DnsError):
        await resolver.txt("alpha.example")


def test_malformed_responses_are_errors() -> None:
    with pytest.raises(DnsError):
        parse_txt_response(b"\x00\x01", 1)
    with pytest.raises(DnsError):
        parse_txt_response(struct.pack(">HHHHHH", 2, 0x8180, 0, 0, 0, 0), 1)  # another query's id
    with pytest.raises(DnsError):
        parse_txt_response(struct.pack(">HHHHHH", 1, 0x8180, 0, 1, 0, 0) + b"\x05abc", 1)


def test_name_servers_come_from_resolv_conf(tmp_path: Path) -> None:
    conf = tmp_path / "resolv.conf"
    conf.write_text("# comment\nsearch example\nnameserver 192.0.2.53\nnameserver 2001:db8::53\n")
    assert system_name_servers(conf) == [("192.0.2.53", 53), ("2001:db8::53", 53)]
    assert system_name_servers(tmp_path / "missing") == [("127.0.0.1", 53)]
