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
    "input.too_deep": {
        "zh": "{where}嵌套层次过深，无法读取。",
        "en": "{where} is nested too deeply to be read.",
    },
    "input.date": {
        "zh": "{field} 不是可用的日期时间：{value}（请用 ISO 8601，如 2026-11-24T08:00:00+08:00）。",
        "en": "{field} is not a usable date and time: {value} (use ISO 8601, e.g. 2026-11-24T08:00:00+08:00).",
    },
    # the public surfaces (services/public/view.py)
    "public.too_many_codes": {
        "zh": "一次最多查询 {most} 个编号。",
        "en": "Ask for at most {most} request ids at a time.",
    },
    "public.window_reversed": {
        "zh": "开始时间晚于结束时间。",
        "en": "The start date is later than the end date.",
    },
    "public.window_too_wide": {
        "zh": "查询时间段最长 {days} 天，请缩小 start_date 与 end_date 的范围。",
        "en": "A query spans at most {days} days; bring start_date and end_date closer.",
    },
    "public.status.reported": {"zh": "已收到，等待派单。", "en": "Received; waiting to be dispatched."},
    "public.status.assigned": {"zh": "已派给负责人。", "en": "Sent to the person responsible."},
    "public.status.handling": {"zh": "正在处理。", "en": "Being handled."},
    "public.status.resolved": {"zh": "已处理，等待核查。", "en": "Handled; waiting for verification."},
    "public.status.closed": {"zh": "已办结。", "en": "Closed."},
    "public.status.rejected": {"zh": "不属于受理范围。", "en": "Not within the city's remit."},
    "public.status.merged": {
        "zh": "已与同一问题的报告 {code} 合并。",
        "en": "Merged into {code}, a report of the same problem.",
    },
    "public.status.merged_elsewhere": {
        "zh": "已与同一问题的另一报告合并。",
        "en": "Merged into another report of the same problem.",
    },
    # Open311 (app/api/open311.py)
    "open311.format": {
        "zh": "未知格式 {fmt}，请用 .json 或 .xml。",
        "en": "Unknown format {fmt}; use .json or .xml.",
    },
    "open311.status": {
        "zh": "status 取 open 或 closed（可用逗号并列），收到的是 {value}。",
        "en": "status is open or closed (or both, separated by a comma); got {value}.",
    },
    "open311.service_code": {
        "zh": "没有服务代码 {codes}；可用的代码见 services.json：{known}。",
        "en": "There is no service_code {codes}; services.json lists them: {known}.",
    },
    "open311.not_found": {
        "zh": "没有公开的服务请求 {code}（新的匿名报告在值班员受理后才公开；部分类别从不公开）。",
        "en": "There is no public service request {code} (a new anonymous report is listed once an "
              "operator has accepted it; some categories are never public).",
    },
    # the database
    "database.unavailable": {
        "zh": "数据库暂时无法连接，请 {seconds} 秒后重试。",
        "en": "The database cannot be reached just now; try again in {seconds} s.",
    },
    # why the database cannot be reached (/healthz: the reason codes of app.db.unreachable)
    "database.down.refused": {
        "zh": "数据库没有在监听（已停止，或正在重启）。",
        "en": "Nothing listens at the database's address (it is stopped, or restarting).",
    },
    "database.down.starting_up": {
        "zh": "数据库正在启动。",
        "en": "The database is starting up.",
    },
    "database.down.shutting_down": {
        "zh": "数据库正在关闭。",
        "en": "The database is shutting down.",
    },
    "database.down.connection_lost": {
        "zh": "与数据库的连接中断了（数据库重启，或网络中断）。",
        "en": "The connection to the database was cut (a restart, or the network).",
    },
    "database.down.timeout": {
        "zh": "数据库没有在限定时间内应答。",
        "en": "The database did not answer in time.",
    },
    "database.down.login_refused": {
        "zh": "数据库拒绝了登录（请检查连接所用的用户名和密码）。",
        "en": "The database refused the login (check the user and password the app connects with).",
    },
    "database.down.no_database": {
        "zh": "要连接的数据库不存在。",
        "en": "The database to connect to does not exist.",
    },
    "database.down.too_many_connections": {
        "zh": "数据库的连接数已满。",
        "en": "The database has no free connection slot.",
    },
    "database.down.cannot_connect": {
        "zh": "无法连接数据库。",
        "en": "The database cannot be connected to.",
    },
    "database.down.query_failed": {
        "zh": "数据库可以连接，但状态查询失败（{error}）。",
        "en": "The database answers, but the status query failed ({error}).",
    },
    # backups of the embedded cluster (flask db-server backup, /healthz)
    "backup.external": {
        "zh": "数据库由 DATABASE_URL 指定，不是内置集群：请用其运维方自己的备份工具（或用 pg_dump 做逻辑备份）。",
        "en": "The database is named by DATABASE_URL, not the embedded cluster: back it up with its "
              "operator's own tooling (or pg_dump for a logical copy).",
    },
    "backup.none": {
        "zh": "还没有基础备份：请运行 flask db-server backup。",
        "en": "There is no base backup yet: run flask db-server backup.",
    },
    "backup.old": {
        "zh": "最近一次基础备份是 {hours} 小时前（上限 {bound} 小时）。",
        "en": "The last base backup is {hours} h old (the bound is {bound} h).",
    },
    "backup.archive_off": {
        "zh": "WAL 归档未开启：集群在配置归档之前启动，下次重启时开启（flask db-server stop，再 flask db-server start）。",
        "en": "WAL archiving is off: the cluster was started before archiving was configured; it comes "
              "on at the next restart (flask db-server stop, then flask db-server start).",
    },
    "backup.archive_lag": {
        "zh": "WAL 已等待归档 {minutes} 分钟（上限 {bound} 分钟）。",
        "en": "WAL has waited {minutes} min to be archived (the bound is {bound} min).",
    },
    "backup.archive_failing": {
        "zh": "WAL 归档失败（{wal}），原因见 var/postgres.log。",
        "en": "Archiving WAL fails ({wal}); var/postgres.log says why.",
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
