"""Every setting, read from settings.toml with TOWNSHIP_* environment overrides."""

from __future__ import annotations

import base64
import binascii
import json
import os
import secrets
import tomllib
from collections.abc import Mapping
from datetime import date, time
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    IPvAnyNetwork,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)
from yarl import URL

from notifications.channels import CHANNELS
from notifications.outbox_settings import OutboxSettings
from wechat.sandbox import PREFIX as SANDBOX_PREFIX

ENV_PREFIX = "TOWNSHIP_"
_LOOPBACK = ("127.0.0.1", "localhost", "::1")


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AccountSettings(_Section):
    name: str = Field("吴桥县", min_length=1, max_length=30)
    hotline: str = "0317-7200000"
    office_hours: str = "工作日 8:30-12:00，14:30-17:30"
    # The township that owns the account (its name in the data set); empty: the county.
    township: str = Field("", max_length=32)


class HttpSettings(_Section):
    host: str = "127.0.0.1"
    port: int = Field(8080, ge=0, le=65535)
    max_body_bytes: int = Field(65536, ge=1024, le=10 * 1024 * 1024)
    staff_deadline: float = Field(2.0, gt=0, le=60)
    # Proxies (addresses or networks) whose X-Forwarded-For names the caller (nginx).
    trusted_proxies: list[IPvAnyNetwork] = Field(default_factory=list)
    event_loop: Literal["uvloop", "asyncio"] = "uvloop"


class WeChatSettings(_Section):
    appid: str = Field("wx0000000000sandbox", min_length=1, max_length=32)
    secret: str | None = None
    token: str | None = Field(None, min_length=3, max_length=32)
    aes_key: str | None = None
    mode: Literal["plain", "compatible", "safe"] = "safe"
    api_base_url: str = "https://api.weixin.qq.com"
    sandbox: bool = True
    timestamp_window: int = Field(300, ge=1)
    reply_budget: float = Field(4.0, gt=0, le=4.8)
    api_timeout: float = Field(5.0, gt=0)
    api_attempts: int = Field(3, ge=1, le=10)

    @field_validator("api_base_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("https://", "http://")):
            raise ValueError("must be an http(s) URL")
        return value

    @field_validator("aes_key")
    @classmethod
    def _aes_key_is_43_base64_chars(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            raw = base64.b64decode(value + "=", validate=True)
        except (binascii.Error, ValueError):
            raw = b""
        if len(value) != 43 or len(raw) != 32:
            raise ValueError("must be the 43-character EncodingAESKey from WeChat's console")
        return value


class DatabaseSettings(_Section):
    url: str = ""
    connect_timeout: float = Field(2.0, gt=0, le=60)
    command_timeout: float = Field(10.0, gt=0, le=600)

    @field_validator("url")
    @classmethod
    def _known_database(cls, value: str) -> str:
        if value and not value.startswith(("sqlite://", "postgres://", "asyncpg://")):
            raise ValueError("must be empty, sqlite://PATH or postgres://USER@HOST:PORT/DB")
        return value


class RedisSettings(_Section):
    url: str = ""

    @field_validator("url")
    @classmethod
    def _known_redis(cls, value: str) -> str:
        if value and not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("must be empty, redis://HOST:PORT/DB, rediss://... or unix://PATH")
        return value


class ConversationSettings(_Section):
    session_timeout_minutes: int = Field(30, ge=1, le=24 * 60)
    max_attempts: int = Field(3, ge=1, le=10)
    dedupe_seconds: int = Field(600, ge=30)
    step_limit_seconds: float = Field(30.0, gt=0, le=300)
    messages_per_minute: float = Field(30.0, ge=0, le=6000)
    message_burst: int = Field(20, ge=1, le=1000)


def _channel_list(value: list[str]) -> list[str]:
    if not value:
        raise ValueError("name at least one channel")
    unknown = [c for c in value if c not in CHANNELS]
    if unknown:
        raise ValueError(f"unknown channel {unknown[0]!r}; choose from {', '.join(CHANNELS)}")
    if len(set(value)) != len(value):
        raise ValueError("a channel is named twice")
    return value


def _templates_named(section: BaseModel, name: str, *routes: list[str]) -> None:
    """Each channel a route uses that needs a WeChat template has its setting filled."""
    for channel in dict.fromkeys(c for route in routes for c in route):
        setting = CHANNELS[channel].template_setting
        if setting and setting not in type(section).model_fields:
            raise ValueError(f"{name} cannot use the {channel} channel: it has no {setting}")
        if setting and not getattr(section, setting):
            raise ValueError(f"{name}.{setting} is needed for the {channel} channel")


class NoticeSettings(_Section):
    channels: list[str] = Field(default_factory=lambda: ["template", "custom"])
    emergency_channels: list[str] = Field(default_factory=lambda: ["template", "custom"])
    template_id: str = Field("notice-template", max_length=64)
    subscribe_template_id: str = Field("", max_length=64)
    page_size: int = Field(500, ge=1, le=10_000)
    lease_seconds: float = Field(60.0, gt=0)
    title_max: int = Field(64, ge=1, le=64)
    body_max: int = Field(5000, ge=1, le=100_000)

    @field_validator("channels", "emergency_channels")
    @classmethod
    def _known_channels(cls, value: list[str]) -> list[str]:
        return _channel_list(value)

    @model_validator(mode="after")
    def _templates_named(self) -> NoticeSettings:
        _templates_named(self, "notices", self.channels, self.emergency_channels)
        return self


class FeedbackDays(_Section):
    complaint: int = Field(5, ge=1, le=60)
    suggestion: int = Field(15, ge=1, le=60)
    help: int = Field(3, ge=1, le=60)
    incident: int = Field(3, ge=1, le=60)  # a grid worker's report (事件上报)


class TicketSettings(_Section):
    channels: list[str] = Field(default_factory=lambda: ["custom", "template"])
    template_id: str = Field("ticket-template", max_length=64)
    auto_close_days: int = Field(7, ge=1, le=90)
    # How often to look for resolved tickets to close (seconds).
    sweep_seconds: float = Field(300.0, gt=0)
    # 办理时限 in working days for what residents raise themselves (反映问题).
    feedback_days: FeedbackDays = FeedbackDays()
    page_size: int = Field(20, ge=1, le=100)
    # Days the State Council's schedule adds for a year chinese-calendar does not know yet.
    extra_holidays: list[date] = Field(default_factory=list)
    extra_workdays: list[date] = Field(default_factory=list)
    # How often each process rereads the days county admins entered, should it miss the
    # message a change sends (seconds).
    calendar_reload_seconds: float = Field(300.0, gt=0)

    @field_validator("channels")
    @classmethod
    def _known_channels(cls, value: list[str]) -> list[str]:
        value = _channel_list(value)
        if not all(CHANNELS[c].personal for c in value):
            raise ValueError("a ticket update goes to one person: not by a mass send")
        return value

    @model_validator(mode="after")
    def _template_named(self) -> TicketSettings:
        _templates_named(self, "tickets", self.channels)
        return self


class MediaSettings(_Section):
    store: Literal["folder", "s3"] = "folder"
    s3_endpoint_url: str = ""
    s3_bucket: str = ""
    s3_prefix: str = ""
    s3_region: str = "us-east-1"
    s3_access_key: str | None = None
    s3_secret_key: str | None = None
    max_bytes: int = Field(10 * 1024 * 1024, ge=1024)
    attempts: int = Field(6, ge=1, le=50)
    retry_seconds: float = Field(30.0, gt=0)
    poll_seconds: float = Field(2.0, gt=0)

    @model_validator(mode="after")
    def _bucket_named(self) -> MediaSettings:
        if self.store == "s3" and not self.s3_bucket:
            raise ValueError("media.s3_bucket is needed when media.store is s3")
        return self


class StaffSettings(_Section):
    token_hours: float = Field(12.0, gt=0, le=24 * 30)
    requests_per_second: float = Field(10.0, ge=0, le=10_000)
    request_burst: int = Field(60, ge=1, le=100_000)
    idempotency_hours: float = Field(24.0, gt=0, le=24 * 30)
    repeat_window_seconds: float = Field(60.0, ge=0, le=3600)
    # Sign-ins: wrong passwords for one name slow that name down (not a lock); an address
    # trying too many sign-ins waits; an account's usual addresses are slowed only by
    # their own failures.
    login_free_failures: int = Field(3, ge=0, le=100)
    login_delay_seconds: float = Field(1.0, gt=0, le=600)
    login_delay_cap_seconds: float = Field(300.0, gt=0, le=24 * 3600)
    login_forget_minutes: float = Field(60.0, gt=0, le=7 * 24 * 60)
    logins_per_minute_per_address: float = Field(10.0, ge=0, le=100_000)
    login_address_burst: int = Field(20, ge=1, le=100_000)
    usual_addresses: int = Field(5, ge=0, le=50)
    usual_address_days: float = Field(30.0, gt=0, le=366)
    # The most rows one export (Excel or CSV) writes: a larger one is refused in words.
    export_rows_max: int = Field(200_000, ge=1, le=1_048_575)


class ConsoleSettings(_Section):
    # Served over https (behind nginx with TLS): the session cookie is marked Secure.
    https: bool = False
    idle_minutes: float = Field(120.0, gt=0, le=24 * 60)
    absolute_hours: float = Field(12.0, gt=0, le=24 * 7)
    # How often an open queue looks for new tickets when no wake-up came.
    live_seconds: float = Field(3.0, gt=0, le=300)
    # The console's address as staff open it (e.g. "https://desk.example.gov.cn/console"),
    # for the link in the weekly digest; empty: http://<http.host>:<http.port>/console.
    address: str = Field("", max_length=200)


class SupervisionSettings(_Section):
    # 首问负责: working days from submission to 受理.
    accept_days: int = Field(1, ge=1, le=10)
    # 预警 (due soon): at most warn_days working days left, or warn_fraction of the time
    # limit when that is more.
    warn_days: int = Field(1, ge=0, le=30)
    warn_fraction: float = Field(0.2, ge=0, le=1)
    # The working day, Beijing time: reminders go out only within it (on working days),
    # and response times count only its hours.
    day_starts: time = time(8, 30)
    day_ends: time = time(18, 0)
    # Working days overdue before a 督办单 is issued by itself, and the working days the
    # unit is given to answer one.
    escalate_after_days: int = Field(3, ge=1, le=60)
    answer_days: int = Field(2, ge=1, le=30)
    # A unit with fewer tickets than this in a period is listed on the scoreboard, not ranked.
    min_sample: int = Field(10, ge=1, le=10_000)
    # The weekly digest: the day (1 Monday ... 7 Sunday) and time, Beijing time.
    digest_weekday: int = Field(1, ge=1, le=7)
    digest_time: time = time(8, 30)
    # How often each process looks for reminders and digests due (seconds).
    sweep_seconds: float = Field(60.0, gt=0)

    @model_validator(mode="after")
    def _window(self) -> SupervisionSettings:
        if self.day_starts >= self.day_ends:
            raise ValueError("day_starts must be before day_ends")
        return self


class LoggingSettings(_Section):
    level: Literal["debug", "info", "warning", "error"] = "info"
    json_lines: bool = Field(False, alias="json")
    # One line per HTTP request at info (otherwise at debug); slow or failed requests are
    # logged as warnings whatever this says.
    access: bool = False
    slow_ms: int = Field(1000, ge=1)

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class MenuButton(_Section):
    name: str = Field(min_length=1, max_length=16)
    type: Literal["click", "view"] | None = None
    key: str | None = Field(None, max_length=128)
    url: str | None = None
    sub_buttons: list[MenuButton] = Field(default_factory=list, max_length=5)


class MenuSettings(_Section):
    buttons: list[MenuButton] = Field(default_factory=list, max_length=3)


class Settings(BaseSettings):
    """All settings. Build with :func:`load_settings`; never read the environment elsewhere."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_nested_delimiter="__",
        extra="forbid",
        frozen=True,
    )

    data_dir: Path = Path("./data")
    account: AccountSettings = AccountSettings()
    http: HttpSettings = HttpSettings()
    wechat: WeChatSettings = WeChatSettings()
    database: DatabaseSettings = DatabaseSettings()
    redis: RedisSettings = RedisSettings()
    conversation: ConversationSettings = ConversationSettings()
    outbox: OutboxSettings = OutboxSettings()
    notices: NoticeSettings = NoticeSettings()
    tickets: TicketSettings = TicketSettings()
    media: MediaSettings = MediaSettings()
    staff: StaffSettings = StaffSettings()
    console: ConsoleSettings = ConsoleSettings()
    supervision: SupervisionSettings = SupervisionSettings()
    logging: LoggingSettings = LoggingSettings()
    menu: MenuSettings = MenuSettings()

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # The environment wins over the file (passed in as init values).
        return (env_settings, init_settings)

    @model_validator(mode="after")
    def _consistent(self) -> Settings:
        if self.conversation.dedupe_seconds < self.wechat.timestamp_window + 60:
            raise ValueError(
                "conversation.dedupe_seconds must exceed wechat.timestamp_window by 60 s, "
                "or a replayed request could be taken for a new one"
            )
        if self.wechat.sandbox and self.http.host not in _LOOPBACK:
            raise ValueError(
                "wechat.sandbox shows every pushed message to anyone who can reach it: "
                "turn it off, or serve on a loopback http.host"
            )
        return self

    @property
    def local_url(self) -> str:
        """How a process on this machine reaches the service (chat, the sandbox client)."""
        host = self.http.host
        if host in ("", "0.0.0.0", "::"):
            host = "127.0.0.1"
        elif ":" in host and not host.startswith("["):
            host = f"[{host}]"
        return f"http://{host}:{self.http.port}"

    @property
    def wechat_api_base_url(self) -> str:
        """Where the service's calls to WeChat go: the local sandbox when it is on."""
        if self.wechat.sandbox:
            return self.local_url + SANDBOX_PREFIX
        return self.wechat.api_base_url

    @property
    def database_url(self) -> str:
        return self.database.url or f"sqlite://{(self.data_dir / 'township.sqlite3').resolve()}"


class SettingsError(Exception):
    """A setting is missing or wrong; the message is one line naming it."""


class StartupError(Exception):
    """A part of the service could not start (the database or Redis cannot be reached, a
    file is missing); the message says which and why in one line, without secrets."""


def without_password(url: str) -> str:
    """A connection URL fit to print: any password replaced by ***."""
    parsed = URL(url)
    return str(parsed.with_password("***")) if parsed.password else url


def required(value: str | None, name: str) -> str:
    """A setting that must be set by now (``with_secrets`` fills the sandbox's)."""
    if not value:
        env = ENV_PREFIX + "__".join(part.upper() for part in name.split("."))
        raise SettingsError(f"bad setting {name} ({env}): required; set it in the environment")
    return value


def _describe(error: Mapping[str, Any]) -> str:
    loc = [str(part) for part in error.get("loc", ())]
    if not loc:  # a rule across settings; its message names them
        return f"bad settings: {str(error.get('msg', 'invalid')).removeprefix('Value error, ')}"
    dotted = ".".join(loc) or "(settings)"
    env = (
        ENV_PREFIX + "__".join(p.upper() for p in loc)
        if len(loc) > 1
        else ENV_PREFIX + dotted.upper()
    )
    return f"bad setting {dotted} ({env}): {error.get('msg', 'invalid')}"


def load_settings(
    path: Path | str | None = "settings.toml",
    *,
    overrides: Mapping[str, Any] | None = None,
) -> Settings:
    """Read ``path`` (if it exists), apply ``overrides`` and then the environment.

    Raises :class:`SettingsError` with one line naming the first bad setting.
    """
    data: dict[str, Any] = {}
    if path is not None and Path(path).exists():
        try:
            data = tomllib.loads(Path(path).read_text("utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise SettingsError(f"bad settings file {path}: {exc}") from None
    for key, value in (overrides or {}).items():
        if isinstance(value, Mapping) and isinstance(data.get(key), Mapping):
            data[key] = {**data[key], **value}
        else:
            data[key] = value
    try:
        settings = Settings(**data)
    except ValidationError as exc:
        raise SettingsError(_describe(exc.errors()[0])) from None
    return with_secrets(settings)


def with_secrets(settings: Settings) -> Settings:
    """Fill in the WeChat secrets.

    In sandbox mode, missing secrets are generated once and kept under data_dir so that
    `township chat` (which plays WeChat) and the service agree. Outside the sandbox a
    missing secret stops start-up.
    """
    wx = settings.wechat
    needed = {"token": wx.token, "secret": wx.secret}
    if wx.mode != "plain":
        needed["aes_key"] = wx.aes_key
    missing = [name for name, value in needed.items() if not value]
    if not missing:
        return settings
    if not wx.sandbox:
        name = missing[0]
        raise SettingsError(
            f"bad setting wechat.{name} ({ENV_PREFIX}WECHAT__{name.upper()}): required "
            "outside the sandbox; set it in the environment"
        )
    stored = _sandbox_secrets(settings.data_dir)
    filled = {name: getattr(wx, name) or stored[name] for name in ("token", "secret", "aes_key")}
    return settings.model_copy(update={"wechat": wx.model_copy(update=filled)})


def _sandbox_secrets(data_dir: Path) -> dict[str, str]:
    path = data_dir / "sandbox-secrets.json"
    if path.exists():
        stored: dict[str, str] = json.loads(path.read_text("utf-8"))
        return stored
    data_dir.mkdir(parents=True, exist_ok=True)
    generated = {
        "token": secrets.token_urlsafe(18)[:24],
        "secret": secrets.token_hex(16),
        "aes_key": base64.b64encode(secrets.token_bytes(32)).decode().rstrip("="),
    }
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(generated), "utf-8")
    os.chmod(tmp, 0o600)
    tmp.replace(path)
    return generated
