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
    township_id: int

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
    # Known before the village when the account belongs to one township, or when the
    # person only said which township; always the village's township once that is known.
    township: fields.ForeignKeyNullableRelation[Township] = fields.ForeignKeyField(
        "models.Township", related_name="residents", null=True, on_delete=fields.RESTRICT
    )
    township_id: int | None
    village_id: int | None
    # Given when they first apply, after agreeing to the personal-information notice
    # (consented_at). Deleting them clears all three.
    name = fields.CharField(max_length=32, null=True)
    phone = fields.CharField(max_length=20, null=True)
    consented_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    subscriptions: fields.ReverseRelation[Subscription]

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
    # What caused it, e.g. "notice:42": counts, retraction and halting go by source.
    source = fields.CharField(max_length=100, db_index=True)
    # The subscription area it was sent under (None: not a subscription push); an
    # unsubscribe skips what is still queued under it.
    topic = fields.CharField(max_length=32, null=True)
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
    # Skipped because this channel could not reach the person and the next channel was
    # queued instead: not counted as a failure of its own.
    fell_back = fields.BooleanField(default=False)
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


class Staff(Model):
    """Someone who works the staff API: township service centre, county departments."""

    id = fields.IntField(primary_key=True)
    username = fields.CharField(max_length=64, unique=True)
    password_hash = fields.CharField(max_length=200)
    role = fields.CharField(max_length=32)  # county_admin | township_staff | ...
    # Their jurisdiction: None for county-wide roles.
    township: fields.ForeignKeyNullableRelation[Township] = fields.ForeignKeyField(
        "models.Township", related_name="staff", null=True, on_delete=fields.RESTRICT
    )
    # A department handler's unit (责任单位): the tickets they see are those assigned to it.
    unit: fields.ForeignKeyNullableRelation[Unit] = fields.ForeignKeyField(
        "models.Unit", related_name="staff", null=True, on_delete=fields.RESTRICT
    )
    township_id: int | None
    unit_id: int | None
    # Their own WeChat, linked with a code they send to the account: urgent grid reports
    # reach them there while they are on duty (值班).
    wechat_appid = fields.CharField(max_length=32, null=True)
    wechat_openid = fields.CharField(max_length=64, null=True)
    on_duty = fields.BooleanField(default=False)
    # A disabled account signs in no more and its tokens are gone (bot.desk.staff_accounts).
    active = fields.BooleanField(default=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    last_login_at = fields.DatetimeField(null=True)  # the last successful sign-in
    # Every new request of their township reaches their linked WeChat at once while they
    # are on duty (a switch of their own, not only the urgent grid reports).
    notify_new = fields.BooleanField(default=False)
    # A unit's or township's lead (负责人): gets the weekly digest of their jurisdiction.
    lead = fields.BooleanField(default=False)

    class Meta:
        table = "staff"


class StaffToken(Model):
    """A bearer token, kept only as its SHA-256: a copy of the table logs no one in."""

    id = fields.BigIntField(primary_key=True)
    digest = fields.CharField(max_length=64, unique=True)
    staff: fields.ForeignKeyRelation[Staff] = fields.ForeignKeyField(
        "models.Staff", related_name="tokens", on_delete=fields.CASCADE
    )
    created_at = fields.DatetimeField()
    expires_at = fields.DatetimeField()

    class Meta:
        table = "staff_token"


class Notice(Model):
    """A policy notice (政务公开): drafted, published and fanned out, perhaps retracted."""

    id = fields.BigIntField(primary_key=True)
    title = fields.CharField(max_length=64)
    body = fields.TextField()
    area = fields.CharField(max_length=32)
    scope = fields.CharField(max_length=16)  # county | township | village
    township: fields.ForeignKeyNullableRelation[Township] = fields.ForeignKeyField(
        "models.Township", related_name="notices", null=True, on_delete=fields.RESTRICT
    )
    village: fields.ForeignKeyNullableRelation[Village] = fields.ForeignKeyField(
        "models.Village", related_name="notices", null=True, on_delete=fields.RESTRICT
    )
    township_id: int | None
    village_id: int | None
    link = fields.CharField(max_length=500, null=True)
    scheduled_at = fields.DatetimeField(null=True)
    state = fields.CharField(max_length=16, default="draft")  # draft | published | retracted
    created_by: fields.ForeignKeyRelation[Staff] = fields.ForeignKeyField(
        "models.Staff", related_name="notices_created", on_delete=fields.RESTRICT
    )
    created_at = fields.DatetimeField()
    published_by: fields.ForeignKeyNullableRelation[Staff] = fields.ForeignKeyField(
        "models.Staff", related_name="notices_published", null=True, on_delete=fields.RESTRICT
    )
    # When it goes out: the publish time, or the scheduled time if that is later.
    published_at = fields.DatetimeField(null=True)
    retracted_at = fields.DatetimeField(null=True)
    # Why sending stopped for everyone (a bad template or arguments), for staff to see.
    halted_reason = fields.CharField(max_length=200, null=True)
    # Fan-out: the last resident id queued, so a restart resumes where it stopped; the
    # process doing it holds a lease like a dispatcher's.
    fanout_cursor = fields.BigIntField(default=0)
    fanout_done = fields.BooleanField(default=False)
    fanout_owner = fields.CharField(max_length=40, null=True)
    fanout_until = fields.DatetimeField(null=True)

    class Meta:
        table = "notice"
        indexes = (("state", "fanout_done"),)


class Subscription(Model):
    """A household asked for notices of one area where they live."""

    id = fields.BigIntField(primary_key=True)
    resident: fields.ForeignKeyRelation[Resident] = fields.ForeignKeyField(
        "models.Resident", related_name="subscriptions", on_delete=fields.CASCADE
    )
    area = fields.CharField(max_length=32)
    created_at = fields.DatetimeField()

    class Meta:
        table = "subscription"
        unique_together = (("resident", "area"),)
        indexes = (("area", "resident_id"),)


class MassJob(Model):
    """One mass send (群发) to up to 10,000 followers, and what WeChat reported of it."""

    id = fields.BigIntField(primary_key=True)
    appid = fields.CharField(max_length=32)
    msg_id = fields.CharField(max_length=40)
    source = fields.CharField(max_length=100, db_index=True)
    households = fields.IntField()
    created_at = fields.DatetimeField()
    # From MASSSENDJOBFINISH: None until WeChat reports.
    status = fields.CharField(max_length=40, null=True)
    total_count = fields.IntField(null=True)
    filter_count = fields.IntField(null=True)
    sent_count = fields.IntField(null=True)
    error_count = fields.IntField(null=True)
    finished_at = fields.DatetimeField(null=True)

    class Meta:
        table = "mass_job"
        unique_together = (("appid", "msg_id"),)


class Unit(Model):
    """A responsible unit (责任单位): a county department, a station, a township office."""

    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=64, unique=True)

    class Meta:
        table = "unit"
        ordering = ("id",)


class ServiceItem(Model):
    """One public service of the catalog (公共服务事项目录清单), loaded from its data file."""

    id = fields.IntField(primary_key=True)
    code = fields.CharField(max_length=32, unique=True)
    name = fields.CharField(max_length=64)
    area = fields.CharField(max_length=32, db_index=True)
    aliases = fields.JSONField[list[str]](default=list)
    summary = fields.TextField()
    eligibility = fields.TextField()
    materials = fields.JSONField[list[str]](default=list)
    steps = fields.JSONField[list[str]](default=list)
    time_limit_days = fields.IntField()
    unit: fields.ForeignKeyRelation[Unit] = fields.ForeignKeyField(
        "models.Unit", related_name="items", on_delete=fields.RESTRICT
    )
    unit_id: int
    place = fields.CharField(max_length=100)
    proxy = fields.BooleanField(default=False)  # 代办: the township applies for the person
    home_visit = fields.BooleanField(default=False)  # 上门服务
    # Open311-style attributes: key, text, type, required, choices, min, max.
    questions = fields.JSONField[list[dict[str, Any]]](default=list)
    active = fields.BooleanField(default=True)
    updated_at = fields.DatetimeField()

    class Meta:
        table = "service_item"
        ordering = ("id",)


class DayCounter(Model):
    """How many ticket numbers a day has given out: numbers read YYYYMMDD-NNNN."""

    day = fields.CharField(max_length=8, primary_key=True)
    issued = fields.IntField(default=0)

    class Meta:
        table = "day_counter"


class Ticket(Model):
    """A request (工单): an application, a complaint, a suggestion, a call for help.
    Changed only together with a TicketEvent row."""

    id = fields.BigIntField(primary_key=True)
    number = fields.CharField(max_length=16, unique=True)
    kind = fields.CharField(max_length=16)  # service | complaint | suggestion | help
    status = fields.CharField(max_length=16)
    # What made it, so a retried or doubled 确认 finds the ticket it already made.
    request_key = fields.CharField(max_length=120, unique=True)
    resident: fields.ForeignKeyNullableRelation[Resident] = fields.ForeignKeyField(
        "models.Resident", related_name="tickets", null=True, on_delete=fields.SET_NULL
    )
    resident_id: int | None
    township: fields.ForeignKeyRelation[Township] = fields.ForeignKeyField(
        "models.Township", related_name="tickets", on_delete=fields.RESTRICT
    )
    township_id: int
    village: fields.ForeignKeyNullableRelation[Village] = fields.ForeignKeyField(
        "models.Village", related_name="tickets", null=True, on_delete=fields.RESTRICT
    )
    village_id: int | None
    item: fields.ForeignKeyNullableRelation[ServiceItem] = fields.ForeignKeyField(
        "models.ServiceItem", related_name="tickets", null=True, on_delete=fields.RESTRICT
    )
    item_id: int | None
    category = fields.CharField(max_length=32, null=True)
    # A grid worker's report (事件上报): the grid it came from, and whether it is urgent.
    grid: fields.ForeignKeyNullableRelation[Grid] = fields.ForeignKeyField(
        "models.Grid", related_name="tickets", null=True, on_delete=fields.RESTRICT
    )
    grid_id: int | None
    urgent = fields.BooleanField(default=False)
    title = fields.CharField(max_length=64)
    content = fields.TextField(default="")
    answers = fields.JSONField[list[dict[str, Any]]](default=list)
    location = fields.JSONField[dict[str, Any]](null=True)
    home_visit = fields.BooleanField(default=False)
    # The applicant as they were when they applied: deleting their details later does
    # not take the ticket's contact away from the staff handling it.
    contact_name = fields.CharField(max_length=32, default="")
    contact_phone = fields.CharField(max_length=20, default="")
    time_limit_days = fields.IntField()
    unit: fields.ForeignKeyNullableRelation[Unit] = fields.ForeignKeyField(
        "models.Unit", related_name="tickets", null=True, on_delete=fields.RESTRICT
    )
    unit_id: int | None
    handler: fields.ForeignKeyNullableRelation[Staff] = fields.ForeignKeyField(
        "models.Staff", related_name="handling", null=True, on_delete=fields.RESTRICT
    )
    handler_id: int | None
    accepted_by: fields.ForeignKeyNullableRelation[Staff] = fields.ForeignKeyField(
        "models.Staff", related_name="accepted", null=True, on_delete=fields.RESTRICT
    )
    accepted_by_id: int | None
    created_at = fields.DatetimeField()
    updated_at = fields.DatetimeField()
    accepted_at = fields.DatetimeField(null=True)
    due_on = fields.DateField(null=True)
    resolved_at = fields.DatetimeField(null=True)
    closed_at = fields.DatetimeField(null=True)
    result = fields.TextField(null=True)
    last_reply = fields.TextField(null=True)
    extension_days = fields.IntField(null=True)  # asked for, waiting for a supervisor
    extension_reason = fields.TextField(null=True)
    rating = fields.IntField(null=True)  # 5 非常满意 ... 1 非常不满意
    rating_comment = fields.TextField(null=True)
    redo_count = fields.IntField(default=0)
    flagged = fields.BooleanField(default=False)  # for the supervisor (督办)

    events: fields.ReverseRelation[TicketEvent]
    attachments: fields.ReverseRelation[Attachment]

    class Meta:
        table = "ticket"
        # Queues are newest first by id (ids grow with time): one township's or one unit's,
        # by status or all; a resident's own; what is due when.
        indexes = (
            ("township_id", "status", "id"),
            ("township_id", "id"),
            ("unit_id", "status", "id"),
            ("resident_id", "id"),
            ("status", "due_on"),
        )


class TicketEvent(Model):
    """One change to a ticket: who, when, from which status to which, and why."""

    id = fields.BigIntField(primary_key=True)
    ticket: fields.ForeignKeyRelation[Ticket] = fields.ForeignKeyField(
        "models.Ticket", related_name="events", on_delete=fields.CASCADE
    )
    ticket_id: int
    at = fields.DatetimeField()
    action = fields.CharField(max_length=24)
    actor = fields.CharField(max_length=16)  # resident | staff | system
    staff: fields.ForeignKeyNullableRelation[Staff] = fields.ForeignKeyField(
        "models.Staff", related_name="ticket_events", null=True, on_delete=fields.RESTRICT
    )
    staff_id: int | None
    from_status = fields.CharField(max_length=16, null=True)
    to_status = fields.CharField(max_length=16)
    note = fields.TextField(default="")
    # The ticket's deadline as it stood after this step: the scoreboard reads deadlines
    # (after approved extensions, before a 重办's fresh one) from the events, so any past
    # period can be counted again.
    due_on = fields.DateField(null=True)

    class Meta:
        table = "ticket_event"
        ordering = ("id",)
        # The scoreboard reads a period's steps of one kind (accept, resolve, urge ...), and
        # the 办结 whose deadline falls in a period.
        indexes = (("ticket_id", "id"), ("action", "at"), ("action", "due_on"))


class Attachment(Model):
    """A photo or voice note sent with a ticket: WeChat's media id and where to see it."""

    id = fields.BigIntField(primary_key=True)
    ticket: fields.ForeignKeyRelation[Ticket] = fields.ForeignKeyField(
        "models.Ticket", related_name="attachments", on_delete=fields.CASCADE
    )
    ticket_id: int
    kind = fields.CharField(max_length=16)  # image | voice
    media_id = fields.CharField(max_length=128)
    url = fields.CharField(max_length=500, null=True)
    text = fields.TextField(null=True)  # a voice note's recognised words
    created_at = fields.DatetimeField()
    # WeChat keeps temporary media three days: grid reports are fetched at once and kept
    # here (fetch: pending -> stored, or failed after the attempts run out; none when
    # nothing is to be fetched).
    fetch = fields.CharField(max_length=16, default="none")
    fetch_attempts = fields.IntField(default=0)
    fetch_after = fields.DatetimeField(null=True)
    fetch_owner = fields.CharField(max_length=40, null=True)
    fetch_error = fields.CharField(max_length=200, null=True)
    stored_path = fields.CharField(max_length=300, null=True)
    content_type = fields.CharField(max_length=64, null=True)
    size = fields.IntField(null=True)

    class Meta:
        table = "attachment"
        ordering = ("id",)
        indexes = (("ticket_id", "id"), ("fetch", "fetch_after"))


class AuditEntry(Model):
    """What staff did that must be inspectable: a read of personal data (a phone number
    shown whole), a change to staff accounts, reply templates or the holiday calendar.
    ``action`` is one of storage.audit.ACTIONS; ``detail`` says which (a ticket number,
    a username, a template's id, a year)."""

    id = fields.BigIntField(primary_key=True)
    at = fields.DatetimeField()
    staff: fields.ForeignKeyRelation[Staff] = fields.ForeignKeyField(
        "models.Staff", related_name="audit_entries", on_delete=fields.RESTRICT
    )
    staff_id: int
    action = fields.CharField(max_length=32)
    ticket: fields.ForeignKeyNullableRelation[Ticket] = fields.ForeignKeyField(
        "models.Ticket", related_name="audit_entries", null=True, on_delete=fields.SET_NULL
    )
    ticket_id: int | None
    detail = fields.CharField(max_length=200, default="")

    class Meta:
        table = "audit_entry"
        indexes = (("staff_id", "at"),)


class Grid(Model):
    """A grid (网格, GB/T 34300): the patch one or a few grid workers look after."""

    id = fields.IntField(primary_key=True)
    code = fields.CharField(max_length=32, unique=True)
    name = fields.CharField(max_length=64)
    township: fields.ForeignKeyRelation[Township] = fields.ForeignKeyField(
        "models.Township", related_name="grids", on_delete=fields.RESTRICT
    )
    township_id: int
    village: fields.ForeignKeyNullableRelation[Village] = fields.ForeignKeyField(
        "models.Village", related_name="grids", null=True, on_delete=fields.RESTRICT
    )
    village_id: int | None
    # Where a report "就在网格里" is placed when no location is sent.
    latitude = fields.FloatField(null=True)
    longitude = fields.FloatField(null=True)
    place = fields.CharField(max_length=100, default="")
    created_at = fields.DatetimeField()

    class Meta:
        table = "grid"
        ordering = ("id",)


class GridInvite(Model):
    """A one-time binding code for a grid worker (绑定 <code>, or its QR scene)."""

    id = fields.BigIntField(primary_key=True)
    code = fields.CharField(max_length=16, unique=True)
    grid: fields.ForeignKeyRelation[Grid] = fields.ForeignKeyField(
        "models.Grid", related_name="invites", on_delete=fields.CASCADE
    )
    grid_id: int
    created_by: fields.ForeignKeyRelation[Staff] = fields.ForeignKeyField(
        "models.Staff", related_name="grid_invites", on_delete=fields.RESTRICT
    )
    created_at = fields.DatetimeField()
    expires_at = fields.DatetimeField()
    used_at = fields.DatetimeField(null=True)
    used_by: fields.ForeignKeyNullableRelation[Resident] = fields.ForeignKeyField(
        "models.Resident", related_name="grid_invites_used", null=True, on_delete=fields.SET_NULL
    )
    used_by_id: int | None

    class Meta:
        table = "grid_invite"


class GridWorker(Model):
    """A follower bound to a grid as its worker (网格员). Unbinding ends it, kept as history."""

    id = fields.BigIntField(primary_key=True)
    grid: fields.ForeignKeyRelation[Grid] = fields.ForeignKeyField(
        "models.Grid", related_name="workers", on_delete=fields.CASCADE
    )
    grid_id: int
    resident: fields.ForeignKeyRelation[Resident] = fields.ForeignKeyField(
        "models.Resident", related_name="grid_work", on_delete=fields.CASCADE
    )
    resident_id: int
    bound_at = fields.DatetimeField()
    unbound_at = fields.DatetimeField(null=True)

    class Meta:
        table = "grid_worker"
        indexes = (("resident_id", "unbound_at"), ("grid_id", "unbound_at"))


class StaffLinkCode(Model):
    """A short-lived code a staff member sends from their own WeChat to link it."""

    id = fields.BigIntField(primary_key=True)
    code = fields.CharField(max_length=16, unique=True)
    staff: fields.ForeignKeyRelation[Staff] = fields.ForeignKeyField(
        "models.Staff", related_name="link_codes", on_delete=fields.CASCADE
    )
    staff_id: int
    created_at = fields.DatetimeField()
    expires_at = fields.DatetimeField()
    used_at = fields.DatetimeField(null=True)

    class Meta:
        table = "staff_link_code"


class Visit(Model):
    """走访登记: a grid worker's visit to a special-group household, for the grid's ledger
    (台账). The person's name and health are sensitive: shown only to the township."""

    id = fields.BigIntField(primary_key=True)
    grid: fields.ForeignKeyRelation[Grid] = fields.ForeignKeyField(
        "models.Grid", related_name="visits", on_delete=fields.RESTRICT
    )
    grid_id: int
    worker: fields.ForeignKeyRelation[Resident] = fields.ForeignKeyField(
        "models.Resident", related_name="visits_made", on_delete=fields.RESTRICT
    )
    worker_id: int
    group = fields.CharField(max_length=32)  # left_behind_child | child_in_need | ...
    person = fields.CharField(max_length=32)
    findings = fields.TextField()
    health = fields.TextField(default="")
    needs_help = fields.BooleanField(default=False)
    visited_at = fields.DatetimeField()

    class Meta:
        table = "visit"
        indexes = (("grid_id", "id"),)


class StaffRequest(Model):
    """A staff action as first answered, so that the same action sent again (a retry
    after a lost answer, a double click) gets that answer instead of being done twice.
    Written in the same transaction as the action itself: the action happened exactly
    when this row exists."""

    id = fields.BigIntField(primary_key=True)
    staff: fields.ForeignKeyRelation[Staff] = fields.ForeignKeyField(
        "models.Staff", related_name="requests", on_delete=fields.CASCADE
    )
    staff_id: int
    # The client's Idempotency-Key, or "same:" and the fingerprint when it sent none.
    key = fields.CharField(max_length=100)
    fingerprint = fields.CharField(max_length=64)  # sha256 of method, path and body
    at = fields.DatetimeField()
    status = fields.SmallIntField()
    content_type = fields.CharField(max_length=64, default="application/json")
    answer = fields.TextField(default="")

    class Meta:
        table = "staff_request"
        unique_together = (("staff_id", "key"),)
        indexes = (("at",),)


class ConversationDraft(Model):
    """The conversation of a person in the middle of something (an application, a
    complaint), kept beside the session in Redis, so that what they typed survives a Redis
    that was lost or wiped. Gone when the conversation ends."""

    id = fields.BigIntField(primary_key=True)
    appid = fields.CharField(max_length=32)
    openid = fields.CharField(max_length=64)
    revision = fields.IntField()  # the session's, to tell which copy is newer
    session = fields.TextField()  # conversations.session.Session as JSON
    updated_at = fields.DatetimeField()

    class Meta:
        table = "conversation_draft"
        unique_together = (("appid", "openid"),)
        indexes = (("updated_at",),)


class FailedLogin(Model):
    """A sign-in refused, for county admins to see who is being tried: when, the name as
    typed (cut to 64 characters), from which address, and why. Never the password."""

    id = fields.BigIntField(primary_key=True)
    at = fields.DatetimeField()
    username = fields.CharField(max_length=64)
    address = fields.CharField(max_length=45)
    reason = fields.CharField(max_length=16)  # storage.logins.REASONS

    class Meta:
        table = "failed_login"
        indexes = (("at",), ("username", "at"))


class ReplyTemplate(Model):
    """A reply staff pick instead of typing (常用语), kept by the county admins: for every
    kind of ticket, or only the kinds listed (storage.tickets.KINDS)."""

    id = fields.IntField(primary_key=True)
    title = fields.CharField(max_length=32)
    text = fields.CharField(max_length=500)
    kinds = fields.JSONField[list[str]](default=list)  # empty: every kind
    active = fields.BooleanField(default=True)  # False: retired, offered no more
    created_by: fields.ForeignKeyNullableRelation[Staff] = fields.ForeignKeyField(
        "models.Staff", related_name="templates_made", null=True, on_delete=fields.SET_NULL
    )
    created_by_id: int | None
    created_at = fields.DatetimeField()
    updated_by: fields.ForeignKeyNullableRelation[Staff] = fields.ForeignKeyField(
        "models.Staff", related_name="templates_changed", null=True, on_delete=fields.SET_NULL
    )
    updated_by_id: int | None
    updated_at = fields.DatetimeField()

    class Meta:
        table = "reply_template"
        ordering = ("id",)


class CalendarDay(Model):
    """A day of the State Council's holiday schedule entered by a county admin: a holiday
    (放假) or a swapped working day (调休上班). They correct what chinese-calendar knows, and
    stand in for it in a year it does not know yet (storage.workdays)."""

    id = fields.IntField(primary_key=True)
    day = fields.DateField(unique=True)
    kind = fields.CharField(max_length=8)  # storage.calendar_days.KINDS
    name = fields.CharField(max_length=16)  # 春节, 国庆节调休 ...
    entered_by: fields.ForeignKeyNullableRelation[Staff] = fields.ForeignKeyField(
        "models.Staff", related_name="calendar_days", null=True, on_delete=fields.SET_NULL
    )
    entered_by_id: int | None
    entered_at = fields.DatetimeField()

    class Meta:
        table = "calendar_day"
        ordering = ("day",)


class SupervisionOrder(Model):
    """督办单: a supervisor's (or, after days overdue, the system's) written order to the
    unit working a ticket to answer by a date. 待反馈 (open) -> 已反馈 (answered) -> 已销号
    (closed); each step is also a TicketEvent of the ticket (storage.supervision)."""

    id = fields.BigIntField(primary_key=True)
    ticket: fields.ForeignKeyRelation[Ticket] = fields.ForeignKeyField(
        "models.Ticket", related_name="orders", on_delete=fields.CASCADE
    )
    ticket_id: int
    # The ticket's township, for jurisdiction; the unit it went to (None: the township's
    # service centre, the ticket being with no unit).
    township: fields.ForeignKeyRelation[Township] = fields.ForeignKeyField(
        "models.Township", related_name="orders", on_delete=fields.RESTRICT
    )
    township_id: int
    unit: fields.ForeignKeyNullableRelation[Unit] = fields.ForeignKeyField(
        "models.Unit", related_name="orders", null=True, on_delete=fields.RESTRICT
    )
    unit_id: int | None
    automatic = fields.BooleanField(default=False)  # issued by the clock, days overdue
    issued_by: fields.ForeignKeyNullableRelation[Staff] = fields.ForeignKeyField(
        "models.Staff", related_name="orders_issued", null=True, on_delete=fields.RESTRICT
    )
    issued_by_id: int | None
    issued_at = fields.DatetimeField()
    reason = fields.TextField()
    answer_by = fields.DateField()
    state = fields.CharField(max_length=16, default="open")  # storage.supervision.STATES
    answer = fields.TextField(null=True)
    answered_by: fields.ForeignKeyNullableRelation[Staff] = fields.ForeignKeyField(
        "models.Staff", related_name="orders_answered", null=True, on_delete=fields.RESTRICT
    )
    answered_by_id: int | None
    answered_at = fields.DatetimeField(null=True)
    closed_by: fields.ForeignKeyNullableRelation[Staff] = fields.ForeignKeyField(
        "models.Staff", related_name="orders_closed", null=True, on_delete=fields.RESTRICT
    )
    closed_by_id: int | None
    closed_at = fields.DatetimeField(null=True)
    close_note = fields.TextField(null=True)

    class Meta:
        table = "supervision_order"
        indexes = (("township_id", "state", "id"), ("unit_id", "state", "id"), ("ticket_id", "id"))


class FollowUp(Model):
    """回访: staff asking the person after 办结 whether the matter is solved, and how
    satisfied they are (their own rating in WeChat counts when they gave one)."""

    id = fields.BigIntField(primary_key=True)
    ticket: fields.ForeignKeyRelation[Ticket] = fields.ForeignKeyField(
        "models.Ticket", related_name="follow_ups", on_delete=fields.CASCADE
    )
    ticket_id: int
    staff: fields.ForeignKeyRelation[Staff] = fields.ForeignKeyField(
        "models.Staff", related_name="follow_ups", on_delete=fields.RESTRICT
    )
    staff_id: int
    at = fields.DatetimeField()
    method = fields.CharField(max_length=16)  # storage.follow_ups.METHODS
    solved = fields.BooleanField()
    satisfaction = fields.IntField(null=True)  # 5 非常满意 ... 1 非常不满意, as a rating
    note = fields.TextField(default="")

    class Meta:
        table = "follow_up"
        indexes = (("ticket_id", "id"),)


class Reminder(Model):
    """A reminder or 催办 given for a ticket: ``key`` names the stage and the day (or the
    deadline) it was for, and the unique pair makes it once only, whichever process of
    however many got there first (notifications.reminders)."""

    id = fields.BigIntField(primary_key=True)
    ticket: fields.ForeignKeyRelation[Ticket] = fields.ForeignKeyField(
        "models.Ticket", related_name="reminders", on_delete=fields.CASCADE
    )
    ticket_id: int
    key = fields.CharField(max_length=48)
    at = fields.DatetimeField()

    class Meta:
        table = "reminder"
        unique_together = (("ticket_id", "key"),)


class TicketFacts(Model):
    """What the scoreboard (考核) reads of one ticket, kept from its events (and 回访) as
    they are written, in the same transaction (storage.ticket_facts): nothing here that
    the events do not say, so the whole table can be made again from them at any time
    (``township scoreboard rebuild``). Any past period is still counted from these: each
    is a fact of the ticket's life (its first 受理 and 办结, the deadline it was done
    against), not of a period."""

    id = fields.BigIntField(primary_key=True)
    ticket: fields.OneToOneRelation[Ticket] = fields.OneToOneField(
        "models.Ticket", related_name="facts", on_delete=fields.CASCADE
    )
    ticket_id: int
    # Where it is now (the groups): its township, unit and handler, as on the ticket.
    township_id = fields.IntField()
    unit_id = fields.IntField(null=True)
    handler_id = fields.IntField(null=True)
    resolver_id = fields.IntField(null=True)  # who did the first 办结
    # Moments as seconds since 1970 (UTC) and days as day numbers since 1970-01-01, so the
    # scoreboard does whole-number arithmetic on them, not date functions, row by row.
    accepted_s = fields.BigIntField(null=True)  # the first 受理
    resolved_s = fields.BigIntField(null=True)  # the first 办结
    step_s = fields.BigIntField(null=True)  # the unit's first answer to the 受理
    # The deadline it was done against (as it stood at the first 办结, after approved
    # extensions) or, while it is being worked, runs against; none otherwise.
    due_day = fields.IntField(null=True)
    returned = fields.BooleanField(default=False)  # ever 退单
    extended = fields.BooleanField(default=False)  # an approved 延期
    redone = fields.BooleanField(default=False)  # 重办: reopened, or sent back by a rating
    followed = fields.BooleanField(default=False)  # a 回访 recorded
    score = fields.IntField(null=True)  # the resident's rating, else the last 回访's

    class Meta:
        table = "ticket_facts"
        # A period's tickets: accepted, done, or due in it.
        indexes = (("accepted_s",), ("resolved_s",), ("due_day",))
