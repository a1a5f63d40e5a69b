"""Database models. Stored identifiers are stable strings; rows are never edited silently."""

from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.models import Model


class Township(Model):
    """A township (乡/镇) of the county."""

    id = fields.IntField(primary_key=True)
    code = fields.CharField(max_length=32, unique=True)
    name = fields.CharField(max_length=32, unique=True)
    county = fields.CharField(max_length=32)

    villages: fields.ReverseRelation[Village]

    class Meta:
        table = "township"
        ordering = ("id",)


class Village(Model):
    """A village (村) or community (社区) of a township."""

    id = fields.IntField(primary_key=True)
    code = fields.CharField(max_length=32, unique=True)
    name = fields.CharField(max_length=32)
    township: fields.ForeignKeyRelation[Township] = fields.ForeignKeyField(
        "models.Township", related_name="villages", on_delete=fields.RESTRICT
    )

    class Meta:
        table = "village"
        unique_together = (("township", "name"),)
        ordering = ("id",)


class Resident(Model):
    """A person who follows the Official Account. Identity is (appid, openid)."""

    id = fields.BigIntField(primary_key=True)
    appid = fields.CharField(max_length=32)
    openid = fields.CharField(max_length=64)
    subscribed = fields.BooleanField(default=True)
    subscribed_at = fields.DatetimeField(null=True)
    unsubscribed_at = fields.DatetimeField(null=True)
    # The QR scene they followed through, if any (e.g. a grid worker's invite).
    subscribe_scene = fields.CharField(max_length=64, null=True)
    village: fields.ForeignKeyNullableRelation[Village] = fields.ForeignKeyField(
        "models.Village", related_name="residents", null=True, on_delete=fields.RESTRICT
    )
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "resident"
        unique_together = (("appid", "openid"),)


class Delivery(Model):
    """One push to one person through one channel: the outbox row.

    Written in the same transaction as the change that causes it; sent later by a
    dispatcher that holds a lease on it. ``key`` (source, recipient, channel) makes
    queueing the same thing twice a no-op.
    """

    id = fields.BigIntField(primary_key=True)
    key = fields.CharField(max_length=200, unique=True)
    source = fields.CharField(max_length=100)
    appid = fields.CharField(max_length=32)
    openid = fields.CharField(max_length=64)
    channel = fields.CharField(max_length=16)  # custom | template | subscribe
    payload = fields.JSONField[dict[str, Any]]()
    # pending -> sending (leased) -> sent | pending (retry) | dead | unknown | skipped
    state = fields.CharField(max_length=16, default="pending", db_index=True)
    attempts = fields.IntField(default=0)
    next_attempt_at = fields.DatetimeField()
    lease_owner = fields.CharField(max_length=40, null=True)
    lease_until = fields.DatetimeField(null=True)
    last_errcode = fields.IntField(null=True)
    last_error = fields.CharField(max_length=200, null=True)
    wechat_msgid = fields.CharField(max_length=40, null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    sent_at = fields.DatetimeField(null=True)

    class Meta:
        table = "delivery"
        indexes = (("state", "next_attempt_at"),)


class DeliveryAttempt(Model):
    """Each try at a delivery: recorded before the call, completed after it."""

    id = fields.BigIntField(primary_key=True)
    delivery: fields.ForeignKeyRelation[Delivery] = fields.ForeignKeyField(
        "models.Delivery", related_name="attempt_log", on_delete=fields.CASCADE
    )
    owner = fields.CharField(max_length=40)
    started_at = fields.DatetimeField()
    finished_at = fields.DatetimeField(null=True)
    errcode = fields.IntField(null=True)
    outcome = fields.CharField(max_length=16, null=True)
    error = fields.CharField(max_length=200, null=True)

    class Meta:
        table = "delivery_attempt"


class SubscribeConsent(Model):
    """What a person agreed to in WeChat's subscription-notice prompt, per template."""

    id = fields.BigIntField(primary_key=True)
    appid = fields.CharField(max_length=32)
    openid = fields.CharField(max_length=64)
    template_id = fields.CharField(max_length=64)
    status = fields.CharField(max_length=16)  # accept | reject | used_up
    updated_at = fields.DatetimeField()

    class Meta:
        table = "subscribe_consent"
        unique_together = (("appid", "openid", "template_id"),)
