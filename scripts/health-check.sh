#!/usr/bin/env sh
# Thin wrapper kept for the runbook: checks /health, /ready and `up 1` in /metrics.
# Usage: scripts/health-check.sh [URL]   (default http://127.0.0.1:8080)
exec jira-mcp health-check "${1:-http://127.0.0.1:8080}"
