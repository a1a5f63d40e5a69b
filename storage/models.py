"""Database models. Stored identifiers are stable strings; rows are never edited silently."""

from __future__ import annotations

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
