"""A register entry's fields as sent (a phone's form, an import's row) made into column values,
or a message per field. The same rules for the API and the Excel import."""
from __future__ import annotations

import math
from collections.abc import Mapping

from ...messages import Message
from ...models import (CARE_TAGS, KEY_TAGS, ORGANISATION_KINDS, REGISTRATIONS, RELATIONS, RISK_TAGS, SEXES,
                       UNIT_USES)
from . import identity
from .errors import Invalid

UNIT_FIELDS = ("entrance", "floor", "room", "use", "floor_area", "households")
RESIDENT_FIELDS = ("name", "sex", "birth_year", "id_number", "phone", "registration", "relation", "care_tags",
                   "key_tags")
ORGANISATION_FIELDS = ("name", "kind", "credit_code", "contact_name", "contact_phone", "employees", "risk_tags",
                       "unit")


class _Form:
    def __init__(self, sent: Mapping, known: tuple[str, ...], adding: bool):
        self.sent, self.adding = sent, adding
        self.errors: dict[str, Message] = {}
        self.values: dict = {}
        for name in sent:
            if name not in known:
                self.errors[name] = Message("register.field_unknown", known=", ".join(known))

    def given(self, name: str) -> bool:
        return name in self.sent

    def text(self, name: str, most: int, required: bool = False) -> None:
        if not self.given(name):
            if required and self.adding:
                self.errors[name] = Message("register.required")
            return
        value = self.sent[name]
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.errors[name] = Message("register.required")
            else:
                self.values[name] = None
            return
        if not isinstance(value, (str, int)) or isinstance(value, bool):
            self.errors[name] = Message("register.text")
            return
        value = str(value).strip()
        if len(value) > most:
            self.errors[name] = Message("register.too_long", most=most)
            return
        self.values[name] = value

    def number(self, name: str, low: float, high: float, whole: bool = True) -> None:
        if not self.given(name):
            return
        value = self.sent[name]
        if value is None or value == "":
            self.values[name] = None
            return
        try:
            number = float(value) if not isinstance(value, bool) else math.nan
        except (TypeError, ValueError):
            number = math.nan
        if not math.isfinite(number) or (whole and number != int(number)) or not low <= number <= high:
            self.errors[name] = Message("register.number_range", low=low if not whole else int(low),
                                        high=high if not whole else int(high))
            return
        self.values[name] = int(number) if whole else number

    def choice(self, name: str, known: tuple[str, ...], required: bool = False) -> None:
        if not self.given(name):
            if required and self.adding:
                self.errors[name] = Message("register.required")
            return
        value = self.sent[name]
        if value is None and not required:
            self.values[name] = None
        elif value not in known:
            self.errors[name] = Message("register.choice", known=", ".join(known))
        else:
            self.values[name] = value

    def tags(self, name: str, known: tuple[str, ...]) -> None:
        if not self.given(name):
            return
        value = self.sent[name]
        if value is None:
            value = []
        if not isinstance(value, list) or any(tag not in known for tag in value):
            self.errors[name] = Message("register.tags", known=", ".join(known))
            return
        self.values[name] = sorted(set(value))

    def checked(self, name: str, problem) -> None:
        """A number checked by its standard; a bad one is refused without being repeated."""
        if not self.given(name):
            return
        value = self.sent[name]
        if value is None or value == "":
            self.values[name] = None
            return
        if not isinstance(value, str) or len(value) > 40:
            self.errors[name] = Message("register.text")
            return
        reason = problem(value)
        if reason:
            self.errors[name] = Message(reason)
        else:
            self.values[name] = value.strip()

    def done(self) -> dict:
        if self.errors:
            raise Invalid(self.errors)
        return self.values


def _place_on(form: _Form) -> None:
    """A house's place in its building: entrance (单元), floor, room."""
    form.text("entrance", 16)
    form.number("floor", -10, 200)
    form.text("room", 16, required=True)


def place(sent: Mapping) -> tuple[dict, dict]:
    """A house's place by the house form's rules, and what is wrong with it instead of a
    refusal: an imported row's problems are reported together."""
    form = _Form(sent, ("entrance", "floor", "room"), adding=True)
    _place_on(form)
    return form.values, form.errors


def unit(sent: Mapping, adding: bool) -> dict:
    form = _Form(sent, UNIT_FIELDS, adding)
    _place_on(form)
    form.choice("use", UNIT_USES, required=True)
    form.number("floor_area", 1, 99999, whole=False)
    form.number("households", 0, 999)
    return form.done()


def resident(sent: Mapping, adding: bool) -> dict:
    form = _Form(sent, RESIDENT_FIELDS, adding)
    form.text("name", 100, required=True)
    form.choice("sex", SEXES)
    form.number("birth_year", 1880, 2200)
    form.checked("id_number", identity.id_number_problem)
    form.checked("phone", identity.phone_problem)
    form.choice("registration", REGISTRATIONS)
    form.choice("relation", RELATIONS)
    form.tags("care_tags", CARE_TAGS)
    form.tags("key_tags", KEY_TAGS)
    values = form.done()
    if values.get("id_number"):
        # the ID number states the birth year and sex; what the form says must agree with it
        year, sex = identity.born_and_sex(values["id_number"])
        errors = {}
        if values.get("birth_year") not in (None, year):
            errors["birth_year"] = Message("register.id_number_disagrees")
        if values.get("sex") not in (None, sex):
            errors["sex"] = Message("register.id_number_disagrees")
        if errors:
            raise Invalid(errors)
        values["birth_year"], values["sex"] = year, sex
    return values


def organisation(sent: Mapping, adding: bool) -> dict:
    form = _Form(sent, ORGANISATION_FIELDS, adding)
    form.text("name", 200, required=True)
    form.choice("kind", ORGANISATION_KINDS, required=True)
    form.checked("credit_code", identity.credit_code_problem)
    form.text("contact_name", 100)
    form.checked("contact_phone", identity.phone_problem)
    form.number("employees", 0, 1_000_000)
    form.tags("risk_tags", RISK_TAGS)
    form.number("unit", 1, 2**31 - 1)
    values = form.done()
    if values.get("credit_code"):
        values["credit_code"] = values["credit_code"].upper()
    return values
