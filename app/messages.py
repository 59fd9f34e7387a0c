"""What the server says to people, in Chinese and English: one catalogue, looked up by key.

Pure data and a lookup, no Flask: the API answers from it in the request's language
(app/api/errors.py), and so can the CLI. Add a key here rather than writing a sentence at the
place that refuses; both languages are required (tests/test_messages.py)."""
from __future__ import annotations

LANGUAGES = ("zh", "en")
DEFAULT_LANGUAGE = "zh"

CATALOGUE: dict[str, dict[str, str]] = {
    # input that cannot be read
    "input.nul": {
        "zh": "{where}含有空字符（NUL），无法接受。",
        "en": "{where} contains a NUL character, which is not accepted.",
    },
    "input.not_utf8": {
        "zh": "{where}不是有效的 UTF-8 文本。",
        "en": "{where} is not valid UTF-8 text.",
    },
    "input.date": {
        "zh": "{field} 不是可用的日期时间：{value}（请用 ISO 8601，如 2026-11-24T08:00:00+08:00）。",
        "en": "{field} is not a usable date and time: {value} (use ISO 8601, e.g. 2026-11-24T08:00:00+08:00).",
    },
    # the database
    "database.unavailable": {
        "zh": "数据库暂时无法连接，请 {seconds} 秒后重试。",
        "en": "The database cannot be reached just now; try again in {seconds} s.",
    },
}

# words that fill a {where}
PLACES = {
    "query": {"zh": "查询参数", "en": "A query parameter"},
    "path": {"zh": "请求路径", "en": "The request path"},
    "body": {"zh": "请求内容", "en": "The request body"},
    "form": {"zh": "表单", "en": "The form"},
    "header": {"zh": "请求头", "en": "A request header"},
}


def say(key: str, language: str = DEFAULT_LANGUAGE, **params) -> str:
    """The message `key` in `language` (Chinese when it is neither zh nor en), with its
    parameters filled in; a parameter named `where` may be a key of PLACES."""
    texts = CATALOGUE[key]
    language = language if language in LANGUAGES else DEFAULT_LANGUAGE
    if params.get("where") in PLACES:
        params["where"] = PLACES[params["where"]][language]
    return texts[language].format(**params)
