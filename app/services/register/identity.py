"""Checks on the numbers a register entry carries, by their national standards: the resident ID
number (GB 11643-1999, with its check digit and birth date), the unified social credit code of
an organisation (GB 32100-2015), a mainland phone number. Each answers with the reason a number
is refused (a message key), or None."""
from __future__ import annotations

import re
from datetime import date

from .protect import normalised

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
# the first two digits: a province-level division (GB/T 2260), or 8x for Hong Kong, Macao and
# Taiwan residents' permits, 9x for foreigners' permanent residence IDs (2023 form)
_PROVINCES = {11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46,
              50, 51, 52, 53, 54, 61, 62, 63, 64, 65, 71, 81, 82, 83, 91, 92, 93}

_CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)

_MOBILE = re.compile(r"1[3-9]\d{9}")
_FIXED = re.compile(r"0\d{9,11}")


def id_check_digit(first17: str) -> str:
    return _ID_CHECK[sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS)) % 11]


def id_number_problem(value: str) -> str | None:
    value = normalised("id_number", value)
    if not re.fullmatch(r"\d{17}[\dX]", value):
        return "register.id_number_form"
    if int(value[:2]) not in _PROVINCES:
        return "register.id_number_region"
    try:
        born = date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return "register.id_number_birth"
    if born.year < 1880 or born > date.today():
        return "register.id_number_birth"
    if id_check_digit(value[:17]) != value[17]:
        return "register.id_number_check"
    return None


def born_and_sex(id_number: str) -> tuple[int, str]:
    """The year of birth and the sex an ID number states (its 17th digit: odd for a man)."""
    value = normalised("id_number", id_number)
    return int(value[6:10]), "M" if int(value[16]) % 2 else "F"


def credit_code_check_character(first17: str) -> str:
    total = sum(_CODE_ALPHABET.index(c) * w for c, w in zip(first17, _CODE_WEIGHTS))
    return _CODE_ALPHABET[(31 - total % 31) % 31]


def credit_code_problem(value: str) -> str | None:
    value = value.strip().upper()
    if len(value) != 18 or any(c not in _CODE_ALPHABET for c in value):
        return "register.credit_code_form"
    if credit_code_check_character(value[:17]) != value[17]:
        return "register.credit_code_check"
    return None


def phone_problem(value: str) -> str | None:
    value = normalised("phone", value)
    return None if _MOBILE.fullmatch(value) or _FIXED.fullmatch(value) else "register.phone_form"
