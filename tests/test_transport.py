"""The Jira client's wire (httpx requests over aiohttp): decoding, write safety, proxies.

Each test runs a tiny raw HTTP server on 127.0.0.1 so that it controls the bytes on the wire — what
the sandbox cannot do (drop a connection after reading a request, speak as a proxy, gzip a body).
"""

from __future__ import annotations

import asyncio
import gzip
import ipaddress
import json
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from jira_mcp.errors import JiraMcpError
from jira_mcp.jira.client import JiraClient, RetryPolicy
from jira_mcp.observability.metrics import Metrics

pytestmark = pytest.mark.anyio

Reply = Callable[[bytes], Awaitable[bytes | None]]


@asynccontextmanager
async def raw_server(reply: Reply, tls: ssl.SSLContext | None = None) -> AsyncIterator[tuple[str, list[bytes]]]:
    """Serve one request per connection: ``reply(request_head)`` gives the bytes to send, or None to hang up."""
    seen: list[bytes] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            length = next(
                (
                    int(line.split(b":")[1])
                    for line in head.split(b"\r\n")
                    if line.lower().startswith(b"content-length")
                ),
                0,
            )
            if length:
                await reader.readexactly(length)
            seen.append(head)
            answer = await reply(head)
            if answer is not None:
                writer.write(answer)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0, ssl=tls)
    port = server.sockets[0].getsockname()[1]
    async with server:
        yield f"{'https' if tls else 'http'}://127.0.0.1:{port}", seen


def response(body: bytes, *, status: str = "200 OK", headers: dict[str, str] | None = None) -> bytes:
    lines = [f"HTTP/1.1 {status}", f"Content-Length: {len(body)}", "Connection: close"]
    lines += [f"{k}: {v}" for k, v in (headers or {"Content-Type": "application/json"}).items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def client(url: str, **options: Any) -> JiraClient:
    defaults: dict[str, Any] = {
        "email": "bot@example.com",
        "api_token": "s3cret-token",
        "metrics": Metrics(process=False),
        "retry": RetryPolicy(attempts=3, base_delay=0.01, max_delay=0.02, min_delay=0.01, budget=5),
        "timeout": 2.0,
    }
    defaults.update(options)
    return JiraClient(url, **defaults)


async def test_gzip_body_is_decoded_and_compression_is_asked_for() -> None:
    payload = {"key": "ENG-1", "fields": {"summary": "x" * 2000}}

    async def reply(head: bytes) -> bytes:
        return response(
            gzip.compress(json.dumps(payload).encode()),
            headers={"Content-Type": "application/json", "Content-Encoding": "gzip"},
        )

    async with raw_server(reply) as (url, seen):
        jira = client(url)
        try:
            assert await jira.get("/rest/api/3/issue/ENG-1", cache=False) == payload
        finally:
            await jira.aclose()
    head = seen[0].decode().lower()
    assert "accept-encoding: gzip, deflate" in head
    assert "authorization: basic " in head and "user-agent: jira-mcp" in head


async def test_a_write_is_not_resent_when_the_connection_drops_after_sending() -> None:
    async def hang_up(head: bytes) -> None:
        return None

    async with raw_server(hang_up) as (url, seen):
        jira = client(url)
        try:
            with pytest.raises(JiraMcpError) as info:
                await jira.post("/rest/api/3/issue", json={"fields": {"summary": "once"}})
            assert info.value.code == "JIRA_CONNECTION_FAILED"
            assert len(seen) == 1, "Jira may have created the issue: a retry could create it twice"

            with pytest.raises(JiraMcpError):
                await jira.get("/rest/api/3/myself", cache=False)
            # Reads are retried: by the client (3 attempts) and, for a dropped connection, once more
            # by aiohttp itself, as RFC 9112 §9.3.1 allows for idempotent requests.
            assert len(seen) - 1 >= 3
        finally:
            await jira.aclose()


async def test_proxy_from_environment_and_no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    async def as_proxy(head: bytes) -> bytes:
        return response(b'{"accountId": "via-proxy"}')

    async with raw_server(as_proxy) as (proxy_url, seen):
        monkeypatch.setenv("HTTP_PROXY", proxy_url)
        monkeypatch.delenv("NO_PROXY", raising=False)
        monkeypatch.delenv("no_proxy", raising=False)
        jira = client("http://jira.example.test")
        try:
            assert await jira.get("/rest/api/3/myself", cache=False) == {"accountId": "via-proxy"}
        finally:
            await jira.aclose()
        assert seen[0].startswith(b"GET http://jira.example.test/rest/api/3/myself HTTP/1.1")

        monkeypatch.setenv("NO_PROXY", "example.test")
        direct = client("http://jira.example.test", retry=RetryPolicy(attempts=1))
        try:
            with pytest.raises(JiraMcpError) as info:
                await direct.get("/rest/api/3/myself", cache=False)
        finally:
            await direct.aclose()
        assert info.value.code == "DNS_RESOLUTION_FAILED"  # went direct, and .test never resolves
        assert len(seen) == 1


async def test_read_timeout_of_a_write_is_not_retried() -> None:
    async def slow(head: bytes) -> bytes:
        await asyncio.sleep(1.0)
        return response(b"{}")

    async with raw_server(slow) as (url, seen):
        jira = client(url, timeout=0.3)
        try:
            with pytest.raises(JiraMcpError) as info:
                await jira.post("/rest/api/3/issue", json={})
        finally:
            await jira.aclose()
    assert info.value.code == "JIRA_TIMEOUT"
    assert len(seen) == 1


def private_ca(tmp_path: Path) -> tuple[Path, ssl.SSLContext]:
    """A private CA (as Data Center sites often have) and a server context with a certificate it signed."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = datetime.now(UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "jira-mcp test CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    bundle, chain, secret = tmp_path / "ca.pem", tmp_path / "server.pem", tmp_path / "server.key"
    bundle.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    chain.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    secret.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(chain, secret)
    return bundle, context


async def test_a_private_ca_bundle_is_trusted_and_nothing_else_is(tmp_path: Path) -> None:
    bundle, tls = private_ca(tmp_path)

    async def reply(head: bytes) -> bytes:
        return response(b'{"version": "9.12.0"}')

    async with raw_server(reply, tls) as (url, seen):
        trusted = client(url, verify=str(bundle))
        untrusted = client(url, retry=RetryPolicy(attempts=1))
        try:
            assert await trusted.get("/rest/api/2/serverInfo", cache=False) == {"version": "9.12.0"}
            with pytest.raises(JiraMcpError) as info:
                await untrusted.get("/rest/api/2/serverInfo", cache=False)
        finally:
            await trusted.aclose()
            await untrusted.aclose()
    assert info.value.code == "TLS_HANDSHAKE_FAILED"
    assert len(seen) == 1  # the untrusted handshake never reached HTTP
