"""The register's workbooks as a community office fills them in: one sheet per kind (房屋, 实有人口,
单位), each column with its header in the reader's language and its field name, and the words a
cell may hold for a coded value (自住, 户籍人口, 独居老人…).

The layout, decided once for the template, the import and the export:
- row 1: the headers, in Chinese (or English); a required column's ends in *;
- row 2: the field names in English ("room", "id_number"), which the import reads, so that the
  columns may be put in any order and the headers reworded. An export puts one more row above
  both (who took it, when and why); the import finds the field names wherever they are among
  the first rows. A visible row rather than a hidden one: an office that deletes it sees it go.
- from the next row on, one entry per row.

A house is addressed as a community office knows it: its building (the code from the
Buildings sheet — the building's source id, e.g. gen:ZX-1-7-4-7 or osm:w22273017 — or its
address, or its name, as the building table holds them), then entrance (单元), floor and room.
A resident by the house they live in; an organisation by its building and, if it has one, its
house.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from ...messages import CATALOGUE, LANGUAGES, Message, say
from ...models import (CARE_TAGS, KEY_TAGS, ORGANISATION_KINDS, REGISTRATIONS, RELATIONS, RISK_TAGS, SEXES,
                       UNIT_USES)

KINDS = ("unit", "resident", "organisation")
# the numbers kept encrypted: never shown whole in a report or an export (protect.py's kinds)
NUMBERS = {"id_number": "id_number", "phone": "phone", "contact_phone": "phone"}
WORDS = {"use": UNIT_USES, "sex": SEXES, "registration": REGISTRATIONS, "relation": RELATIONS,
         "kind": ORGANISATION_KINDS}
TAGS = {"care_tags": CARE_TAGS, "key_tags": KEY_TAGS, "risk_tags": RISK_TAGS}
PLACE = ("building", "address", "entrance", "floor", "room")
_TAG_SEPARATORS = re.compile(r"[、,，;；/|\s]+")


@dataclass(frozen=True)
class Column:
    key: str
    required: bool = False
    text: bool = False          # kept as text in the template: 18 digits, a leading 0
    width: int = 12


@dataclass(frozen=True)
class Sheet:
    kind: str
    columns: tuple[Column, ...]

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(c.key for c in self.columns)

    def title(self, language: str) -> str:
        return say_title(self.kind, language)


def _place(room_required: bool) -> tuple[Column, ...]:
    return (Column("building", text=True, width=22), Column("address", width=30), Column("entrance", text=True, width=8),
            Column("floor", width=8), Column("room", required=room_required, text=True, width=10))


SHEETS = {
    "unit": Sheet("unit", _place(True) + (
        Column("use", required=True, width=10), Column("floor_area", width=14), Column("households", width=8))),
    "resident": Sheet("resident", _place(True) + (
        Column("name", required=True, width=12), Column("id_number", text=True, width=22), Column("sex", width=8),
        Column("birth_year", width=10), Column("phone", text=True, width=16), Column("registration", width=12),
        Column("relation", width=12), Column("care_tags", width=18), Column("key_tags", width=18))),
    "organisation": Sheet("organisation", (
        Column("building", text=True, width=22), Column("address", width=30), Column("name", required=True, width=24),
        Column("kind", required=True, width=10), Column("credit_code", text=True, width=22),
        Column("contact_name", width=12), Column("contact_phone", text=True, width=16),
        Column("employees", width=10), Column("risk_tags", width=14), Column("entrance", text=True, width=8),
        Column("floor", width=8), Column("room", text=True, width=10))),
}


def say_title(sheet: str, language: str) -> str:
    """The name of a sheet: a kind's (房屋) or another (楼栋清单, 填写说明, 汇总…)."""
    return say(f"register.sheet.{sheet}", language)


def label(kind: str, key: str, language: str) -> str:
    """A column's header: the kind's own word where it has one (单位名称), else the common one."""
    own = f"register.sheet.column.{kind}.{key}"
    return say(own if own in CATALOGUE else f"register.sheet.column.{key}", language)


def header(kind: str, column: Column, language: str) -> str:
    return label(kind, column.key, language) + (" *" if column.required else "")


def word(family: str, code: str) -> Message:
    return Message(f"register.sheet.word.{family}.{code}")


def words(family: str) -> list[Message]:
    return [word(family, code) for code in {**WORDS, **TAGS}[family]]


def written(family: str, code: str, language: str) -> str:
    return word(family, code).say(language)


def plain(value: str) -> str:
    """A cell's text as it is compared: full-width letters and digits as ASCII (NFKC), spaces
    collapsed, case folded — ７号楼 is 7号楼, "Owner" is "owner"."""
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", value)).strip().casefold()


def _lookup(family: str) -> dict[str, str]:
    found = {}
    for code in {**WORDS, **TAGS}[family]:
        found[plain(code)] = code
        for language in LANGUAGES:
            found[plain(written(family, code, language))] = code
    return found


_LOOKUPS = {family: _lookup(family) for family in {**WORDS, **TAGS}}
# what an office writes for the same thing, beside the words of the template
_LOOKUPS["sex"].update({"男性": "M", "女性": "F", "m": "M", "f": "F"})
_LOOKUPS["care_tags"].update({"残疾": "disabled"})
_LOOKUPS["key_tags"].update({"精神障碍": "mental_disorder", "吸毒": "drug_user"})


def code_of(family: str, value: str) -> str | None:
    """The code a written word stands for (户主 → head), or None."""
    return _LOOKUPS[family].get(plain(value))


def tags_of(family: str, value: str) -> list[str] | None:
    """The codes of the tags written in a cell ("独居老人、低保"), or None when one is unknown."""
    codes = []
    for part in _TAG_SEPARATORS.split(unicodedata.normalize("NFKC", value).strip()):
        if not part:
            continue
        code = _LOOKUPS[family].get(plain(part))
        if code is None:
            # an English tag of several words ("low income") was cut at its spaces
            return _whole_words(family, value)
        codes.append(code)
    return sorted(set(codes))


def _whole_words(family: str, value: str) -> list[str] | None:
    codes = []
    for part in re.split(r"[、,，;；/|]+", unicodedata.normalize("NFKC", value)):
        if not part.strip():
            continue
        code = _LOOKUPS[family].get(plain(part))
        if code is None:
            return None
        codes.append(code)
    return sorted(set(codes))


def kind_of_title(title: str) -> str | None:
    """The kind a sheet holds, by its name in either language or its kind's code."""
    wanted = plain(title)
    for kind in KINDS:
        names = {plain(kind), plain(kind + "s"), *(plain(say(f"register.sheet.{kind}", language))
                                                   for language in LANGUAGES)}
        if wanted in names:
            return kind
    return None


def key_of_header(kind: str, text: str) -> str | None:
    """The field a header names: its field name, or its header in either language (with or
    without the *)."""
    wanted = plain(text.rstrip("*").strip())
    for column in SHEETS[kind].columns:
        if wanted == column.key or any(wanted == plain(label(kind, column.key, language)) for language in LANGUAGES):
            return column.key
    return None
