"""Reading what people type or say: names, mobile numbers, numbers, dates, choices.
Each reader returns the value, or None when the answer cannot be used."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from datetime import date, timedelta

from conversations.flow import Choice, normalise, pick, read_number

# The longest free text kept as an answer or a request's content.
TEXT_MAX = 300
_SPOKEN_DIGITS = str.maketrans("零〇一二三四五六七八九幺两", "0012345678912")
_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_MOBILE_IN = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
_NAME = re.compile(r"^[\u3400-\u9fffA-Za-z·•．.]{2,20}$")
_DATE_FULL = re.compile(r"^(\d{4})[-./年](\d{1,2})[-./月](\d{1,2})日?$")
_DATE_SHORT = re.compile(r"^(\d{1,2})[-./月](\d{1,2})[日号]?$")
# Eight digits and four, no more on either side: twelve inside a 身份证号 or a bank card are none.
_TICKET_NUMBER = re.compile(r"(?<!\d)(\d{8})\s*[-－—_ ]?\s*(\d{4})(?!\d)")


def _plain(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip()


def mobile(text: str) -> str | None:
    """A mainland mobile number, typed or read out ("一三八…"), with spaces or dashes."""
    digits = re.sub(r"[\s\-—()（）+]", "", _plain(text)).translate(_SPOKEN_DIGITS)
    if digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    if _MOBILE.match(digits):
        return digits
    # said in a sentence ("俺手机号换了，新的是139…"): the one number in it
    said = _MOBILE_IN.findall(digits)
    return said[0] if len(said) == 1 else None


def number_in(text: str) -> str | None:
    """A 受理编号 anywhere in what was typed or read out: 20261127-0042, 202611270042,
    "受理编号二零二六一一二七零零四二"."""
    digits = unicodedata.normalize("NFKC", text).translate(_SPOKEN_DIGITS)
    found = _TICKET_NUMBER.search(digits)
    return f"{found[1]}-{found[2]}" if found else None


def person_name(text: str, reserved: Sequence[str] = ()) -> str | None:
    """A person's name; None for anything else, including the bot's own words
    (``reserved``: "办事" is a menu item, not a name)."""
    name = re.sub(r"\s+", "", _plain(text))
    for lead in ("我叫", "我是", "名字是", "姓名是", "姓名"):
        name = name.removeprefix(lead)
    if not _NAME.match(name) or is_one_of(name, reserved):
        return None
    return name


def number(text: str, low: int | None, high: int | None) -> int | None:
    said = _plain(text).rstrip("个人口岁年次元亩间")
    value = int(said) if said.isdecimal() and len(said) <= 9 else read_number(said)
    if value is None:
        return None
    if (low is not None and value < low) or (high is not None and value > high):
        return None
    return value


def day(text: str, today: date) -> date | None:
    said = _plain(text).replace(" ", "")
    if said in ("今天", "今日"):
        return today
    if said in ("昨天", "昨日"):
        return today - timedelta(days=1)
    if said == "前天":
        return today - timedelta(days=2)
    try:
        full = _DATE_FULL.match(said)
        if full:
            return date(int(full[1]), int(full[2]), int(full[3]))
        short = _DATE_SHORT.match(said)
        if short:
            return date(today.year, int(short[1]), int(short[2]))
    except ValueError:  # 2月30日
        return None
    return None


def several(text: str, choices: Sequence[Choice]) -> list[Choice] | None:
    """Several choices at once: "1 3", "1、3", "1和3", or their words."""
    parts = [p for p in re.split(r"[\s,，、和及与;；/]+", _plain(text)) if p]
    if len(parts) == 1 and parts[0].isdecimal() and len(parts[0]) > 1 and len(choices) < 10:
        parts = list(parts[0])  # "13" from someone who means 1 and 3
    picked: list[Choice] = []
    for part in parts:
        choice = pick(part, choices)
        if choice is None:
            return None
        if choice not in picked:
            picked.append(choice)
    return picked or None


def is_one_of(text: str | None, words: Sequence[str]) -> bool:
    return text is not None and normalise(text) in {normalise(w) for w in words}


def mask_phone(phone: str) -> str:
    """138****5678: enough for its owner to recognise, not to call."""
    return f"{phone[:3]}****{phone[-4:]}" if len(phone) >= 7 else "****"
