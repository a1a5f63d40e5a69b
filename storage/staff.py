"""Staff accounts: argon2 password hashes, and bearer tokens kept only as digests."""

from __future__ import annotations

import asyncio
import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q

from storage.models import Staff, StaffLinkCode, StaffToken, Township, Unit

ROLES = ("county_admin", "township_staff", "department_handler", "supervisor")
USERNAME_MAX = 64
# Roles that work for one township and must name it.
TOWNSHIP_ROLES = frozenset({"township_staff"})

_hasher = PasswordHasher()
# Verified against when the username is unknown, so a wrong name costs as long as a
# wrong password and the answer's timing does not tell which names exist.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


class StaffError(ValueError):
    """A staff account cannot be made as asked; the message says why, for the operator,
    and ``reason`` which rule it broke, for callers that say it in their own words:
    role, username, password, not_for_county, no_township, needs_township, needs_unit,
    no_unit, not_for_role, taken."""

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class StaffMember:
    """Who is calling, as the staff API needs it."""

    id: int
    username: str
    role: str
    township_id: int | None
    township: str | None
    unit_id: int | None = None
    unit: str | None = None


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def add(
    username: str, role: str, password: str, township: str | None, unit: str | None = None
) -> Staff:
    if role not in ROLES:
        raise StaffError(f"unknown role {role!r}; one of: {', '.join(ROLES)}", "role")
    if (
        not username
        or len(username) > USERNAME_MAX
        or not username.isprintable()
        or " " in username
    ):
        raise StaffError("username must be 1-64 printable characters without spaces", "username")
    if len(password) < 8:
        raise StaffError("password must be at least 8 characters", "password")
    place: Township | None = None
    if township and role == "county_admin":
        raise StaffError("county_admin works county-wide: leave out --township", "not_for_county")
    if township:
        place = await Township.get_or_none(name=township) or await Township.get_or_none(
            code=township
        )
        if place is None:
            raise StaffError(f"no township named {township!r}", "no_township")
    elif role in TOWNSHIP_ROLES:
        raise StaffError(f"role {role} needs --township", "needs_township")
    works_for: Unit | None = None
    if role == "department_handler":
        if not unit:
            raise StaffError(
                "role department_handler needs --unit (the responsible unit)", "needs_unit"
            )
        works_for = await Unit.get_or_none(name=unit)
        if works_for is None:
            names = "、".join(await Unit.all().values_list("name", flat=True))  # type: ignore[arg-type]
            raise StaffError(f"no unit named {unit!r}; units in the catalog: {names}", "no_unit")
    elif unit:
        raise StaffError(
            f"only a department_handler belongs to a unit, not a {role}", "not_for_role"
        )
    hashed = await asyncio.to_thread(_hasher.hash, password)  # deliberately slow: off the loop
    try:
        return await Staff.create(
            username=username, password_hash=hashed, role=role, township=place, unit=works_for
        )
    except IntegrityError:
        raise StaffError(f"username {username!r} is taken", "taken") from None


async def verify(username: str, password: str) -> Staff | str:
    """The active account with this name and password; or why not: "unknown_name" (no
    active account by that name) or "wrong_password"."""
    staff = await Staff.get_or_none(username=username, active=True)
    stored = staff.password_hash if staff is not None else _DUMMY_HASH
    try:
        await asyncio.to_thread(_hasher.verify, stored, password)
    except (VerificationError, InvalidHashError):
        return "unknown_name" if staff is None else "wrong_password"
    if staff is None:
        return "unknown_name"
    return staff


async def signed_in(staff_id: int, now: datetime) -> None:
    """Record a successful sign-in (the API's and the console's, bot.desk.signing_in):
    county admins see when each account last worked."""
    await Staff.filter(id=staff_id).update(last_login_at=now)


async def issue_token(staff: Staff, *, now: datetime, lifetime: timedelta) -> tuple[str, datetime]:
    """A fresh bearer token for the staff API and when it expires."""
    token = secrets.token_urlsafe(32)
    expires = now + lifetime
    await StaffToken.create(digest=_digest(token), staff=staff, created_at=now, expires_at=expires)
    await StaffToken.filter(staff_id=staff.id, expires_at__lt=now).delete()  # tidy old ones
    return token, expires


async def login(
    username: str, password: str, *, now: datetime, lifetime: timedelta
) -> tuple[str, datetime] | str:
    """A fresh bearer token and when it expires; or why not (``verify``)."""
    found = await verify(username, password)
    if isinstance(found, str):
        return found
    return await issue_token(found, now=now, lifetime=lifetime)


def member(staff: Staff) -> StaffMember:
    """The account as the staff operations see the caller (township and unit fetched)."""
    place = staff.township
    return StaffMember(
        staff.id,
        staff.username,
        staff.role,
        place.id if place else None,
        place.name if place else None,
        staff.unit.id if staff.unit else None,
        staff.unit.name if staff.unit else None,
    )


async def active_member(staff_id: int) -> StaffMember | None:
    """The account with this id while it is active (a disabled one is signed out)."""
    staff = await Staff.get_or_none(id=staff_id, active=True).select_related("township", "unit")
    return member(staff) if staff is not None else None


async def by_token(token: str, now: datetime) -> StaffMember | None:
    row = await StaffToken.get_or_none(
        digest=_digest(token), expires_at__gt=now, staff__active=True
    ).select_related("staff__township", "staff__unit")
    if row is None:
        return None
    return member(row.staff)


async def logout(token: str) -> None:
    await StaffToken.filter(digest=_digest(token)).delete()


def new_password() -> str:
    """A password to show once: 16 characters a person can copy without ambiguity."""
    alphabet = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "".join(secrets.choice(alphabet) for _ in range(16))


async def set_active(staff_id: int, active: bool) -> None:
    """Enable or disable an account. Disabling ends every token it holds at once (the
    console checks ``active`` on each request) and takes it off duty."""
    if active:
        await Staff.filter(id=staff_id).update(active=True)
        return
    await Staff.filter(id=staff_id).update(active=False, on_duty=False)
    await StaffToken.filter(staff_id=staff_id).delete()


async def set_password(staff_id: int, password: str) -> None:
    """A new password; the tokens signed in with the old one end."""
    if len(password) < 8:
        raise StaffError("password must be at least 8 characters", "password")
    hashed = await asyncio.to_thread(_hasher.hash, password)
    await Staff.filter(id=staff_id).update(password_hash=hashed)
    await StaffToken.filter(staff_id=staff_id).delete()


LINK_DIGITS = 8  # longer than a grid worker's 6, so one 绑定 reads either


async def link_code(staff_id: int, now: datetime, ttl: timedelta) -> StaffLinkCode:
    for _ in range(20):
        code = "".join(secrets.choice("0123456789") for _ in range(LINK_DIGITS))
        try:
            return await StaffLinkCode.create(
                code=code, staff_id=staff_id, created_at=now, expires_at=now + ttl
            )
        except IntegrityError:
            continue
    raise RuntimeError("no free link code after 20 tries")


async def link_wechat(code: str, appid: str, openid: str, now: datetime) -> Staff | None:
    """Link the sender's WeChat to the code's staff account; None for a wrong, used or
    expired code. The code works once."""
    row = await StaffLinkCode.get_or_none(
        code=code, used_at__isnull=True, expires_at__gt=now, staff__active=True
    )
    if row is None:
        return None
    taken = await StaffLinkCode.filter(id=row.id, used_at__isnull=True).update(used_at=now)
    if not taken:
        return None
    # One WeChat, one staff account: linking here unlinks it anywhere else.
    await Staff.filter(wechat_appid=appid, wechat_openid=openid).update(
        wechat_appid=None, wechat_openid=None, on_duty=False
    )
    await Staff.filter(id=row.staff_id).update(wechat_appid=appid, wechat_openid=openid)
    return await Staff.get(id=row.staff_id)


async def set_on_duty(staff_id: int, on_duty: bool) -> Staff:
    await Staff.filter(id=staff_id).update(on_duty=on_duty)
    return await Staff.get(id=staff_id)


async def set_lead(staff_id: int, lead: bool) -> None:
    await Staff.filter(id=staff_id).update(lead=lead)


async def set_notify_new(staff_id: int, notify_new: bool) -> Staff:
    await Staff.filter(id=staff_id).update(notify_new=notify_new)
    return await Staff.get(id=staff_id)


async def on_duty_in(township_id: int) -> list[Staff]:
    """Township staff on duty there whose WeChat is linked: who hears of urgent reports."""
    return await Staff.filter(
        township_id=township_id,
        role="township_staff",
        active=True,
        on_duty=True,
        wechat_openid__isnull=False,
    )


def _linked() -> Q:
    return Q(active=True, wechat_openid__isnull=False, wechat_appid__isnull=False)


async def supervisors(township_id: int | None) -> list[Staff]:
    """Supervisors with a linked WeChat: a township's, or (None) the county's own."""
    return await Staff.filter(_linked(), role="supervisor", township_id=township_id)


async def of_unit(unit_id: int) -> list[Staff]:
    """A unit's department handlers with a linked WeChat."""
    return await Staff.filter(_linked(), role="department_handler", unit_id=unit_id)


async def linked(staff_id: int | None) -> Staff | None:
    """The staff member if their account is active and their WeChat linked."""
    if staff_id is None:
        return None
    return await Staff.filter(_linked(), id=staff_id).first()
