"""The outbox's settings ([outbox] in settings.toml): declared here, beside the
dispatcher that reads them, and composed into the service's settings by bot.settings."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class OutboxSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    batch: int = Field(500, ge=1, le=10_000)
    concurrency: int = Field(200, ge=1, le=1000)
    lanes: int = Field(2, ge=1, le=16)
    mass_batch: int = Field(10_000, ge=3, le=10_000)
    lease_seconds: float = Field(60.0, gt=0)
    poll_seconds: float = Field(2.0, gt=0)

    rate_per_second: float = Field(200.0, ge=0)
    rate_burst: int = Field(20, ge=1)
    person_gap_seconds: float = Field(1.0, ge=0)
    max_attempts: int = Field(6, ge=1, le=50)
    backoff_base_seconds: float = Field(2.0, gt=0)
    backoff_cap_seconds: float = Field(600.0, gt=0)
