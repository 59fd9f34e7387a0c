"""The server's message catalogue: every message in both languages, with the same blanks."""
import string

from app.messages import CATALOGUE, LANGUAGES, PLACES, say


def blanks(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_message_is_written_in_chinese_and_english_with_the_same_blanks():
    for key, texts in CATALOGUE.items():
        assert set(texts) == set(LANGUAGES), key
        assert blanks(texts["zh"]) == blanks(texts["en"]), key
    for texts in PLACES.values():
        assert set(texts) == set(LANGUAGES)


def test_a_message_is_said_in_the_language_asked_for_and_chinese_otherwise():
    assert say("input.nul", "en", where="query") == "A query parameter contains a NUL character, which is not accepted."
    assert say("input.nul", "zh", where="query") == "查询参数含有空字符（NUL），无法接受。"
    assert say("input.nul", "fr", where="body") == say("input.nul", "zh", where="body")


# -- no refusal written in English (or Chinese) where it is raised ------------------------------
# Every refusal the API gives is said from the catalogue in the reader's language. A sentence
# written at the place that refuses — raise SomeError("Say why…"), an f-string, a per-field
# errors["note"] = "…", jsonify(code=…, description="…") — reaches a Chinese grid worker in
# English. This finds them in the code the API answers from.

import ast  # noqa: E402
import re  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

from app.messages import Both, Either, Message, Said, per_field, rendered, status_name, step_done, step_name  # noqa: E402

APP = Path(__file__).resolve().parents[1] / "app"
SCANNED = ("services", "api", "auth")
# Two words of letters, or any Chinese: a sentence, not a key ("incident.not_found") or a code
SENTENCE = re.compile(r"[A-Za-z]{2,}[ \t]+[A-Za-z]{2,}|[\u4e00-\u9fff]")

# (file, the start of the sentence): why it may stay as written
ALLOWED = {
    # never reaches a person through the API
    ("app/auth/policy.py", "These endpoints declare no access policy"):
        "refuses to start the app: for the developer who forgot a policy",
    ("app/services/accounts/audit.py", "could not start the transaction"):
        "a database fault, logged and answered as a 500",
    ("app/services/incidents/assessment.py", "unit is one of"):
        "guards the service's callers; the API checks unit first (param.one_of)",
    ("app/services/cameras/stats.py", "level is one of"):
        "guards the service's callers; the API checks level first (param.one_of)",
    # words the API does not pass on: it says the refusal from the request (api/layers)
    ("app/services/layers/tiles.py", "zoom must be"): "api/layers/tiles.py says tile.zoom",
    ("app/services/layers/tiles.py", "at zoom"): "api/layers/tiles.py says tile.xy",
    ("app/services/layers/features.py", "has no time"): "api/layers/ogcapi.py says layers.no_time",
    ("app/services/layers/features.py", "cannot be filtered by"): "api/layers/ogcapi.py says layers.no_filter",
    # still English, to be moved to the catalogue by the owners of these files
    ("app/services/cameras/edits.py", "is outside the city this service covers"):
        "a camera field's words (InvalidCamera.errors): the cameras service, outside this change",
    ("app/services/cameras/edits.py", "The camera would stand outside"): "as above",
    ("app/services/cameras/sources.py", "is a number between"): "as above",
    ("app/services/cameras/sources.py", "kind is one of"): "as above",
    ("app/services/cameras/sources.py", "is a positive number"): "as above",
    ("app/services/cameras/sources.py", "up to 360"): "as above",
    ("app/services/cameras/sources.py", "bearing is degrees from north"): "as above",
    ("app/services/cameras/sources.py", "status is one of"): "as above",
}


def _texts(node):
    """The literal text in an expression: strings, f-strings (their fixed parts), and what
    concatenations, joins, containers and conditionals are built from."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        yield node.value
    elif isinstance(node, ast.JoinedStr):
        yield "".join(v.value if isinstance(v, ast.Constant) else " {} " for v in node.values)
    elif isinstance(node, ast.BinOp):
        yield from _texts(node.left)
        yield from _texts(node.right)
    elif isinstance(node, ast.Dict):
        for value in node.values:
            yield from _texts(value)
    elif isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        for value in node.elts:
            yield from _texts(value)
    elif isinstance(node, ast.IfExp):
        yield from _texts(node.body)
        yield from _texts(node.orelse)
    elif isinstance(node, ast.Call):
        if isinstance(node.func, ast.Attribute):        # "; ".join(…), "…".format(…)
            yield from _texts(node.func.value)
        for value in [*node.args, *(k.value for k in node.keywords)]:
            yield from _texts(value)


def _name(call: ast.Call) -> str:
    return getattr(call.func, "id", None) or getattr(call.func, "attr", "")


def sentences(source: str) -> list[tuple[int, str]]:
    """(line, text) of each sentence written where a refusal is made."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call):
            parts = [*node.exc.args, *(k.value for k in node.exc.keywords)]
        elif isinstance(node, ast.Return) and isinstance(node.value, ast.Call) and \
                re.search(r"(Error|Refused|Invalid\w*|Parameter|Filter|NotFound)$", _name(node.value)):
            parts = node.value.args             # an error made to be raised by the caller
        elif isinstance(node, ast.Call) and _name(node) == "jsonify" and \
                any(k.arg == "code" for k in node.keywords):
            parts = [k.value for k in node.keywords if k.arg in ("description", "errors", "message")]
        elif isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Subscript) and "error" in ast.unparse(t.value).lower() for t in node.targets):
            parts = [node.value]                # errors["note"] = "…"
        else:
            continue
        found += [(node.lineno, text) for part in parts for text in _texts(part) if SENTENCE.search(text)]
    return found


def scanned_files():
    for layer in SCANNED:
        yield from sorted((APP / layer).rglob("*.py"))


def test_no_refusal_is_written_as_a_sentence_where_it_is_made():
    written, used = [], set()
    for path in scanned_files():
        name = str(path.relative_to(APP.parent))
        for line, text in sentences(path.read_text()):
            allowed = next((k for k in ALLOWED if k[0] == name and k[1] in text), None)
            if allowed:
                used.add(allowed)
            else:
                written.append(f"{name}:{line}: {text.strip()[:80]!r}")
    assert written == [], "say these from app/messages.py (a key and its blanks):\n" + "\n".join(written)
    assert set(ALLOWED) - used == set(), "allowed sentences that are gone: take them off ALLOWED"


@pytest.mark.parametrize("source", [
    'raise NotFound(f"There is no incident {incident_id}.")',
    'raise Invalid({"note": "Say why: reassigning needs a note."})',
    'raise InvalidParameter("bbox", "bbox minimum must not exceed its maximum")',
    'raise PlanError("请提交 JSON 对象。")',
    'return jsonify(code="NotFound", description=f"There is no user {user_id}."), 404',
    'errors["kind"] = f"kind is one of {\', \'.join(KINDS)}"',
    'raise AccessDenied(401, "Unauthorized", "Sign in first: send a bearer token" + extra)',
    'return InvalidParameter(name, f"{name} is not a date")',
])
def test_the_scan_finds_a_sentence_written_where_it_refuses(source):
    assert sentences(source)


@pytest.mark.parametrize("source", [
    'raise NotFound("incident.not_found", id=incident_id)',
    'raise Invalid({"note": Message("incident.reassign_note")})',
    'raise Refused(400, "InvalidParameterValue", "param.one_of", name="unit", known=UNITS)',
    'return jsonify(title="Gridmap", description="Grid-based community governance layers")',
])
def test_the_scan_lets_keys_and_codes_pass(source):
    assert sentences(source) == []


# -- how a message is said ----------------------------------------------------------------------

def test_an_error_says_itself_in_either_language_and_is_english_for_logs():
    error = Said("incident.not_in_area", id=42)
    assert str(error) == "There is no incident 42 in your area."
    assert error.describe("zh") == "您负责的区域内没有编号为 42 的事件。"
    assert error.describe("fr") == error.describe("zh")


def test_statuses_and_steps_are_said_in_words():
    def illegal(language):
        return say("incident.illegal", language, code="E1", status=status_name("closed"),
                   action=step_done("accept"), allowed=[step_name("reopen"), step_name("comment")])
    assert illegal("zh") == "事件 E1 当前为已办结，不能受理。已办结的事件可以：重办、备注。"
    assert illegal("en") == ("Incident E1 is closed: it cannot be accepted. "
                             "From closed the loop allows: reopen, comment.")
    assert say("plan.wrong_state", "zh", status=Message("plan_status.draft"), action=Message("plan_step_done.file"),
               needed=Either([Message("plan_status.approved")])) == "草稿状态的方案不能备案，须为审核通过状态。"


def test_every_status_and_step_of_the_loop_has_its_words():
    from app.models import STATUSES
    from app.services.incidents.loop import RULES
    for status in STATUSES:
        assert f"status.{status}" in CATALOGUE, status
    for action in RULES:
        assert f"step.{action}" in CATALOGUE and f"step_done.{action}" in CATALOGUE, action


def test_every_step_the_wall_can_be_told_of_has_words_in_both_page_catalogues():
    # The wall's ticker says an event as "who did_<action> what"; a step without words shows its code.
    # "approve" is never recorded (it records suspend or extend); the rest are recorded by the server itself.
    from pathlib import Path
    from app.services.incidents.loop import RULES
    recorded = (set(RULES) - {"approve"}) | {"report", "overdue", "merged_in", "regrid", "suspend", "extend"}
    source = (Path(__file__).parents[1] / "static/js/i18n.js").read_text(encoding="utf-8")
    zh, en = source.split("\n  en: {")
    for action in recorded:
        assert f"did_{action}:" in zh and f"did_{action}:" in en, action


def test_fields_and_nested_messages_are_said_in_one_language():
    errors = {"note": Message("incident.reassign_note"), "grid": Message("incident.no_grid", grid="G-1")}
    assert per_field(errors, "zh") == "note：请说明理由：改派必须填写说明。；grid：您负责的区域内没有现行网格 G-1。"
    assert per_field(errors, "en").startswith("note: Say why: reassigning needs a note.; grid: ")
    assert rendered({"errors": [{"problem": Message("plan.import.no_code")}], "n": 1}, "zh") == \
        {"errors": [{"problem": "没有编号（code）"}], "n": 1}
    assert say("plan.edit_refused", "zh", reason=Both("两个网格没有公共边界", "no shared boundary")) == "两个网格没有公共边界"


def test_no_message_shows_a_phone_or_id_number():
    for value in ("13812345678", "110105194912310021", "a.b@example.org"):
        for language in LANGUAGES:
            assert value not in say("positions.no_worker", language, worker=value)
            assert value not in Said("param.whole", name="limit", value=f"call {value}").describe(language)
        # a number too, whatever its blank's format
        assert "13812345678" not in say("positions.too_many", language, most=13812345678, count=1)


def test_chinese_messages_use_full_width_punctuation():
    # after Chinese text, a comma, semicolon, colon, parenthesis or full stop is full-width
    half_width = re.compile(r"[\u4e00-\u9fff][,;:()?!]|[\u4e00-\u9fff]\.(?!\.)")
    wrong = [key for key, texts in CATALOGUE.items() if half_width.search(texts["zh"])]
    assert wrong == []
