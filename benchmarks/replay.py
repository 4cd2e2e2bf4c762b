"""A zero-latency local Jira for benchmarks: the sandbox's answers, replayed from memory.

The first time a request is seen it is forwarded to the upstream sandbox and its answer kept; from then
on it is answered from memory by a minimal HTTP/1.1 keep-alive server, so a tool call's measured time
is the MCP server's own and not the sandbox's rendering. Reads only (``GET`` and JQL search ``POST``s)
are kept; anything else is always forwarded.

    python benchmarks/replay.py --upstream http://127.0.0.1:8090 --port 8091
"""

from __future__ import annotations

import argparse
import asyncio

import aiohttp

_KEPT_POSTS = ("/search/jql", "/search")


class Replay:
    def __init__(self, upstream: str) -> None:
        self.upstream = upstream.rstrip("/")
        self.answers: dict[tuple[str, str, bytes, str], bytes] = {}
        self.http: aiohttp.ClientSession | None = None

    async def answer(self, method: str, target: str, headers: dict[str, str], body: bytes) -> bytes:
        key = (method, target, body, headers.get("authorization", ""))
        kept = self.answers.get(key)
        if kept is not None:
            return kept
        if self.http is None:
            self.http = aiohttp.ClientSession(auto_decompress=False)
        forward = {k: v for k, v in headers.items() if k in ("authorization", "content-type", "accept")}
        async with self.http.request(method, self.upstream + target, headers=forward, data=body or None) as response:
            payload = await response.read()
            head = [f"HTTP/1.1 {response.status} {response.reason or ''}", f"Content-Length: {len(payload)}"]
            for name in ("Content-Type", "Retry-After", "WWW-Authenticate"):
                if name in response.headers:
                    head.append(f"{name}: {response.headers[name]}")
            raw = ("\r\n".join(head) + "\r\n\r\n").encode() + payload
        path = target.split("?")[0]
        if response.status < 300 and (method == "GET" or (method == "POST" and path.endswith(_KEPT_POSTS))):
            self.answers[key] = raw
        return raw

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                method, target, _ = lines[0].split(" ", 2)
                headers = {}
                for line in lines[1:]:
                    if ":" in line:
                        name, value = line.split(":", 1)
                        headers[name.strip().lower()] = value.strip()
                length = int(headers.get("content-length", "0") or 0)
                body = await reader.readexactly(length) if length else b""
                writer.write(await self.answer(method, target, headers, body))
                await writer.drain()
                if headers.get("connection", "").lower() == "close":
                    break
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError):
            pass
        finally:
            writer.close()


async def main(upstream: str, port: int) -> None:
    replay = Replay(upstream)
    server = await asyncio.start_server(replay.serve, "127.0.0.1", port)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--upstream", required=True)
    parser.add_argument("--port", type=int, required=True)
    options = parser.parse_args()
    asyncio.run(main(options.upstream, options.port))
