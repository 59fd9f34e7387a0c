"""The register imported from a workbook (房屋, 实有人口, 单位), as a community office hands it
over: each row checked by the rules the phone's forms follow (fields.py, identity.py), refused
with its reason when it breaks one, and otherwise added, or matched to the entry it already is
and updated where it differs.

The same entry, on a second import:
- a house is its building, entrance, floor and room;
- a resident is their ID number (its finding key), else their name in that house — a namesake
  with another ID number on file is someone else, never overwritten;
- an organisation is its credit code, else its name in that building.
An added or changed entry gets its version (register_version, with the writer as author) as
entries.py writes it; an unchanged row writes nothing.

A row states the entry: a column the sheet has sets the field (an empty cell clears it), a
column it lacks leaves the field alone, and a masked number (from an export) keeps the number
held — so an export, corrected, imports again.

In bulk, for 100,000 rows a minute: the rows are checked in Python, the entries they may be
read in a few queries, and the new and changed rows written with COPY (ids taken from their
sequences first, so versions can name them). Numbers are encrypted only when new or changed.
"""
from __future__ import annotations

import base64
import json
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import text
from sqlalchemy.orm import Session

from ... import personal
from ...messages import Message, say
from ...models import HouseUnit, Organisation, Resident
from ..accounts import audit
from . import fields, protect, sheets, workbooks
from .access import Reader
from .entries import recount
from .errors import Invalid, NotAllowed, RegisterError
from .sheets import NUMBERS, PLACE, SHEETS, TAGS, WORDS

MODELS = {"unit": HouseUnit, "resident": Resident, "organisation": Organisation}
TABLES = {kind: model.__tablename__ for kind, model in MODELS.items()}
# what a version holds: every column but the entry's id, version and authorship (entries._snapshot)
SNAPSHOT = {kind: tuple(c.name for c in model.__table__.columns
                        if c.name not in ("id", "version", "changed_at", "changed_by"))
            for kind, model in MODELS.items()}
STATE = {kind: tuple(c for c in columns if c != "ended_at") for kind, columns in SNAPSHOT.items()}
_NUMBER_PARTS = ("secret", "key", "mask")
_NUMBER_FIELDS = {"unit": (), "resident": ("id_number", "phone"), "organisation": ("contact_phone",)}
_TEXTS = {"building", "address", "entrance", "room", "name", "contact_name", "credit_code"}
_PROGRESS_EVERY = 5000
_FRESH_STATISTICS = 5000        # rows written past which the tables are analysed before the recount


@dataclass
class Refusal:
    kind: str
    row: int
    entry: str                 # what the row names: a place, a name
    field: str | None
    value: str | None          # as written, numbers masked
    reason: Message


@dataclass
class Tally:
    read: int = 0
    added: int = 0
    changed: int = 0
    unchanged: int = 0
    refused: int = 0


@dataclass
class Outcome:
    tallies: dict[str, Tally] = field(default_factory=dict)
    titles: dict[str, str] = field(default_factory=dict)        # kind → the sheet's name in the file
    refusals: list[Refusal] = field(default_factory=list)
    ignored: list[tuple[str, str]] = field(default_factory=list)  # (sheet, header) not understood
    seconds: dict[str, float] = field(default_factory=dict)
    report: Path | None = None

    def figures(self) -> dict:
        """The counts alone, for the audit log's one row."""
        return {kind: vars(tally) for kind, tally in self.tallies.items()}


def from_file(session: Session, writer: Reader, path: Path, language: str, dry_run: bool = False,
              progress=None, now: datetime | None = None, zone: str = "Asia/Shanghai") -> Outcome:
    """Import `path`, commit (or, with `dry_run`, roll back), and write the row-by-row report
    beside it (NAME.report.xlsx) in `language`. workbooks.Unreadable when it is no workbook,
    RegisterError when it has none of the register's sheets."""
    now = now or datetime.now(timezone.utc)
    started = time.perf_counter()
    book = workbooks.read(path)
    read_s = time.perf_counter() - started
    if not book.sheets:
        raise RegisterError("register.import.no_sheets", path=path.name)
    with audit.bulk_load(session, "IMPORT", {"source": path.name, "register": True}) as summary:
        outcome = run(session, writer, book, progress, now)
        summary.update(outcome.figures(), dry_run=dry_run)
    outcome.seconds["read"] = read_s
    started = time.perf_counter()
    if dry_run:
        session.rollback()
    else:
        session.commit()
    outcome.seconds["commit"] = time.perf_counter() - started
    started = time.perf_counter()
    outcome.report = path.with_name(path.stem + ".report.xlsx")
    outcome.report.write_bytes(report(outcome, language, path.name, writer.actor, now.astimezone(ZoneInfo(zone)),
                                      dry_run))
    outcome.seconds["report"] = time.perf_counter() - started
    return outcome


def run(session: Session, writer: Reader, book: workbooks.Book, progress=None,
        now: datetime | None = None) -> Outcome:
    """Houses first, then the residents and organisations that name them; nothing committed."""
    if not writer.may("register:write"):
        raise NotAllowed("register.import.not_yours")
    for kind, column in (("resident", "care_tags"), ("resident", "key_tags")):
        sheet = book.of(kind)
        if sheet and column in sheet.keys and not writer.may(
                "register:care" if column == "care_tags" else "register:keyperson"):
            raise NotAllowed(f"register.{column}_not_yours")
    work = _Import(session, writer, progress or (lambda what, n: None), now or datetime.now(timezone.utc))
    for kind in sheets.KINDS:
        sheet = book.of(kind)
        if sheet is None:
            continue
        work.outcome.titles[kind] = sheet.title
        work.outcome.ignored += [(sheet.title, header) for header in sheet.ignored]
        getattr(work, f"{kind}_sheet")(sheet)
    # row by row, as the office reads its file (a row's own problems are found in more than one pass)
    work.outcome.refusals.sort(key=lambda r: (sheets.KINDS.index(r.kind), r.row))
    started = time.perf_counter()
    if work.written > _FRESH_STATISTICS:
        # the planner's row counts from before thousands of rows arrived would have the recount
        # scan every resident once per building (minutes at 100,000 rows, not a second)
        session.execute(text("ANALYZE house_unit, resident"))
    recount(session, work.touched)
    work.outcome.seconds["count"] = time.perf_counter() - started
    return work.outcome


def report(outcome: Outcome, language: str, source: str, actor: str, now: datetime, dry_run: bool) -> bytes:
    made = say("register.import.made", language, path=source, actor=actor, at=now.isoformat(sep=" ", timespec="seconds"),
               dry=say("register.import.made_dry", language) if dry_run else "")
    tallies = [dict(sheet=outcome.titles[kind], **vars(tally)) for kind, tally in outcome.tallies.items()]
    notes = [say("register.import.column_ignored", language, sheet=sheet, column=column)
             for sheet, column in outcome.ignored]
    rows = [dict(sheet=outcome.titles[r.kind], row=r.row, entry=r.entry,
                 field=sheets.label(r.kind, r.field, language) if r.field else None,
                 value=r.value, reason=r.reason.say(language)) for r in outcome.refusals]
    return workbooks.report(language, made, tallies, notes, rows, creator=actor)


# -- the work --------------------------------------------------------------------------------

@dataclass
class _Row:
    number: int
    entry: str
    values: dict               # column values, as fields.py made them
    masked: dict               # number field → the mask written (from an export)
    building_id: int
    unit_id: int | None = None
    place: tuple | None = None


class _Import:
    def __init__(self, session: Session, writer: Reader, progress, now: datetime):
        self.session, self.writer, self.progress, self.now = session, writer, progress, now
        self.outcome = Outcome()
        self.buildings = _Buildings(session, writer)
        self.units: dict[tuple, int] = {}            # place → house id, held and added
        self.unit_rows: dict[int, dict] = {}         # house id → its row, as held
        self._units_loaded: set[int] = set()
        self.touched: set[int] = set()               # buildings whose counts change
        self.written = 0

    # -- a row's cells made into values, or refused ---------------------------------------

    def refuse(self, kind: str, number: int, entry: str, errors: dict, cells: dict) -> None:
        for name, reason in errors.items():
            self.outcome.refusals.append(Refusal(kind, number, entry, name if name in SHEETS[kind].keys else None,
                                                 _shown(name, cells.get(name)), reason))
        self.outcome.tallies[kind].refused += 1

    def checked(self, kind: str, number: int, cells: dict, check) -> tuple[_Row | None, dict]:
        """The row's values and its building (and house), or None and what is wrong."""
        errors, sent, masked = {}, {}, {}
        for name, value in cells.items():
            if name in (("building", "address") if kind == "unit" else PLACE):
                continue
            if name in NUMBERS or name == "credit_code":
                if isinstance(value, float):
                    errors[name] = Message("register.import.number_as_digits")
                    continue
                if isinstance(value, int):
                    value = str(value)
                if name in NUMBERS and isinstance(value, str) and "*" in value:
                    masked[name] = value
                    continue
            elif name in _TEXTS and isinstance(value, (int, float)) and not isinstance(value, bool):
                value = str(value)
            if name in WORDS and value is not None:
                code = sheets.code_of(name, str(value))
                if code is None:
                    errors[name] = Message("register.import.words", known=sheets.words(name))
                    continue
                value = code
            elif name in TAGS:
                codes = sheets.tags_of(name, str(value)) if value is not None else []
                if codes is None:
                    errors[name] = Message("register.import.tags", known=sheets.words(name))
                    continue
                value = codes
            sent[name] = value
        building_id, problem = self.buildings.find(cells.get("building"), cells.get("address"))
        if problem:
            errors["building"] = problem
        place = None
        if kind != "unit":
            place, place_errors = _place(cells, required=kind == "resident")
            errors.update({k: v for k, v in place_errors.items() if k not in errors})
        try:
            values = check(sent)
        except Invalid as invalid:
            errors.update({k: v for k, v in invalid.errors.items() if k not in errors})
            values = None
        if errors:
            return None, errors
        row = _Row(number, "", values, masked, building_id)
        if kind == "unit":
            row.place = (building_id, values.get("entrance") or "",
                         -99 if values.get("floor") is None else values["floor"], values["room"])
        elif place is not None:
            row.place = (building_id, place.get("entrance") or "", -99 if place.get("floor") is None else place["floor"],
                         place["room"])
        return row, {}

    def rows(self, kind: str, sheet: workbooks.SheetRows, check):
        """Each row checked, as (_Row, cells); the refused ones reported on the way."""
        self.outcome.tallies[kind] = tally = Tally(read=len(sheet.rows))
        good = []
        for done, (number, cells) in enumerate(sheet.rows, start=1):
            entry = _entry(kind, cells)
            row, errors = self.checked(kind, number, cells, check)
            if errors:
                self.refuse(kind, number, entry, errors, cells)
            else:
                row.entry = entry
                good.append((row, cells))
            if done % _PROGRESS_EVERY == 0:
                self.progress(sheet.title, _PROGRESS_EVERY)
        self.progress(sheet.title, len(sheet.rows) % _PROGRESS_EVERY)
        return tally, good

    def load_units(self, building_ids) -> None:
        wanted = sorted(set(building_ids) - self._units_loaded)
        if not wanted:
            return
        self._units_loaded.update(wanted)
        for row in self.session.execute(text(
                "SELECT * FROM house_unit WHERE ended_at IS NULL AND building_id = ANY(:ids)"), {"ids": wanted}).mappings():
            row = dict(row)
            self.units[(row["building_id"], row["entrance"] or "", -99 if row["floor"] is None else row["floor"],
                        row["room"])] = row["id"]
            self.unit_rows[row["id"]] = row

    def house_of(self, kind: str, row: _Row, cells: dict) -> bool:
        """Whether the row's house is registered (held, or added by this file); refused if not."""
        if row.place is None:
            return True
        row.unit_id = self.units.get(row.place)
        if row.unit_id is None:
            self.refuse(kind, row.number, row.entry, {"room": Message("register.import.no_house")}, cells)
            return False
        return True

    # -- houses ----------------------------------------------------------------------------

    def unit_sheet(self, sheet: workbooks.SheetRows) -> None:
        started = time.perf_counter()
        tally, good = self.rows("unit", sheet, lambda sent: fields.unit(sent, adding=True))
        self.load_units(row.building_id for row, _ in good)
        plan, seen = _Plan("unit"), {}
        for row, cells in good:
            if row.place in seen:
                self.refuse("unit", row.number, row.entry, {"room": Message("register.import.repeated",
                                                                            row=seen[row.place])}, cells)
                continue
            seen[row.place] = row.number
            values, held_id = row.values, self.units.get(row.place)
            if values.get("households") is None and ("households" in values or held_id is None):
                # a lived-in house is one household unless counted (entries.add_unit)
                values["households"] = 0 if values["use"] in ("vacant", "shop", "office") else 1
            if held_id is None:
                plan.add({"building_id": row.building_id, "floor_area": None, **values})
                self.touched.add(row.building_id)
                continue
            held = self.unit_rows[held_id]
            if plan.change(held, {**held, **values}):
                self.touched.add(row.building_id)
        self.outcome.seconds["check"] = self.outcome.seconds.get("check", 0.0) + time.perf_counter() - started
        added = self.write(plan, tally)
        for state in added:
            key = (state["building_id"], state["entrance"] or "", -99 if state["floor"] is None else state["floor"],
                   state["room"])
            self.units[key] = state["id"]
            self.unit_rows[state["id"]] = state

    # -- residents -------------------------------------------------------------------------

    def resident_sheet(self, sheet: workbooks.SheetRows) -> None:
        started = time.perf_counter()
        tally, good = self.rows("resident", sheet, lambda sent: fields.resident(sent, adding=True))
        self.load_units(row.building_id for row, _ in good)
        good = [(row, cells) for row, cells in good if self.house_of("resident", row, cells)]
        keys = {}
        for row, _ in good:
            if row.values.get("id_number"):
                keys[row.number] = protect.finding_key("id_number", row.values["id_number"])
        held = self.session.execute(text("""
            SELECT r.*, u.building_id FROM resident r JOIN house_unit u ON u.id = r.unit_id
            WHERE r.ended_at IS NULL AND (r.id_number_key = ANY(:keys) OR r.unit_id = ANY(:units))"""),
            {"keys": list(set(keys.values())), "units": sorted({row.unit_id for row, _ in good})}).mappings()
        by_key, by_name = {}, defaultdict(list)
        for person in held:
            person = dict(person)
            if person["id_number_key"] is not None:
                by_key[bytes(person["id_number_key"])] = person
            by_name[(person["unit_id"], person["name"])].append(person)
        plan, seen_entries, seen_new = _Plan("resident"), {}, {}
        for row, cells in good:
            key = keys.get(row.number)
            person, problem = _same_person(row, key, by_key, by_name)
            if problem is None and person is not None and person["building_id"] not in self.buildings.ids:
                problem = {"id_number": Message("register.id_number_taken")}   # someone's outside the writer's area
            if problem is None:
                first = seen_entries.get(person["id"]) if person else seen_new.get(
                    key if key is not None else (row.unit_id, row.values["name"]))
                if first is not None:
                    problem = {"name": Message("register.import.repeated", row=first)}
            if problem:
                self.refuse("resident", row.number, row.entry, problem, cells)
                continue
            values = dict(row.values)
            values["unit_id"] = row.unit_id
            if person is None:
                seen_new[key if key is not None else (row.unit_id, values["name"])] = row.number
                state = {"registration": "local", "relation": "head", "care_tags": [], "key_tags": [],
                         "sex": None, "birth_year": None}
                _numbers(state, values, None, "resident")
                state.update({k: v for k, v in values.items() if v is not None})
                plan.add(state)
                self.touched.add(row.building_id)
                continue
            seen_entries[person["id"]] = row.number
            state = {k: v for k, v in person.items() if k != "building_id"}
            for name in ("registration", "relation"):
                if values.get(name, 0) is None:
                    values.pop(name)
            _numbers(state, values, person, "resident")
            state.update(values)
            if plan.change({k: v for k, v in person.items() if k != "building_id"}, state):
                self.touched.update({row.building_id, person["building_id"]})
        self.outcome.seconds["check"] = self.outcome.seconds.get("check", 0.0) + time.perf_counter() - started
        self.write(plan, tally)

    # -- organisations ---------------------------------------------------------------------

    def organisation_sheet(self, sheet: workbooks.SheetRows) -> None:
        started = time.perf_counter()
        tally, good = self.rows("organisation", sheet, lambda sent: fields.organisation(sent, adding=True))
        self.load_units(row.building_id for row, _ in good)
        good = [(row, cells) for row, cells in good if self.house_of("organisation", row, cells)]
        held = self.session.execute(text("""
            SELECT * FROM organisation WHERE ended_at IS NULL
              AND (credit_code = ANY(:codes) OR building_id = ANY(:buildings))"""),
            {"codes": sorted({row.values["credit_code"] for row, _ in good if row.values.get("credit_code")}),
             "buildings": sorted({row.building_id for row, _ in good})}).mappings()
        by_code, by_name = {}, defaultdict(list)
        for organisation in held:
            organisation = dict(organisation)
            if organisation["credit_code"]:
                by_code[organisation["credit_code"]] = organisation
            by_name[(organisation["building_id"], organisation["name"])].append(organisation)
        plan, seen_entries, seen_new = _Plan("organisation"), {}, {}
        places_given = any(name in sheet.keys for name in ("entrance", "floor", "room"))
        for row, cells in good:
            code = row.values.get("credit_code")
            found, problem = _same_organisation(row, code, by_code, by_name)
            if problem is None and found is not None and found["building_id"] not in self.buildings.ids:
                problem = {"credit_code": Message("register.credit_code_taken")}
            if problem is None:
                first = seen_entries.get(found["id"]) if found else seen_new.get(
                    code or (row.building_id, row.values["name"]))
                if first is not None:
                    problem = {"name": Message("register.import.repeated", row=first)}
            if problem:
                self.refuse("organisation", row.number, row.entry, problem, cells)
                continue
            values = dict(row.values)
            values["building_id"] = row.building_id
            if places_given:
                values["unit_id"] = row.unit_id
            if found is None:
                seen_new[code or (row.building_id, values["name"])] = row.number
                state = {"unit_id": None, "credit_code": None, "contact_name": None, "employees": None, "risk_tags": []}
                _numbers(state, values, None, "organisation")
                state.update({k: v for k, v in values.items() if v is not None})
                plan.add(state)
                continue
            seen_entries[found["id"]] = row.number
            state = dict(found)
            _numbers(state, values, found, "organisation")
            state.update(values)
            plan.change(found, state)
        self.outcome.seconds["check"] = self.outcome.seconds.get("check", 0.0) + time.perf_counter() - started
        self.write(plan, tally)

    # -- writing ---------------------------------------------------------------------------

    def write(self, plan: "_Plan", tally: Tally) -> list[dict]:
        started = time.perf_counter()
        tally.added, tally.changed = len(plan.added), len(plan.changed)
        tally.unchanged = plan.unchanged
        kind, table = plan.kind, TABLES[plan.kind]
        columns = ("id",) + STATE[kind] + ("version", "changed_at", "changed_by")
        cursor = self.session.connection().connection.driver_connection.cursor()
        try:
            if plan.added:
                ids = self.session.execute(text(f"SELECT nextval(pg_get_serial_sequence('{table}', 'id')) "
                                                "FROM generate_series(1, :n)"), {"n": len(plan.added)}).scalars().all()
                for state, entry_id in zip(plan.added, ids):
                    state.update(id=entry_id, version=1, changed_at=self.now, changed_by=self.writer.actor)
                _copy(cursor, table, columns, plan.added)
            if plan.changed:
                for state in plan.changed:
                    state.update(version=state["version"] + 1, changed_at=self.now, changed_by=self.writer.actor)
                cursor.execute(f"CREATE TEMP TABLE import_{table} (LIKE {table}) ON COMMIT DROP")
                _copy(cursor, f"import_{table}", columns, plan.changed)
                assigned = ", ".join(columns[1:])
                # only the version read: an entry changed on a phone meanwhile is not overwritten
                cursor.execute(f"UPDATE {table} t SET ({assigned}) = ({', '.join('s.' + c for c in columns[1:])}) "
                               f"FROM import_{table} s WHERE t.id = s.id AND t.version = s.version - 1 "
                               "AND t.ended_at IS NULL")
                if cursor.rowcount != len(plan.changed):
                    raise RegisterError("register.import.changed_meanwhile")
                cursor.execute(f"DROP TABLE import_{table}")
            with cursor.copy('COPY register_version (kind, entry_id, version, action, "by", data) FROM STDIN') as copy:
                for action, states in (("added", plan.added), ("changed", plan.changed)):
                    for state in states:
                        copy.write_row((kind, state["id"], state["version"], action, self.writer.actor,
                                        json.dumps(_snapshot(kind, state), ensure_ascii=False)))
        finally:
            cursor.close()
        self.written += len(plan.added) + len(plan.changed)
        self.progress("written", len(plan.added) + len(plan.changed))
        self.outcome.seconds["write"] = self.outcome.seconds.get("write", 0.0) + time.perf_counter() - started
        return plan.added


class _Plan:
    """What a sheet adds and changes."""

    def __init__(self, kind: str):
        self.kind = kind
        self.added: list[dict] = []
        self.changed: list[dict] = []
        self.unchanged = 0

    def add(self, state: dict) -> None:
        self.added.append(state)

    def change(self, held: dict, state: dict) -> bool:
        """Keeps `state` when it differs from what is held; numbers compared by their finding
        key, since a secret differs at each sealing."""
        different = any(_comparable(name, state.get(name)) != _comparable(name, held.get(name))
                        for name in STATE[self.kind] if not name.endswith("_secret"))
        if different:
            self.changed.append(state)
        else:
            self.unchanged += 1
        return different


class _Buildings:
    """The buildings the writer may register in, found by code (source id), address or name."""

    def __init__(self, session: Session, writer: Reader):
        scope, params = writer.scope.condition(session, "b")
        self.by_code: dict[str, int] = {}
        self.by_address: dict[str, set[int]] = defaultdict(set)
        self.by_name: dict[str, set[int]] = defaultdict(set)
        self.words: dict[int, set[str]] = {}
        for building_id, code, address, name in session.execute(text(
                f"SELECT b.id, b.source_id, b.address, b.name FROM building b WHERE {scope}"), params):
            self.by_code[sheets.plain(code)] = building_id
            said = set()
            if address:
                self.by_address[sheets.plain(address)].add(building_id)
                said.add(sheets.plain(address))
            if name:
                self.by_name[sheets.plain(name)].add(building_id)
                said.add(sheets.plain(name))
            self.words[building_id] = said
        self.ids = set(self.words)

    def find(self, code, address) -> tuple[int | None, Message | None]:
        code = sheets.plain(str(code)) if code not in (None, "") else None
        address = sheets.plain(str(address)) if address not in (None, "") else None
        if code is None and address is None:
            return None, Message("register.import.building_missing")
        if code is not None:
            found = self.by_code.get(code)
            if found is None:
                return None, Message("register.import.building_unknown")
            if address is not None and address not in self.words[found]:
                return None, Message("register.import.building_mismatch")
            return found, None
        found = self.by_address.get(address) or self.by_name.get(address)
        if not found:
            return None, Message("register.import.building_unknown")
        if len(found) > 1:
            return None, Message("register.import.building_ambiguous", count=len(found))
        return next(iter(found)), None


# -- pieces ------------------------------------------------------------------------------------

def _place(cells: dict, required: bool) -> tuple[dict, dict]:
    """A resident's or organisation's house (entrance, floor, room) by the house form's rules;
    an organisation's is optional, and none when all three are empty."""
    given = {name: cells[name] for name in ("entrance", "floor", "room") if name in cells}
    given = {name: str(v) if name != "floor" and isinstance(v, (int, float)) else v for name, v in given.items()}
    if not required and all(v is None for v in given.values()):
        return None, {}
    return fields.place({**given, "room": given.get("room")})


def _same_person(row: _Row, key: bytes | None, by_key: dict, by_name: dict):
    """The held resident a row is, or None (a new one), or what makes it unclear."""
    namesakes = by_name.get((row.unit_id, row.values["name"]), [])
    if key is not None:
        person = by_key.get(key)
        if person is not None:
            return person, None
        namesakes = [p for p in namesakes if p["id_number_key"] is None]
    elif "id_number" in row.masked:
        namesakes = [p for p in namesakes if p["id_number_mask"] == row.masked["id_number"]]
        if not namesakes:
            return None, {"id_number": Message("register.import.masked")}
    if len(namesakes) > 1:
        return None, {"name": Message("register.import.namesakes", count=len(namesakes))}
    person = namesakes[0] if namesakes else None
    return person, _masks_kept(row, person, "resident")


def _same_organisation(row: _Row, code: str | None, by_code: dict, by_name: dict):
    namesakes = by_name.get((row.building_id, row.values["name"]), [])
    if code is not None:
        found = by_code.get(code)
        if found is not None:
            return found, _masks_kept(row, found, "organisation")
        namesakes = [o for o in namesakes if not o["credit_code"]]
    if len(namesakes) > 1:
        return None, {"name": Message("register.import.namesakes", count=len(namesakes))}
    found = namesakes[0] if namesakes else None
    return found, _masks_kept(row, found, "organisation")


def _masks_kept(row: _Row, held: dict | None, kind: str) -> dict | None:
    """A masked number stands for the number held, and only for it."""
    wrong = {name: Message("register.import.masked") for name, mask in row.masked.items()
             if held is None or held.get(f"{name}_mask") != mask}
    return wrong or None


def _numbers(state: dict, values: dict, held: dict | None, kind: str) -> None:
    """A number's three columns in `state` from the value in `values` (taken out of it): kept as
    held when it is the same number (or was written masked, and so is not in `values`), sealed
    anew when it is another, cleared when empty."""
    for name in _NUMBER_FIELDS[kind]:
        for part in _NUMBER_PARTS:
            state.setdefault(f"{name}_{part}", None)
        if name not in values:
            continue
        number_kind = NUMBERS[name]
        value = values.pop(name)
        if value is None:
            for part in _NUMBER_PARTS:
                state[f"{name}_{part}"] = None
            continue
        key = protect.finding_key(number_kind, value)
        if held is not None and held.get(f"{name}_key") is not None and bytes(held[f"{name}_key"]) == key:
            continue
        kept = protect.protect(number_kind, value)
        state[f"{name}_secret"], state[f"{name}_key"], state[f"{name}_mask"] = kept.secret, kept.key, kept.mask


def _comparable(name: str, value):
    if isinstance(value, memoryview):
        return bytes(value)
    if isinstance(value, list):
        return sorted(value)
    return value


def _snapshot(kind: str, state: dict) -> dict:
    """What entries.py keeps of an entry in its version: its columns, a secret as base64."""
    data = {}
    for name in SNAPSHOT[kind]:
        value = state.get(name)
        if isinstance(value, (bytes, memoryview)):
            value = base64.b64encode(bytes(value)).decode()
        elif isinstance(value, datetime):
            value = value.isoformat()
        data[name] = value
    return data


def _copy(cursor, table: str, columns: tuple[str, ...], states: list[dict]) -> None:
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for state in states:
            copy.write_row([state.get(name) for name in columns])


def _entry(kind: str, cells: dict) -> str:
    """What a report line names, so the office finds the row: a house's place, a person's or an
    organisation's name with it. Never a number (a number typed in a name is masked)."""
    place = cells.get("address") or cells.get("building") or ""
    house = "-".join(str(cells[n]) for n in ("entrance", "floor", "room") if cells.get(n) not in (None, ""))
    where = " ".join(str(p) for p in (place, house) if p)
    said = where if kind == "unit" else " · ".join(str(p) for p in (cells.get("name"), where) if p)
    return personal.redacted(said)


def _shown(name: str, value) -> str | None:
    """A refused value as the report may show it: a number masked (never whole, even a wrong
    one), any other text with a number typed into it masked."""
    if value is None:
        return None
    value = str(value)
    if name in NUMBERS:
        digits = value.strip()
        if NUMBERS[name] == "phone" and len(digits) >= 11:
            return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]
        if NUMBERS[name] == "id_number" and len(digits) >= 15:
            return digits[:6] + "*" * (len(digits) - 10) + digits[-4:]
        return "*" * len(digits)
    return personal.redacted(value)
