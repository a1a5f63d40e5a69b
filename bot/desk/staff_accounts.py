"""Staff accounts (人员), kept by county admins: who works the desk, in which role and
place; making an account, disabling and enabling it, and a new password when one is
forgotten. Every change is an audit row. The rules an account must keep are
storage.staff.add's (the CLI's `township staff add` keeps the same)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field, RootModel
from tortoise.expressions import Q

from bot.desk.fields import (
    NO_NUL,
    STRIP,
    STRIP_MAYBE,
    Answer,
    QueryShape,
    Says,
    Shape,
    Why,
    filter_of,
    words,
)
from bot.desk.refused import Refused, only
from conversations import texts
from storage import audit, staff
from storage.models import Staff
from storage.staff import ROLES, USERNAME_MAX, StaffError, StaffMember

# Letters, digits and . _ - @: what a person can read out and type on any keyboard.
USERNAME = r"^[A-Za-z0-9._@-]{1,64}$"
PASSWORD_MAX = 1024
PLACE_MAX = 64  # a township's name or code, a unit's name

_USERNAME = Why(texts.STAFF_WHY_USERNAME)
_ROLE = Says(texts.STAFF_FIELD_BAD.format(field="role", why=texts.STAFF_WHY_ROLE), missing=True)


def _not_for(field: str) -> Says:
    return Says(texts.STAFF_FIELD_BAD.format(field=field, why=texts.STAFF_WHY_NOT_FOR_ROLE))


class _Account(Shape):
    username: Annotated[str, Field(max_length=USERNAME_MAX, pattern=USERNAME), _USERNAME]
    password: Annotated[
        str | None,
        Field(
            min_length=8,
            max_length=PASSWORD_MAX,
            pattern=NO_NUL,
            description="Left out: one is made and shown once in the answer",
        ),
        Says(texts.STAFF_FIELD_BAD.format(field="password", why=texts.STAFF_WHY_PASSWORD)),
    ] = None


class NewCountyAdmin(_Account):
    role: Annotated[Literal["county_admin"], _ROLE]
    township: Annotated[None, _not_for("township")] = None
    unit: Annotated[None, _not_for("unit")] = None


class NewTownshipStaff(_Account):
    role: Annotated[Literal["township_staff"], _ROLE]
    township: Annotated[str, words(PLACE_MAX), STRIP, Field(description="Name or code")]
    unit: Annotated[None, _not_for("unit")] = None


class NewDepartmentHandler(_Account):
    role: Annotated[Literal["department_handler"], _ROLE]
    township: Annotated[None, _not_for("township")] = None
    unit: Annotated[str, words(PLACE_MAX), STRIP, Field(description="The responsible unit")]


class NewSupervisor(_Account):
    role: Annotated[Literal["supervisor"], _ROLE]
    township: Annotated[
        str | None,
        Field(min_length=1, max_length=PLACE_MAX, pattern=NO_NUL),
        STRIP_MAYBE,
        Field(description="Left out: the whole county"),
    ] = None
    unit: Annotated[None, _not_for("unit")] = None


class NewAccount(
    RootModel[
        Annotated[
            NewCountyAdmin | NewTownshipStaff | NewDepartmentHandler | NewSupervisor,
            Field(discriminator="role"),
        ]
    ]
):
    """A new account: its role says which of township and unit it names."""


class AccountQuery(QueryShape):
    role: Annotated[
        Literal[ROLES] | None,  # type: ignore[valid-type]
        Why(texts.STAFF_WHY_ROLE),
    ] = None
    township: Annotated[str | None, filter_of(PLACE_MAX), Field(description="Name or code")] = None
    active: Annotated[
        Literal["true", "false"] | None,
        Field(description="true: working accounts; false: disabled ones"),
        Why(texts.STAFF_WHY_BOOL),
    ] = None


class Lead(Shape):
    lead: Annotated[
        bool, Says(texts.STAFF_FIELD_BAD.format(field="lead", why=texts.STAFF_WHY_BOOL), True)
    ]


# Who may lead: a unit's handlers (the unit's lead) and a township's staff (its lead).
LEAD_ROLES = frozenset({"department_handler", "township_staff"})


class AccountRef(QueryShape):
    username: Annotated[str, Field(min_length=1, max_length=USERNAME_MAX)]


class Account(Answer):
    username: str
    role: Literal[ROLES]  # type: ignore[valid-type]
    role_name: str
    township: str | None
    unit: str | None
    active: bool
    created_at: datetime
    last_login_at: datetime | None = Field(description="The last successful sign-in")
    lead: bool = Field(description="A unit's or township's lead (负责人): gets the weekly digest")


class Accounts(Answer):
    """Staff accounts, oldest first."""

    accounts: list[Account]


class Issued(Answer):
    """The account and its password, shown this once: it is kept only as a hash."""

    account: Account
    password: str
    note: str


def shown(row: Staff) -> Account:
    """``row`` as listed; its township and unit fetched (select_related)."""
    return Account(
        username=row.username,
        role=row.role,
        role_name=texts.STAFF_ACCOUNT_ROLES.get(row.role, row.role),
        township=row.township.name if row.township else None,
        unit=row.unit.name if row.unit else None,
        active=row.active,
        created_at=row.created_at,
        last_login_at=row.last_login_at,
        lead=row.lead,
    )


async def accounts(member: StaffMember, query: AccountQuery) -> Accounts:
    only(member.role, "county_admin")
    rows = Staff.all()
    if query.role is not None:
        rows = rows.filter(role=query.role)
    if query.township is not None:
        rows = rows.filter(Q(township__name=query.township) | Q(township__code=query.township))
    if query.active is not None:
        rows = rows.filter(active=query.active == "true")
    found = await rows.select_related("township", "unit").order_by("id")
    return Accounts(accounts=[shown(r) for r in found])


async def _account(username: str) -> Staff:
    row = await Staff.get_or_none(username=username).select_related("township", "unit")
    if row is None:
        raise Refused(404, texts.STAFF_ACCOUNT_NOT_FOUND)
    return row


NewOne = NewCountyAdmin | NewTownshipStaff | NewDepartmentHandler | NewSupervisor

# storage.staff.add's other rules, which the shapes keep already: the field each names and
# its words, should one be broken all the same.
_RULES = {
    "needs_township": ("township", texts.STAFF_ACCOUNT_NEEDS_TOWNSHIP),
    "needs_unit": ("unit", texts.STAFF_ACCOUNT_NEEDS_UNIT),
    "username": (
        "username",
        texts.STAFF_FIELD_BAD.format(field="username", why=texts.STAFF_WHY_USERNAME),
    ),
    "password": (
        "password",
        texts.STAFF_FIELD_BAD.format(field="password", why=texts.STAFF_WHY_PASSWORD),
    ),
    "not_for_county": (
        "township",
        texts.STAFF_FIELD_BAD.format(field="township", why=texts.STAFF_WHY_NOT_FOR_ROLE),
    ),
    "not_for_role": (
        "unit",
        texts.STAFF_FIELD_BAD.format(field="unit", why=texts.STAFF_WHY_NOT_FOR_ROLE),
    ),
}


def _refusal(error: StaffError, new: NewOne) -> Refused:
    """storage.staff.add's refusal in the staff's words, naming the field."""
    if error.reason == "taken":
        taken = texts.STAFF_ACCOUNT_TAKEN.format(username=new.username)
        return Refused(409, taken, field="username")
    if error.reason == "no_township":
        unknown = texts.STAFF_UNKNOWN_TOWNSHIP.format(name=new.township)
        return Refused(400, unknown, field="township")
    if error.reason == "no_unit":
        return Refused(400, texts.STAFF_UNKNOWN_UNIT.format(name=new.unit), field="unit")
    field, words_ = _RULES.get(
        error.reason, ("role", texts.STAFF_FIELD_BAD.format(field="role", why=texts.STAFF_WHY_ROLE))
    )
    return Refused(400, words_, field=field)


async def create(member: StaffMember, new: NewAccount, now: datetime) -> Issued:
    """A new account; its password is the one given or a new one, shown this once."""
    only(member.role, "county_admin")
    given = new.root
    password = given.password or staff.new_password()
    try:
        row = await staff.add(given.username, given.role, password, given.township, given.unit)
    except StaffError as error:
        raise _refusal(error, given) from None
    await audit.record(member.id, audit.STAFF_CREATED, now, f"{row.username} ({row.role})")
    row = await _account(row.username)
    return Issued(account=shown(row), password=password, note=texts.STAFF_PASSWORD_SHOWN_ONCE)


# Ends every console session of an account (storage.console_sessions), by its id.
SignOut = Callable[[int], Awaitable[object]]


async def disable(member: StaffMember, username: str, now: datetime, sign_out: SignOut) -> Account:
    """The account signs in no more; its tokens and console sessions end at once.
    Disabling one already disabled changes nothing."""
    only(member.role, "county_admin")
    row = await _account(username)
    if row.id == member.id:
        raise Refused(403, texts.STAFF_ACCOUNT_NOT_SELF)
    if row.active:
        await staff.set_active(row.id, False)
        await audit.record(member.id, audit.STAFF_DISABLED, now, row.username)
        await sign_out(row.id)
        row = await _account(username)
    return shown(row)


async def enable(member: StaffMember, username: str, now: datetime) -> Account:
    only(member.role, "county_admin")
    row = await _account(username)
    if not row.active:
        await staff.set_active(row.id, True)
        await audit.record(member.id, audit.STAFF_ENABLED, now, row.username)
        row = await _account(username)
    return shown(row)


async def reset_password(
    member: StaffMember, username: str, now: datetime, sign_out: SignOut
) -> Issued:
    """A new password, shown this once; the old one, every token and every console
    session end."""
    only(member.role, "county_admin")
    row = await _account(username)
    password = staff.new_password()
    await staff.set_password(row.id, password)
    await sign_out(row.id)
    await audit.record(member.id, audit.STAFF_PASSWORD_RESET, now, row.username)
    return Issued(account=shown(row), password=password, note=texts.STAFF_PASSWORD_SHOWN_ONCE)


async def set_lead(member: StaffMember, username: str, lead: bool, now: datetime) -> Account:
    """Mark an account as its unit's or township's lead (负责人), or not: leads get the
    weekly digest of their jurisdiction."""
    only(member.role, "county_admin")
    row = await _account(username)
    if lead and row.role not in LEAD_ROLES:
        raise Refused(400, texts.STAFF_ACCOUNT_NOT_A_LEAD, field="lead")
    if row.lead != lead:
        await staff.set_lead(row.id, lead)
        await audit.record(member.id, audit.STAFF_LEAD_SET, now, f"{row.username}: {lead}")
        row = await _account(username)
    return shown(row)
