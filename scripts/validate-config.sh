#!/usr/bin/env sh
# Thin wrapper kept for the runbook: checks every setting, exits 1 on any error.
exec jira-mcp validate-config "$@"
