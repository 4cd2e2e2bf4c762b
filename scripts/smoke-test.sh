#!/usr/bin/env sh
# The runbook's smoke test: health, readiness, metrics, and an MCP tools/list over HTTP with the token.
# Usage: scripts/smoke-test.sh [URL] [TOKEN]   (defaults: http://127.0.0.1:8080, $MCP_AUTH_TOKEN)
# Exits non-zero on the first failure.
set -eu
URL="${1:-http://127.0.0.1:8080}"
TOKEN="${2:-${MCP_AUTH_TOKEN:-}}"

jira-mcp health-check "$URL"

auth=""
[ -n "$TOKEN" ] && auth="Authorization: Bearer $TOKEN"
headers_file=$(mktemp); body_file=$(mktemp)
trap 'rm -f "$headers_file" "$body_file"' EXIT

curl -fsS -D "$headers_file" -o "$body_file" -X POST "$URL/mcp" \
  -H "Content-Type: application/json" -H "Accept: application/json, text/event-stream" \
  -H "MCP-Protocol-Version: 2025-11-25" ${auth:+-H "$auth"} \
  -d '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"smoke-test","version":"1"}}}'
session=$(grep -i '^mcp-session-id:' "$headers_file" | cut -d' ' -f2 | tr -d '\r')
[ -n "$session" ] || { echo "FAIL initialize: no Mcp-Session-Id"; exit 1; }
echo "ok   initialize: session $session"

curl -fsS -o /dev/null -X POST "$URL/mcp" -H "Content-Type: application/json" \
  -H "Accept: application/json, text/event-stream" -H "Mcp-Session-Id: $session" \
  -H "MCP-Protocol-Version: 2025-11-25" ${auth:+-H "$auth"} \
  -d '{"jsonrpc":"2.0","method":"notifications/initialized"}'

curl -fsS -o "$body_file" -X POST "$URL/mcp" -H "Content-Type: application/json" \
  -H "Accept: application/json, text/event-stream" -H "Mcp-Session-Id: $session" \
  -H "MCP-Protocol-Version: 2025-11-25" ${auth:+-H "$auth"} \
  -d '{"jsonrpc":"2.0","id":2,"method":"tools/list"}'
count=$(grep -o '"name":"[a-z_]*"' "$body_file" | wc -l)
[ "$count" -gt 0 ] || { echo "FAIL tools/list: no tools"; cat "$body_file"; exit 1; }
echo "ok   tools/list: $count tools"
