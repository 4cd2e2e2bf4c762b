"""Settings, read from the environment, and the validation rules of ``jira-mcp validate-config``.

Every setting of the operations runbook lives here. Parsing is done by pydantic-settings; the rules
that involve several variables (credentials for the deployment type, the host format) are checked by
:func:`check_settings`, which reports *every* problem at once with the variable name and the fix.
Secret values are ``SecretStr`` and never appear in a problem's text.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import AliasChoices, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

__all__ = [
    "Problem",
    "Settings",
    "check_settings",
    "is_loopback_host",
    "load_settings",
    "normalize_jira_host",
    "settings_problems_from_error",
]

MIN_TOKEN_LENGTH = 20
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_HOSTNAME = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$")
_PROJECT_KEY = re.compile(r"^[A-Z][A-Z0-9_]{0,9}$")


@dataclass(frozen=True)
class Problem:
    """One configuration problem: which variable, what is wrong, how to fix it."""

    variable: str
    message: str
    fix: str
    severity: Literal["error", "warning"] = "error"

    def as_dict(self) -> dict[str, str]:
        return {"variable": self.variable, "severity": self.severity, "message": self.message, "fix": self.fix}


def _split_csv(value: Any) -> Any:
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


def is_loopback_host(host: str) -> bool:
    host = host.strip("[]").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def normalize_jira_host(raw: str) -> str:
    """Turn ``acme.atlassian.net`` or a full URL into a base URL (``https://acme.atlassian.net``).

    Raises ``ValueError`` with an actionable text when the value is not acceptable: plain ``http`` is
    allowed only for loopback addresses (local sandboxes, proxies and tests).
    """
    value = raw.strip().rstrip("/")
    if not value:
        raise ValueError("is empty")
    if "://" not in value:
        value = "https://" + value
    parts = urlsplit(value)
    if parts.scheme not in ("https", "http"):
        raise ValueError(f"uses the scheme {parts.scheme!r}; only https is supported")
    host = parts.hostname or ""
    if not host or (not _HOSTNAME.match(host) and not is_loopback_host(host)):
        raise ValueError(f"{raw.strip()!r} is not a valid host name")
    if parts.username or parts.password:
        raise ValueError("must not contain credentials; use JIRA_EMAIL/JIRA_API_TOKEN or JIRA_PERSONAL_TOKEN")
    if parts.query or parts.fragment:
        raise ValueError("must not contain a query string or fragment")
    if parts.scheme == "http" and not is_loopback_host(host):
        raise ValueError("uses plain http; Jira must be reached over https (http is allowed only on loopback)")
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}{parts.path.rstrip('/')}"


CsvList = Annotated[list[str], NoDecode]


class Settings(BaseSettings):
    """The core's settings. Environment variable names are the field names in upper case."""

    model_config = SettingsConfigDict(env_file=None, extra="ignore", case_sensitive=False, populate_by_name=True)

    # Jira
    jira_host: str | None = None
    jira_deployment: Literal["cloud", "datacenter"] | None = None
    jira_email: str | None = None
    jira_api_token: SecretStr | None = None
    jira_personal_token: SecretStr | None = None
    jira_ca_bundle: str | None = None
    request_timeout_ms: int = Field(30_000, ge=100, le=600_000)
    max_pool_size: int = Field(10, ge=1, le=1000)
    rate_limit_max_requests: int = Field(100, ge=1, le=100_000)
    rate_limit_window_ms: int = Field(60_000, ge=1, le=3_600_000)
    rate_limit_max_wait_ms: int = Field(30_000, ge=0, le=600_000)
    cache_ttl_minutes: float = Field(5, ge=0, le=1440)
    cache_max_entries: int = Field(5000, ge=1, le=1_000_000)

    # Policy
    jira_project_whitelist: CsvList = Field(default_factory=list)
    read_only_mode: bool = False
    enabled_tools: CsvList = Field(default_factory=list)

    # Runtime
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"
    app_env: str = Field("production", validation_alias=AliasChoices("APP_ENV", "NODE_ENV", "app_env"))
    mcp_http_host: str = "127.0.0.1"
    mcp_http_port: int = Field(8080, ge=0, le=65535)
    mcp_auth_tokens: Annotated[list[SecretStr], NoDecode] = Field(default_factory=list)
    mcp_allow_unauthenticated: bool = False
    mcp_json_response: bool = True
    mcp_allowed_hosts: CsvList = Field(default_factory=list)
    mcp_allowed_origins: CsvList = Field(default_factory=list)
    metrics_auth_token: SecretStr | None = None
    max_request_body_bytes: int = Field(1_048_576, ge=1024, le=64 * 1_048_576)
    shutdown_grace_seconds: float = Field(20, ge=0, le=600)
    ready_cache_seconds: float = Field(5, ge=0, le=300)

    # Plugins
    jira_mcp_plugins: Annotated[list[str] | None, NoDecode] = None
    jira_mcp_disable_plugins: CsvList = Field(default_factory=list)
    jira_mcp_strict_plugins: bool = False

    @field_validator(
        "jira_project_whitelist",
        "enabled_tools",
        "mcp_allowed_hosts",
        "mcp_allowed_origins",
        "jira_mcp_disable_plugins",
        mode="before",
    )
    @classmethod
    def _csv(cls, value: Any) -> Any:
        return _split_csv(value)

    @field_validator("jira_mcp_plugins", mode="before")
    @classmethod
    def _plugins(cls, value: Any) -> Any:
        # Unset means "all plugins"; set but empty means "none" (the llm convention).
        return None if value is None else _split_csv(value)

    @field_validator("mcp_auth_tokens", mode="before")
    @classmethod
    def _tokens(cls, value: Any) -> Any:
        return _split_csv(value)

    @field_validator("jira_project_whitelist")
    @classmethod
    def _project_keys(cls, value: list[str]) -> list[str]:
        keys = [key.upper() for key in value]
        bad = [key for key in keys if not _PROJECT_KEY.match(key)]
        if bad:
            raise ValueError(f"{', '.join(bad)} not a Jira project key (letters/digits, starting with a letter)")
        return keys

    @field_validator("log_level", mode="before")
    @classmethod
    def _level(cls, value: Any) -> Any:
        return value.upper() if isinstance(value, str) else value

    @field_validator("jira_deployment", mode="before")
    @classmethod
    def _deployment(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = value.strip().lower().replace("-", "").replace("_", "")
            return {"server": "datacenter", "dc": "datacenter"}.get(value, value) or None
        return value

    # Derived values -------------------------------------------------------------------------
    @property
    def jira_base_url(self) -> str | None:
        if not self.jira_host:
            return None
        try:
            return normalize_jira_host(self.jira_host)
        except ValueError:
            return None

    @property
    def deployment(self) -> Literal["cloud", "datacenter"]:
        """Explicit JIRA_DEPLOYMENT, else inferred: *.atlassian.net or email + API token is Cloud; a PAT is DC."""
        if self.jira_deployment:
            return self.jira_deployment
        host = urlsplit(self.jira_base_url or "").hostname or ""
        if host.endswith(".atlassian.net"):
            return "cloud"
        if self.jira_personal_token is not None:
            return "datacenter"
        return "cloud"

    @property
    def is_development(self) -> bool:
        return self.app_env.lower() in ("development", "dev", "local", "test")

    def secret_values(self) -> list[str]:
        """Every secret this process knows, for the log redactor."""
        values = [
            s.get_secret_value() for s in (self.jira_api_token, self.jira_personal_token, self.metrics_auth_token) if s
        ]
        values += [t.get_secret_value() for t in self.mcp_auth_tokens]
        return [v for v in values if v]


def settings_problems_from_error(error: ValidationError) -> list[Problem]:
    """Turn pydantic's errors into problems named by environment variable, without input values."""
    problems = []
    for item in error.errors(include_input=False, include_url=False):
        name = str(item["loc"][0]) if item["loc"] else "?"
        variable = name.upper()
        message = item["msg"].removeprefix("Value error, ")
        problems.append(Problem(variable, message, f"set {variable} to a valid value (see docs/configuration.md)"))
    return problems


def check_settings(settings: Settings) -> list[Problem]:
    """The runbook's rules that need several variables at once."""
    problems: list[Problem] = []
    add = problems.append
    if not settings.jira_host:
        add(Problem("JIRA_HOST", "is not set", "set JIRA_HOST to your site, e.g. acme.atlassian.net"))
    else:
        try:
            normalize_jira_host(settings.jira_host)
        except ValueError as exc:
            add(Problem("JIRA_HOST", str(exc), "use a host name like acme.atlassian.net or https://jira.example.com"))
    host = urlsplit(settings.jira_base_url or "").hostname or ""
    deployment = settings.deployment
    is_cloud_host = host.endswith(".atlassian.net") or is_loopback_host(host)
    if deployment == "cloud":
        if host and not is_cloud_host:
            add(
                Problem(
                    "JIRA_HOST",
                    f"{host} is not a Jira Cloud site (Cloud sites end in .atlassian.net)",
                    "use your-site.atlassian.net, or for Jira Data Center set JIRA_DEPLOYMENT=datacenter and "
                    "JIRA_PERSONAL_TOKEN",
                )
            )
        if not settings.jira_email:
            add(
                Problem(
                    "JIRA_EMAIL",
                    "is not set (Jira Cloud uses email + API token)",
                    "set JIRA_EMAIL to the Atlassian account's email address",
                )
            )
        if settings.jira_api_token is None:
            add(Problem("JIRA_API_TOKEN", "is not set", "create a token at id.atlassian.com → Security → API tokens"))
    else:
        if settings.jira_personal_token is None and settings.jira_api_token is None:
            add(
                Problem(
                    "JIRA_PERSONAL_TOKEN",
                    "is not set (Jira Data Center uses a personal access token)",
                    "create one in Jira: profile → Personal Access Tokens",
                )
            )
        if settings.jira_api_token is not None and settings.jira_personal_token is None and not settings.jira_email:
            add(
                Problem(
                    "JIRA_EMAIL",
                    "is not set (basic auth needs a user name)",
                    "set JIRA_EMAIL to the user name, or use JIRA_PERSONAL_TOKEN instead",
                )
            )
    if settings.jira_email is not None and not _EMAIL.match(settings.jira_email) and deployment == "cloud":
        add(Problem("JIRA_EMAIL", "is not a valid email address", "use the email of the Atlassian account"))
    for variable, secret in (
        ("JIRA_API_TOKEN", settings.jira_api_token),
        ("JIRA_PERSONAL_TOKEN", settings.jira_personal_token),
    ):
        if secret is not None and len(secret.get_secret_value().strip()) < MIN_TOKEN_LENGTH:
            add(
                Problem(
                    variable,
                    f"is too short (a Jira token has at least {MIN_TOKEN_LENGTH} characters)",
                    "paste the whole token; it may have been truncated",
                )
            )
    if settings.jira_ca_bundle:
        import os

        if not os.path.isfile(settings.jira_ca_bundle):
            add(Problem("JIRA_CA_BUNDLE", "names a file that does not exist", "point it at a PEM bundle"))
    for token in settings.mcp_auth_tokens:
        if len(token.get_secret_value()) < 16:
            add(
                Problem(
                    "MCP_AUTH_TOKENS",
                    "contains a token shorter than 16 characters",
                    "use long random tokens, e.g. `openssl rand -hex 32`",
                )
            )
            break
    if settings.rate_limit_max_requests * 1000 / settings.rate_limit_window_ms > 1000:
        add(
            Problem(
                "RATE_LIMIT_MAX_REQUESTS",
                "allows more than 1000 requests per second to Jira",
                "Jira Cloud throttles far below that; lower it or widen RATE_LIMIT_WINDOW_MS",
                "warning",
            )
        )
    return problems


def load_settings(**overrides: Any) -> tuple[Settings | None, list[Problem]]:
    """Read settings from the environment; return them with every parse problem (never raises)."""
    try:
        settings = Settings(**overrides)
    except ValidationError as exc:
        return None, settings_problems_from_error(exc)
    return settings, []
