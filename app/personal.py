"""Personal data in free text: what must never reach a public surface (PIPL) — mobile and fixed
phone numbers, resident ID numbers, e-mail addresses. A detector, not a filter: the caller
refuses the text and the person who wrote it rewrites it; names and house numbers cannot be
told from other words this way, which is why public text is an operator's, never a reporter's.
"""
from __future__ import annotations

import re

_PATTERNS = {
    # an 18-character resident ID (17 digits and a digit or X), or the old 15-digit one
    "id_number": re.compile(r"(?<!\d)(\d{17}[\dXx]|\d{15})(?![\dXx])"),
    # a mainland mobile number, with or without +86 and separators
    "phone": re.compile(r"(?<!\d)(?:\+?86[\s-]?)?1[3-9]\d[\s-]?\d{4}[\s-]?\d{4}(?!\d)"
                        r"|(?<!\d)0\d{2,3}[\s-]?\d{7,8}(?!\d)"),
    "email": re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"),
}


def found_in(text: str) -> list[str]:
    """The kinds of personal data in `text` (empty when none), in a fixed order."""
    return [kind for kind, pattern in _PATTERNS.items() if pattern.search(text or "")]


def redacted(text: str, mask: str = "***") -> str:
    """`text` with each piece of personal data in it replaced by `mask`: for words that must
    reach someone (a reason told to a reporter) though a colleague wrote a number into them."""
    for pattern in _PATTERNS.values():
        text = pattern.sub(mask, text)
    return text


def masked(value: str | None) -> str | None:
    """A contact as a colleague may see it by default: enough to tell two apart, not to call
    (138****5678, z***@example.com); the whole of it is for the few who must act on it."""
    if not value:
        return None
    value = value.strip()
    digits = re.sub(r"[\s-]", "", value)
    if _PATTERNS["email"].fullmatch(value):
        name, domain = value.split("@", 1)
        return f"{name[:1]}***@{domain}"
    if re.fullmatch(r"\+?\d{7,15}", digits):
        return f"{digits[:-8]}****{digits[-4:]}" if len(digits) >= 11 else f"{digits[:2]}****{digits[-2:]}"
    return f"{value[:1]}***"
