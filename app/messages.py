"""What the server says to people, in Chinese and English: one catalogue, looked up by key.

Pure data and a lookup, no Flask: the API answers from it in the request's language
(app/api/errors.py), and so can the CLI. Add a key here rather than writing a sentence at the
place that refuses; both languages are required (tests/test_messages.py).

A refusal is raised as a `Said` (a key and its blanks; services derive their errors from it)
and said in a language only when it is answered; `str(error)` is the English, for logs and the
CLI. A field's message that is not yet said is a `Message`. A blank may itself hold a Message
(a status, a step), a `Both` (a name the data holds in both languages) or a list of them.
No blank ever shows personal data (app/personal.py): such a value is masked."""
from __future__ import annotations

import re
from typing import NamedTuple

from . import personal

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
    "account.display_name_long": {"zh": "姓名最多 {most} 个字。", "en": "A name has at most {most} characters."},
    # what the system notes on an incident's steps (said in both languages in the event's data)
    "system_note.located": {"zh": "按位置定位到网格", "en": "located by position"},
    "system_note.routed": {"zh": "按分流规则派给部门", "en": "sent to a department by the routing rules"},
    "system_note.no_worker": {"zh": "该网格没有专职网格员，转社区", "en": "the grid has no full-time worker"},
    "system_note.missed_respond": {"zh": "超过响应时限", "en": "missed the time limit to respond"},
    "system_note.missed_resolve": {"zh": "超过办结时限", "en": "missed the time limit to resolve"},
    "system_note.escalated_respond": {"zh": "超时未响应，上报上级", "en": "overdue: missed the time limit to respond"},
    "system_note.escalated_resolve": {"zh": "超时未办结，上报上级", "en": "overdue: missed the time limit to resolve"},
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
    # -- telling the reporter (services/notify/texts.py): what a resident receives by SMS and e-mail --
    "notify.subject.accepted": {"zh": "您的报事已受理（{code}）", "en": "Your report {code} is accepted"},
    "notify.subject.resolved": {"zh": "您的报事已处理（{code}）", "en": "Your report {code} is dealt with"},
    "notify.subject.rejected": {"zh": "您的报事无法办理（{code}）", "en": "Your report {code} cannot be solved"},
    "notify.subject.closed": {"zh": "您的报事已办结，请评价（{code}）", "en": "Your report {code} is closed: please rate it"},
    "notify.subject.task": {"zh": "新派案件（{code}）", "en": "A case for you: {code}"},
    "notify.task": {
        "zh": "“{category}”案件（编号 {code}）已派给贵单位，请于 {due} 前办结。请在网格地图的部门案件列表中受理。",
        "en": "Case {code} ({category}) has been given to your department; it is due by {due}. Please take it on "
              "in Gridmap's department list.",
    },
    "notify.accepted": {
        "zh": "您反映的“{category}”问题（编号 {code}）已受理，预计 {due} 前处理完毕。",
        "en": "Your report {code} ({category}) is accepted; we expect to deal with it by {due}.",
    },
    "notify.resolved": {
        "zh": "您反映的“{category}”问题（编号 {code}）已处理：{note}",
        "en": "Your report {code} ({category}) has been dealt with: {note}",
    },
    "notify.resolved_checking": {
        "zh": "您反映的“{category}”问题（编号 {code}）已处理，正在核查。",
        "en": "Your report {code} ({category}) has been dealt with; the work is being checked.",
    },
    "notify.rejected": {
        "zh": "您反映的“{category}”问题（编号 {code}）无法办理。原因：{reason}",
        "en": "Your report {code} ({category}) cannot be solved. The reason: {reason}",
    },
    "notify.closed": {
        "zh": "您反映的“{category}”问题（编号 {code}）已办结。请打开报事时得到的查询链接，为办理结果打分（1–5 星）。",
        "en": "Your report {code} ({category}) is closed. Please rate how it was handled (1 to 5 "
              "stars) through the link to follow your case that you were given when you reported.",
    },
    "notify.closed_link": {
        "zh": "您反映的“{category}”问题（编号 {code}）已办结。请为办理结果打分（1–5 星）：{link}",
        "en": "Your report {code} ({category}) is closed. Please rate how it was handled (1 to 5 stars): {link}",
    },
    # the time promised in notify.accepted, in the city's time
    "notify.due": {"zh": "{month}月{day}日 {time}", "en": "{time} on {day} {month}"},
    # the read replica (/healthz): a warning, the primary answers meanwhile
    "replica.down": {
        "zh": "只读副本连不上：读取由主库回答，每 {seconds} 秒再试一次副本。",
        "en": "The read replica does not answer: the primary answers the reads, and the replica is "
              "tried again every {seconds} s.",
    },
    "replica.behind": {
        "zh": "只读副本落后主库 {lag} 秒（上限 {bound} 秒）：在它追上之前，读取由主库回答。",
        "en": "The read replica is {lag} s behind the primary (the bound is {bound} s): the primary "
              "answers the reads until it catches up.",
    },
    "replica.not_following": {
        "zh": "只读副本已不再跟随这个主库（被提升了，或是另一个集群的副本）：读取由主库回答。",
        "en": "The read replica no longer follows this primary (it was promoted, or copies another "
              "cluster): the primary answers the reads.",
    },
    # a note, not a warning: someone stopped it (flask db-server replica stop)
    "replica.stopped": {
        "zh": "只读副本已被停止（flask db-server replica stop）：读取由主库回答，也不再去试它。"
              "flask db-server replica start 再次启动它；不再需要时，flask db-server replica stop --remove "
              "删除它和它的复制槽（否则主库一直为它保留 WAL）。",
        "en": "The read replica was stopped (flask db-server replica stop): the primary answers the reads, "
              "and the replica is not tried. flask db-server replica start starts it again; when it is no "
              "longer wanted, flask db-server replica stop --remove deletes it and its slot (else the primary "
              "keeps WAL for it).",
    },
    # the outbox's backlog (/healthz)
    "notify.dead": {
        "zh": "{count} 条给报事人的{channel}多次发送失败，已停止重试（flask notify retry 可重新发送）。",
        "en": "{count} message(s) to reporters by {channel} failed too often and are no longer "
              "tried (flask notify retry sends them again).",
    },
    "notify.waiting": {
        "zh": "给报事人的{channel}在积压：最早的一条已等待 {minutes} 分钟（上限 {bound} 分钟）。",
        "en": "Messages to reporters by {channel} are backing up: the oldest has waited {minutes} "
              "min (the bound is {bound} min).",
    },
    "notify.not_configured": {
        "zh": "给报事人的{channel}在等待发送，但{channel}通道尚未配置（见 README.zh-CN.md“告知报告人”）；最早的一条已等待 {minutes} 分钟。",
        "en": "Messages to reporters by {channel} are waiting, but no {channel} channel is "
              "configured (README, \"Telling the reporter\"); the oldest has waited {minutes} min.",
    },
    "notify.channel.sms": {"zh": "短信", "en": "SMS"},
    "notify.channel.email": {"zh": "邮件", "en": "e-mail"},
    # text written where it was refused, not yet moved here (api/params.py InvalidParameter
    # keeps such callers working; tests/test_messages.py finds them)
    "unworded": {"zh": "{text}", "en": "{text}"},

    # -- words that fill other messages ------------------------------------------------------
    # the loop's statuses (models/incidents.py STATUSES)
    "status.reported": {"zh": "已上报", "en": "reported"},
    "status.assigned": {"zh": "已派单", "en": "assigned"},
    "status.accepted": {"zh": "已受理", "en": "accepted"},
    "status.in_progress": {"zh": "处置中", "en": "in_progress"},
    "status.resolved": {"zh": "已处置", "en": "resolved"},
    "status.closed": {"zh": "已办结", "en": "closed"},
    "status.escalated": {"zh": "已上报上级", "en": "escalated"},
    "status.reopened": {"zh": "已重办", "en": "reopened"},
    "status.rejected": {"zh": "已退回", "en": "rejected"},
    "status.merged": {"zh": "已合并", "en": "merged"},
    # the loop's steps, as named in a list ("the loop allows: accept, reject")
    "step.report": {"zh": "上报", "en": "report"},
    "step.assign": {"zh": "指派", "en": "assign"},
    "step.accept": {"zh": "受理", "en": "accept"},
    "step.start": {"zh": "开始处置", "en": "start"},
    "step.resolve": {"zh": "处置", "en": "resolve"},
    "step.verify": {"zh": "核查结案", "en": "verify"},
    "step.reopen": {"zh": "重办", "en": "reopen"},
    "step.reject": {"zh": "退回", "en": "reject"},
    "step.escalate": {"zh": "上报上级", "en": "escalate"},
    "step.merge": {"zh": "合并", "en": "merge"},
    "step.comment": {"zh": "备注", "en": "comment"},
    "step.rate": {"zh": "评价", "en": "rate"},
    "step.publish": {"zh": "公开", "en": "publish"},
    "step.withdraw": {"zh": "撤回公开", "en": "withdraw"},
    "step.transfer": {"zh": "转派", "en": "transfer"},
    "step.return": {"zh": "退回重派", "en": "return"},
    "step.assist": {"zh": "协办受理", "en": "take on the part"},
    "step.assisted": {"zh": "协办完成", "en": "finish the part"},
    "step.ask_suspend": {"zh": "申请挂起", "en": "ask to suspend"},
    "step.ask_extend": {"zh": "申请延期", "en": "ask for more time"},
    "step.approve": {"zh": "批准", "en": "approve"},
    "step.refuse": {"zh": "不予批准", "en": "refuse"},
    "step.resume": {"zh": "恢复办理", "en": "resume"},
    # …and as what cannot be done to an incident ("it cannot be accepted": 不能受理)
    "step_done.report": {"zh": "上报", "en": "reported"},
    "step_done.assign": {"zh": "指派", "en": "assigned"},
    "step_done.accept": {"zh": "受理", "en": "accepted"},
    "step_done.start": {"zh": "开始处置", "en": "started"},
    "step_done.resolve": {"zh": "处置", "en": "resolved"},
    "step_done.verify": {"zh": "核查结案", "en": "verified"},
    "step_done.reopen": {"zh": "重办", "en": "reopened"},
    "step_done.reject": {"zh": "退回", "en": "rejected"},
    "step_done.escalate": {"zh": "上报上级", "en": "escalated"},
    "step_done.merge": {"zh": "合并", "en": "merged"},
    "step_done.comment": {"zh": "备注", "en": "commented on"},
    "step_done.rate": {"zh": "评价", "en": "rated"},
    "step_done.publish": {"zh": "公开", "en": "published"},
    "step_done.withdraw": {"zh": "撤回公开", "en": "withdrawn"},
    "step_done.transfer": {"zh": "转派", "en": "transferred"},
    "step_done.return": {"zh": "退回重派", "en": "returned"},
    "step_done.assist": {"zh": "协办受理", "en": "taken on as a helper"},
    "step_done.assisted": {"zh": "协办完成", "en": "finished as a helper"},
    "step_done.ask_suspend": {"zh": "申请挂起", "en": "asked to be suspended"},
    "step_done.ask_extend": {"zh": "申请延期", "en": "asked for more time"},
    "step_done.approve": {"zh": "批准", "en": "approved"},
    "step_done.refuse": {"zh": "不予批准", "en": "refused"},
    "step_done.resume": {"zh": "恢复办理", "en": "resumed"},
    "request_reason.resident": {"zh": "等待群众配合", "en": "waiting for the resident"},
    "request_reason.parts": {"zh": "等待材料配件", "en": "parts on order"},
    "request_reason.weather": {"zh": "天气原因", "en": "the weather"},
    "request_reason.other": {"zh": "其他原因", "en": "another reason"},
    "public.next.suspended": {"zh": "暂停办理（{why}），条件具备后恢复，期限随之顺延。",
                              "en": "Paused ({why}); it goes on when it can, and its time limit moves on with it."},
    "request.reason": {"zh": "原因应为：{known}。", "en": "The reason is one of: {known}."},
    "request.pending": {"zh": "案件 {code} 已有待审批的申请。", "en": "Case {code} already has a request waiting for a decision."},
    "request.already_suspended": {"zh": "案件 {code} 已挂起。", "en": "Case {code} is already suspended."},
    "request.until_form": {"zh": "请给出新的办结时限（日期和时间）。", "en": "Give the new time limit (a date and time)."},
    "request.until_later": {"zh": "新的办结时限应晚于现在和原时限（{due}）。",
                            "en": "The new limit is after now and after the present one ({due})."},
    "request.until_far": {"zh": "延期不能超过一年。", "en": "An extension is at most a year."},
    "request.none": {"zh": "案件 {code} 没有待审批的申请。", "en": "Case {code} has no request waiting for a decision."},
    "request.not_suspended": {"zh": "案件 {code} 没有挂起。", "en": "Case {code} is not suspended."},
    # who handles a case (routing rules)
    "handling.grid": {"zh": "网格处置", "en": "the grid"},
    "handling.department": {"zh": "部门处置", "en": "a department"},
    "handling.both": {"zh": "部门处置、网格员现场核查", "en": "a department, checked on site by the grid"},
    "return_reason.not_ours": {"zh": "不属本单位职责", "en": "not ours"},
    "return_reason.wrong_place": {"zh": "位置有误", "en": "wrong place"},
    "return_reason.duplicate": {"zh": "重复件", "en": "duplicate"},
    # the levels a case is handled at
    "level.grid": {"zh": "网格", "en": "grid"},
    "level.community": {"zh": "社区", "en": "community"},
    "level.street": {"zh": "街道", "en": "street"},
    # how urgent a case is (models/incidents.py SEVERITIES)
    "severity.low": {"zh": "低", "en": "low"},
    "severity.normal": {"zh": "一般", "en": "normal"},
    "severity.high": {"zh": "高", "en": "high"},
    "severity.critical": {"zh": "紧急", "en": "critical"},
    # the incidents export's header (views.CSV_COLUMNS): in English the column names themselves,
    # which programs reading the file go by
    "export.incident.code": {"zh": "编号", "en": "code"},
    "export.incident.category": {"zh": "类别代码", "en": "category"},
    "export.incident.category_name": {"zh": "类别", "en": "category_name"},
    "export.incident.severity": {"zh": "紧急程度代码", "en": "severity"},
    "export.incident.severity_name": {"zh": "紧急程度", "en": "severity_name"},
    "export.incident.status": {"zh": "状态代码", "en": "status"},
    "export.incident.status_name": {"zh": "状态", "en": "status_name"},
    "export.incident.level": {"zh": "层级代码", "en": "level"},
    "export.incident.level_name": {"zh": "处置层级", "en": "level_name"},
    "export.incident.grid": {"zh": "网格编号", "en": "grid"},
    "export.incident.grid_name": {"zh": "网格", "en": "grid_name"},
    "export.incident.community": {"zh": "社区编号", "en": "community"},
    "export.incident.community_name": {"zh": "社区", "en": "community_name"},
    "export.incident.street": {"zh": "街道编号", "en": "street"},
    "export.incident.street_name": {"zh": "街道", "en": "street_name"},
    "export.incident.department": {"zh": "牵头部门编号", "en": "department"},
    "export.incident.department_name": {"zh": "牵头部门", "en": "department_name"},
    "export.incident.assignee": {"zh": "处置人编号", "en": "assignee"},
    "export.incident.address": {"zh": "地址", "en": "address"},
    "export.incident.reported_at": {"zh": "上报时间", "en": "reported_at"},
    "export.incident.due_respond_at": {"zh": "响应时限", "en": "due_respond_at"},
    "export.incident.due_resolve_at": {"zh": "办结时限", "en": "due_resolve_at"},
    "export.incident.responded_at": {"zh": "响应时间", "en": "responded_at"},
    "export.incident.resolved_at": {"zh": "处置完成时间", "en": "resolved_at"},
    "export.incident.closed_at": {"zh": "结案时间", "en": "closed_at"},
    "export.incident.overdue": {"zh": "是否超时", "en": "overdue"},
    "export.incident.escalations": {"zh": "升级次数", "en": "escalations"},
    "export.incident.satisfaction": {"zh": "满意度", "en": "satisfaction"},
    "export.incident.lon": {"zh": "经度", "en": "lon"},
    "export.incident.lat": {"zh": "纬度", "en": "lat"},
    "export.incident.description": {"zh": "描述", "en": "description"},
    "export.yes": {"zh": "是", "en": "yes"},
    "export.no": {"zh": "否", "en": "no"},
    # kinds of personal data (app/personal.py)
    "personal.phone": {"zh": "电话号码", "en": "phone"},
    "personal.id_number": {"zh": "身份证号", "en": "id_number"},
    "personal.email": {"zh": "电子邮箱", "en": "email"},
    # a grid plan's statuses and steps (models/plans.py, services/planning/workflow.py)
    "plan_status.draft": {"zh": "草稿", "en": "draft"},
    "plan_status.submitted": {"zh": "已提交", "en": "submitted"},
    "plan_status.approved": {"zh": "审核通过", "en": "approved"},
    "plan_status.rejected": {"zh": "已退回", "en": "rejected"},
    "plan_status.filed": {"zh": "已备案", "en": "filed"},
    "plan_step_done.submit": {"zh": "提交", "en": "submitted"},
    "plan_step_done.withdraw": {"zh": "撤回", "en": "withdrawn"},
    "plan_step_done.approve": {"zh": "审核通过", "en": "approved"},
    "plan_step_done.reject": {"zh": "退回", "en": "rejected"},
    "plan_step_done.file": {"zh": "备案", "en": "filed"},

    # -- HTTP, before any view answers ---------------------------------------------------------
    "http.400": {"zh": "无法读取该请求。", "en": "The request cannot be read."},
    "http.403": {"zh": "您无权进行此操作。", "en": "You may not do this."},
    "http.404": {
        "zh": "该地址下没有接口：请核对路径（见 /ogcapi/api 与接口文档）。",
        "en": "There is nothing at this address: check the path (see /ogcapi/api and the API documentation).",
    },
    "http.405": {
        "zh": "该地址不接受 {method} 请求，可用的方法：{allowed}。",
        "en": "This address does not take {method}; it takes {allowed}.",
    },
    "http.413": {"zh": "请求内容超过 {mb} MB。", "en": "The request is larger than {mb} MB."},
    "http.other": {"zh": "请求未能完成（HTTP {status}）。", "en": "The request could not be completed (HTTP {status})."},

    # -- signing in and what a role may do (app/auth) -------------------------------------------
    "auth.sign_in": {"zh": "请先登录（发送 bearer 令牌）。", "en": "Sign in first: send a bearer token."},
    "auth.sign_in_basic": {
        "zh": "请先登录（发送 bearer 令牌或 HTTP Basic 凭据）。",
        "en": "Sign in first: send a bearer token or HTTP Basic credentials.",
    },
    "auth.no_policy": {"zh": "该接口未声明访问策略。", "en": "This endpoint declares no access policy."},
    "auth.role_may_not": {
        "zh": "角色 {role} 无权进行此操作（{permission}）。",
        "en": "The role '{role}' may not do this ({permission}).",
    },
    "auth.may_not": {"zh": "您无权进行此操作（{permission}）。", "en": "Your role may not do this ({permission})."},
    "auth.basic_not_here": {
        "zh": "只有 OGC API 和矢量瓦片接受 HTTP Basic 凭据，此处请使用 bearer 令牌。",
        "en": "HTTP Basic credentials are accepted only by the OGC API and the tiles; use a bearer token.",
    },
    "auth.scheme": {
        "zh": "不支持该 Authorization 方式，请发送“Bearer <令牌>”。",
        "en": "Unsupported Authorization scheme; send 'Bearer <token>'.",
    },
    "auth.csrf": {
        "zh": "该表单或请求缺少 CSRF 令牌：请刷新页面后重试。",
        "en": "This form or request lacks its CSRF token: reload the page and try again.",
    },
    "auth.token_unknown": {"zh": "该令牌不存在、已过期或已被撤销。", "en": "This token is unknown, expired or revoked."},
    "auth.basic_malformed": {"zh": "HTTP Basic 凭据格式有误。", "en": "Malformed Basic credentials."},
    "auth.too_many": {
        "zh": "您所在地址的请求过于频繁（上限 {limit}），请一分钟后再试。",
        "en": "Too many requests from your address (limit {limit}); wait a minute and try again.",
    },

    # -- accounts and tokens (services/accounts, api/users.py, api/tokens.py) ------------------
    "account.username_form": {
        "zh": "用户名为 1–64 个字母、数字或“.”“-”“_”。",
        "en": "A username is 1–64 letters, digits, '.', '-' or '_'.",
    },
    "account.username_taken": {"zh": "用户名 {username} 已被占用。", "en": "The username '{username}' is taken."},
    "account.password_short": {"zh": "密码至少 {least} 个字符。", "en": "A password has at least {least} characters."},
    "account.worker_needed": {
        "zh": "网格员账户必须关联一名网格员：请用 --worker 指定其编号。",
        "en": "A worker account belongs to a worker: give --worker CODE.",
    },
    "account.department_needed": {
        "zh": "部门账户必须且只有部门账户关联一个部门：请用 --department 指定其编号。",
        "en": "A department account, and only one, belongs to a department: give --department CODE.",
    },
    "account.no_department": {"zh": "没有编号为 {department} 的部门。", "en": "No department has the code {department}."},
    "filter.task_role": {"zh": "role 应为 lead（牵头）或 helper（协办）。", "en": "role is lead or helper."},
    "incident.assist_first": {"zh": "请先协办受理，再报协办完成（{code}）。", "en": "Take on the part first, then finish it ({code})."},
    "incident.only_department": {"zh": "只有牵头部门或指挥中心可以{action}（{code}）。",
                                 "en": "Only the leading department or the command center may {action} {code}."},
    "incident.only_helper": {"zh": "只有协办单位可以{action}（{code}）。", "en": "Only a department helping with {code} may {action}."},
    "incident.against_routing": {
        "zh": "分流规则将此类案件交由{handling}（{department}）：改派别处请写明原因。",
        "en": "The routing rules send this kind of case to {handling} ({department}): say why it goes elsewhere.",
    },
    "incident.helpers_need_lead": {"zh": "协办单位需有牵头部门：请同时指定部门。", "en": "Helpers need a lead department: name one."},
    "incident.department_unknown": {"zh": "没有编号为 {department} 的在用部门。", "en": "No active department has the code {department}."},
    "incident.helpers_list": {"zh": "协办单位应为部门编号列表。", "en": "helpers is a list of department codes."},
    "incident.lead_not_helper": {"zh": "{department} 已是牵头部门，不能同时协办。", "en": "{department} leads the case; it cannot also help."},
    "incident.transfer_to": {"zh": "转派需指定接收部门。", "en": "A transfer names the department it goes to."},
    "incident.transfer_same": {"zh": "案件已由 {department} 牵头办理。", "en": "{department} already leads the case."},
    "incident.return_reason": {"zh": "退回原因应为：{known}。", "en": "The reason for returning is one of: {known}."},
    "routing.body": {"zh": "请求体应为 JSON 对象，字段为：{fields}（字符串或 null）。",
                     "en": "The body is a JSON object with the fields {fields} (strings or null)."},
    "routing.not_in_force": {"zh": "编号为 {id} 的分流规则不存在或已停用。", "en": "Routing rule {id} is not in force."},
    "routing.category_unknown": {"zh": "没有类别 {category}。", "en": "No category {category}."},
    "routing.area_unknown": {"zh": "没有编号为 {area} 的街道或社区。", "en": "No street or community has the code {area}."},
    "routing.severity_unknown": {"zh": "紧急程度应为：{known}。", "en": "The severity is one of: {known}."},
    "routing.handling_unknown": {"zh": "处置方式应为：{known}。", "en": "The handling is one of: {known}."},
    "routing.grid_no_department": {"zh": "网格处置的规则不指定部门。", "en": "A rule for the grid names no department."},
    "routing.department_needed": {"zh": "部门处置的规则需指定部门。", "en": "A rule for a department names the department."},
    "routing.department_unknown": {"zh": "没有编号为 {department} 的在用部门。", "en": "No active department has the code {department}."},
    "routing.note_too_long": {"zh": "说明最多 {most} 字。", "en": "The note is at most {most} characters."},
    "account.role_unknown": {"zh": "没有角色 {role}，可用的角色：{known}。", "en": "Unknown role '{role}'; roles: {known}."},
    "account.no_area": {"zh": "没有编号为 {code} 的区域。", "en": "There is no area with the code '{code}'."},
    "account.no_worker": {"zh": "没有编号为 {code} 的网格员。", "en": "There is no worker with the code '{code}'."},
    "account.no_user": {"zh": "没有用户 {username}。", "en": "There is no user '{username}'."},
    "account.wrong_password": {"zh": "用户名或密码错误。", "en": "Wrong username or password."},
    "account.locked": {
        "zh": "登录失败次数过多，该账户已锁定至 {until} UTC。",
        "en": "Too many failed logins: this account is locked until {until} UTC.",
    },
    "account.token_name": {"zh": "令牌名称最多 100 个字符。", "en": "A token name has at most 100 characters."},
    "account.no_token": {"zh": "没有编号为 {id} 的令牌。", "en": "There is no token {id}."},
    "account.language": {
        "zh": "language 取 zh、en 或 null，收到的是 {value}。",
        "en": "language is zh, en or null; got {value}.",
    },
    "users.body_create": {
        "zh": "请提交 JSON：username、password、role，以及 scope_area 或 scope_grids。",
        "en": "Send JSON: username, password, role, and scope_area or scope_grids.",
    },
    "users.body_change": {
        "zh": "请提交 JSON，包含以下任意几项：role、scope_area、scope_grids、active、password。",
        "en": "Send JSON with any of: role, scope_area, scope_grids, active, password.",
    },
    "users.body_me": {
        "zh": "请提交 JSON：{{\"language\": \"zh\" | \"en\" | null}}。",
        "en": "Send JSON: {{\"language\": \"zh\" | \"en\" | null}}.",
    },
    "users.not_found": {"zh": "没有编号为 {id} 的用户。", "en": "There is no user {id}."},
    "tokens.body": {
        "zh": "请提交 JSON：{{\"username\": …, \"password\": …, \"name\": …}}。",
        "en": "Send JSON: {{\"username\": …, \"password\": …, \"name\": …}}.",
    },
    "tokens.credentials_needed": {"zh": "需要 username 和 password。", "en": "username and password are required."},
    "tokens.days": {"zh": "days 为 1–3650 的整数。", "en": "days is a whole number 1–3650."},
    "idempotency.key_length": {
        "zh": "Idempotency-Key 的长度为 1–{most} 个字符。",
        "en": "Idempotency-Key is 1–{most} characters.",
    },
    "idempotency.reused": {
        "zh": "该 Idempotency-Key 已用于另一个不同的请求；新的请求请使用新的键。",
        "en": "This Idempotency-Key was already used for a different request; use a new key for a new request.",
    },

    # -- query parameters (app/api/params.py and the views) -------------------------------------
    "param.bbox_four": {
        "zh": "bbox 应为四个数，依次为最小经度、最小纬度、最大经度、最大纬度（minLon,minLat,maxLon,maxLat）。",
        "en": "bbox must be four numbers: minLon,minLat,maxLon,maxLat.",
    },
    "param.bbox_number": {"zh": "bbox 中有不是数字的值：{value}。", "en": "bbox has a value that is not a number: {value}."},
    "param.bbox_range": {
        "zh": "bbox 须为 WGS84 经纬度（经度 {west:g}..{east:g}，纬度 {south:g}..{north:g}）。",
        "en": "bbox must be in WGS84 degrees (lon {west:g}..{east:g}, lat {south:g}..{north:g}).",
    },
    "param.bbox_order": {"zh": "bbox 的最小值不能大于最大值。", "en": "bbox minimum must not exceed its maximum."},
    "param.whole": {"zh": "{name} 应为整数，收到的是 {value}。", "en": "{name} must be a whole number, got '{value}'."},
    "param.range": {
        "zh": "{name} 应在 {low} 到 {high} 之间，收到的是 {value}。",
        "en": "{name} must be between {low} and {high}, got {value}.",
    },
    "param.degrees": {
        "zh": "{name} 应为以度表示的 WGS84 经纬度，收到的是 {value}。",
        "en": "{name} must be a number in WGS84 degrees, got '{value}'.",
    },
    "param.one_of": {"zh": "{name} 取以下之一：{known}。", "en": "{name} is one of {known}."},
    "param.boolean": {"zh": "{name} 取 true 或 false。", "en": "{name} is true or false."},
    "param.required": {"zh": "缺少 {name}。", "en": "{name} is required."},
    "param.period_empty": {"zh": "时段为空：to 必须晚于 from。", "en": "The period is empty: to must come after from."},
    "param.period_span": {
        "zh": "时段须从前往后，且最长 {days} 天。",
        "en": "The period runs forwards and is at most {days} days.",
    },

    # -- the incident loop (services/incidents, api/incidents.py) --------------------------------
    "incident.invalid": {"zh": "以下内容有误：{fields}。", "en": "These fields are wrong: {fields}."},
    "incident.body_report": {
        "zh": "请提交 JSON：category、point、description、severity、channel。",
        "en": "Send JSON: category, point, description, severity, channel.",
    },
    "incident.body_act": {"zh": "请提交带 action 的 JSON，action 可为：{actions}。", "en": "Send JSON with an action: {actions}."},
    "incident.category_unknown": {
        "zh": "没有事件类别 {category}，可用的类别：{known}。",
        "en": "Unknown category '{category}'; known: {known}.",
    },
    "incident.description_missing": {
        "zh": "请描述发生了什么问题（缺少事件描述）。",
        "en": "Describe what is wrong (the description is missing).",
    },
    "incident.description_too_long": {
        "zh": "事件描述超过 {most} 字。",
        "en": "The description is longer than {most:,} characters.",
    },
    "incident.severity_unknown": {"zh": "紧急程度取以下之一：{known}。", "en": "Severity is one of {known}."},
    "incident.channel_unknown": {"zh": "来源渠道取以下之一：{known}。", "en": "Channel is one of {known}."},
    "incident.point_missing": {
        "zh": "请给出事件位置：WGS84 经纬度（经度、纬度）。",
        "en": "The point needs a longitude and a latitude in degrees (WGS84).",
    },
    "incident.point_outside": {
        "zh": "位置 {lon:.6f}, {lat:.6f} 不在本系统服务的城市范围内。",
        "en": "The point {lon:.6f}, {lat:.6f} is outside the city this service covers.",
    },
    "incident.photos_list": {
        "zh": "photos 应为照片编号列表（照片先用 POST /api/v1/photos 上传）。",
        "en": "photos is a list of photo ids from POST /api/v1/photos.",
    },
    # the city part (部件) a report names (services/incidents/parts.py)
    "incident.part_id": {"zh": "part 应为部件编号（整数）。", "en": "part is the id of a city part (a whole number)."},
    "incident.part_unknown": {"zh": "没有编号为 {id} 的部件。", "en": "There is no city part {id}."},
    "incident.part_removed": {"zh": "部件 {id} 已拆除，不能作为事件对象。",
                              "en": "City part {id} has been removed: a report cannot name it."},
    "incident.part_far": {
        "zh": "部件 {id} 距上报位置 {distance:.0f} 米，超过 {most:.0f} 米：请核对位置或所选部件。",
        "en": "City part {id} is {distance:.0f} m from the reported point, more than {most:.0f} m: check the point or the part.",
    },
    # city parts' data files and `flask import parts` (services/register/parts.py)
    "part.file_columns": {"zh": "{file} 缺少列：{missing}。", "en": "{file} lacks the columns {missing}."},
    "part.kind_row": {"zh": "{where}：部件类型需要唯一的 code 以及 name_zh、name_en。",
                      "en": "{where}: a kind needs a code of its own, name_zh and name_en."},
    "part.kind_group": {"zh": "{where}：大类 group 取以下之一：{known}。", "en": "{where}: group is one of {known}."},
    "part.kind_standard_code": {"zh": "{where}：标准小类代码应为 4 位数字或留空，而不是 {value}。",
                                "en": "{where}: standard_code is four digits or empty, not {value}."},
    "part.kind_osm": {"zh": "{where}：osm 应写作 key=value;key=value（OSM 的键和值，以英文分号隔开），而不是 {value}。",
                      "en": "{where}: osm is written key=value;key=value, not {value}."},
    # the kinds of site carved as special grids (gis_data/site_kinds.csv, services/city/sites.py)
    "site.file_columns": {"zh": "{file} 缺少列：{missing}。", "en": "{file} lacks the columns {missing}."},
    "site.kind_row": {"zh": "{where}：场所类型需要唯一的 code 以及 name_zh、name_en。",
                      "en": "{where}: a kind of site needs a code of its own, name_zh and name_en."},
    "site.kind_osm": {"zh": "{where}：osm 应写作 key=value;key=value（OSM 的键和值，以英文分号隔开），而不是 {value}。",
                      "en": "{where}: osm is written key=value;key=value, not {value}."},
    "site.kind_area": {"zh": "{where}：min_area_m2 应为不小于 0 的平方米数，而不是 {value}。",
                       "en": "{where}: min_area_m2 is square metres, 0 or more, not {value}."},
    "plan.site_kind": {"zh": "专属网格的场所类型取以下之一：{known}", "en": "a special grid's site_kind is one of {known}"},
    "plan.site_kind_comprehensive": {"zh": "综合网格没有场所类型（site_kind 留空）",
                                     "en": "a comprehensive grid has no site_kind (leave it empty)"},
    "part.class_row": {"zh": "{where}：需要 category、class_zh、class_en，kind 取 {kinds} 之一，代码为 2 或 4 位数字或留空。",
                       "en": "{where}: a row needs category, class_zh and class_en, a kind among {kinds}, "
                             "and a code of 2 or 4 digits or none."},
    "part.csv_header": {"zh": "表头缺少 {missing} 列（可用列：{columns}）。",
                        "en": "The header names no {missing} column (columns: {columns})."},
    "part.csv_point": {"zh": "经纬度 {lon}, {lat} 不是有效的 WGS84 坐标。",
                       "en": "{lon}, {lat} is not a longitude and latitude in degrees (WGS84)."},
    "part.csv_kind": {"zh": "不认识部件类型 {kind}（用类型代码、中文名称或国标小类代码）。",
                      "en": "Unknown kind {kind} (give the kind's code, its Chinese name or the standard's code)."},
    "part.csv_status": {"zh": "状态 {status} 不可用，取以下之一：{known}。", "en": "Status {status} is not one of {known}."},
    "part.csv_id_long": {"zh": "id 最多 {most} 个字符。", "en": "An id has at most {most} characters."},
    "part.csv_id_twice": {"zh": "id {id} 已在第 {line} 行出现过。", "en": "The id {id} already appears on line {line}."},
    "part.csv_outside": {"zh": "位置 {lon:.6f}, {lat:.6f} 不在城市范围内。",
                         "en": "The point {lon:.6f}, {lat:.6f} is outside the city."},
    "incident.not_found": {"zh": "没有编号为 {id} 的事件。", "en": "There is no incident {id}."},
    "incident.not_in_area": {"zh": "您负责的区域内没有编号为 {id} 的事件。", "en": "There is no incident {id} in your area."},
    "incident.unknown_action": {
        "zh": "没有操作 {action}，可用的操作：{actions}。",
        "en": "Unknown action '{action}'; actions: {actions}.",
    },
    # the pages that send If-Match read the case again on a 412 (department, wall)
    "incident.stale": {
        "zh": "这条案件刚被别人更新过，已为您重新载入，请再确认一次。",
        "en": "Someone else just updated this case; it has been reloaded — please check and try again.",
    },
    "incident.illegal": {
        "zh": "事件 {code} 当前为{status}，不能{action}。{status}的事件可以：{allowed}。",
        "en": "Incident {code} is {status}: it cannot be {action}. From {status} the loop allows: {allowed}.",
    },
    "incident.no_level_above": {
        "zh": "事件 {code} 已在街道层级处置，无法再上报上级。",
        "en": "Incident {code} is already at street level; there is no level above to escalate to.",
    },
    "incident.note_needed": {"zh": "请说明情况：{action}必须填写说明。", "en": "Say why: {action} needs a note."},
    "incident.reassign_note": {"zh": "请说明理由：改派必须填写说明。", "en": "Say why: reassigning needs a note."},
    "incident.only_assignee": {
        "zh": "只有承办人或值班员才能对事件 {code} 执行“{action}”。",
        "en": "Only the assignee or an operator may {action} incident {code}.",
    },
    "incident.only_reporter": {
        "zh": "只有上报人或值班员才能评价事件 {code}。",
        "en": "Only the reporter or an operator may rate incident {code}.",
    },
    "incident.only_operator": {
        "zh": "只有值班员才能对事件执行“{action}”。",
        "en": "Only an operator may {action} an incident.",
    },
    "incident.assign_one": {
        "zh": "请在 worker_id、grid、level 中指定且只指定一个派单对象。",
        "en": "Assign to exactly one of: worker_id, grid, level.",
    },
    "incident.no_worker": {
        "zh": "您负责的区域内没有在岗网格员 {worker_id}。",
        "en": "There is no active worker {worker_id} in your area.",
    },
    "incident.no_grid": {"zh": "您负责的区域内没有现行网格 {grid}。", "en": "There is no current grid '{grid}' in your area."},
    "incident.grid_elsewhere": {
        "zh": "网格 {grid} 不包含该事件的位置：如确需派往该网格，请设置 transfer: true 并在说明中写明理由。",
        "en": "Grid {grid} does not hold the incident's place: to send it there all the same, "
              "say transfer: true and why in the note.",
    },
    "incident.level_unknown": {"zh": "层级取以下之一：{known}。", "en": "Level is one of {known}."},
    "incident.no_grid_for_level": {
        "zh": "该事件不在任何网格内，请按网格编号指派。",
        "en": "This incident is in no grid; assign it to a grid by code.",
    },
    "incident.merge_into": {"zh": "请指定要合并到的事件（into）。", "en": "Name the incident to merge into (into)."},
    "incident.merge_target": {
        "zh": "事件 {code} 不能接收合并：它就是本事件，或其本身已被合并。",
        "en": "Incident {code} cannot take this one: it is the same incident or was itself merged.",
    },
    "incident.satisfaction": {"zh": "满意度为 1 到 5 的整数。", "en": "Satisfaction is a whole number from 1 to 5."},
    "incident.private_category": {
        "zh": "{category} 类事件从不向公众公开，无需公开。",
        "en": "Cases of the category {category} are never shown to the public; there is nothing to publish.",
    },
    "incident.public_note_personal": {
        "zh": "公开说明中含有个人信息（{kinds}），请删去电话号码、身份证号和电子邮箱后重写。",
        "en": "The public note names personal data ({kinds}); write it without phone numbers, ID numbers "
              "or e-mail addresses.",
    },
    "incident.if_match": {
        "zh": "If-Match 应为事件的 ETag，例如 \"v3\"；收到的是 {sent}。",
        "en": "If-Match is the incident's ETag, e.g. \"v3\"; got '{sent}'.",
    },
    "incident.order": {
        "zh": "order 取 reported（最新上报在前）、deadline（时限最近在前）或 lateness（超期最久在前）。",
        "en": "order is reported (newest first), deadline (nearest first) or lateness (longest overdue first).",
    },
    "filter.unknown": {"zh": "没有筛选条件 {name}，可用的条件：{known}。", "en": "Unknown filter '{name}'; filters: {known}."},
    "filter.status": {"zh": "没有状态 {status}，可用的状态：{known}。", "en": "Unknown status '{status}'; statuses: {known}."},
    "filter.assignee_me": {
        "zh": "assignee=me 要求账户已关联网格员。",
        "en": "assignee=me needs an account linked to a worker.",
    },
    "filter.time": {
        "zh": "{name} 应为 ISO 8601 时间，例如 2026-11-23T08:00:00Z。",
        "en": "{name} is an ISO 8601 time, e.g. 2026-11-23T08:00:00Z.",
    },
    "filter.hexagon": {
        "zh": "hexagon 应为 size,i,j：size 为六边形边长（米），i、j 为其在热力图六边形网格中的整数位置，且须位于本市所在的 UTM 带内；收到的是 {value}。",
        "en": "hexagon is size,i,j: a side in metres and the whole-number place of a heat map hexagon within the city's UTM zone; got '{value}'.",
    },
    "filter.hexagon_size": {
        "zh": "hexagon 的边长应在 {low} 到 {high} 米之间，收到的是 {value}。",
        "en": "A hexagon's side is between {low} and {high} metres; got '{value}'.",
    },
    "photo.empty": {"zh": "上传内容为空：请发送照片本身。", "en": "The upload is empty: send the photo's bytes."},
    "photo.too_large": {
        "zh": "照片大小为 {size:.1f} MB，上限为 {limit:.1f} MB，请发送较小的照片。",
        "en": "The photo is {size:.1f} MB; the limit is {limit:.1f} MB. Send a smaller photo.",
    },
    "photo.not_image": {"zh": "该文件不是 JPEG、PNG 或 WebP 图片。", "en": "This file is not a JPEG, PNG or WebP image."},
    "photo.kind": {
        "zh": "不接受 {kind} 格式的图片，请发送 JPEG、PNG 或 WebP。",
        "en": "{kind} images are not accepted; send JPEG, PNG or WebP.",
    },
    "photo.not_yours": {
        "zh": "照片 {ids} 不是您上传的，或已附在其他事件上；请先用 POST /api/v1/photos 上传。",
        "en": "Photos {ids} are not yours to attach, or are attached already; upload them first with "
              "POST /api/v1/photos.",
    },
    "photo.not_found": {"zh": "没有编号为 {id} 的照片。", "en": "There is no photo {id}."},

    # -- the field: positions, routes, patrol (api/positions.py, api/patrol.py) --------------------
    "positions.body": {
        "zh": "请提交 JSON：{{\"fixes\": [{{\"time\", \"lon\", \"lat\", \"accuracy\", \"speed\"}}, …]}}。",
        "en": "Send JSON: {{\"fixes\": [{{\"time\", \"lon\", \"lat\", \"accuracy\", \"speed\"}}, …]}}.",
    },
    "positions.not_a_worker": {
        "zh": "该账户未关联网格员，不能上传位置。",
        "en": "This account is not linked to a worker; it cannot send positions.",
    },
    "positions.name_worker": {
        "zh": "请用 \"worker\"（编号或 ID）指明这些定位点属于哪位网格员。",
        "en": "Name the worker whose fixes these are: \"worker\" (code or id).",
    },
    "positions.no_worker": {"zh": "没有网格员 {worker}。", "en": "There is no worker '{worker}'."},
    "positions.too_many": {
        "zh": "每批最多上传 {most} 个定位点（本批 {count} 个）。",
        "en": "Send at most {most:,} fixes at a time (this batch has {count:,}).",
    },
    "positions.none": {
        "zh": "本批没有定位点：请发送 {{\"fixes\": [{{\"time\", \"lon\", \"lat\", \"accuracy\", \"speed\"}}, …]}}。",
        "en": "The batch holds no fixes: send {{\"fixes\": [{{\"time\", \"lon\", \"lat\", \"accuracy\", \"speed\"}}, …]}}.",
    },
    "positions.bad_gpx": {"zh": "无法读取该 GPX 文件：{error}", "en": "This is not a GPX file we can read: {error}"},
    "track.not_found": {
        "zh": "没有您可查看其轨迹的网格员 {worker}。",
        "en": "There is no worker '{worker}' whose route you may see.",
    },
    "stream.last_event_id": {
        "zh": "Last-Event-ID 应为收到的最后一个事件的编号，收到的是 {sent}。",
        "en": "Last-Event-ID is the id of the last event received; got '{sent}'.",
    },
    "assessment.patrol": {
        "zh": "巡查覆盖率只能并入网格排名（unit=grid），且时段不超过 {days} 天。",
        "en": "Patrol coverage joins the grid ranking (unit=grid) for a period of at most {days} days.",
    },
    # the monthly report (services/incidents/assessment_report.py, flask assessment report)
    "assessment.month": {
        "zh": "month 应为年月 YYYY-MM（如 2026-11），收到的是 {value}。",
        "en": "month is a year and month, YYYY-MM (e.g. 2026-11); got '{value}'.",
    },
    "assessment.no_street": {"zh": "没有编号为 {code} 的街道。", "en": "There is no street '{code}'."},
    "assessment.written": {
        "zh": "已写入 {path}，共 {pages} 页。",
        "en": "Wrote {path}: {pages} page(s).",
    },
    "assessment.not_written": {"zh": "无法写入 {path}：{error}", "en": "Could not write {path}: {error}"},

    # -- cameras and areas (api/cameras.py) -------------------------------------------------------
    "camera.body": {
        "zh": "请提交 JSON 对象：{{\"lon\", \"lat\", \"kind\", \"bearing\", \"fov\", \"range_m\", \"height_m\", "
              "\"status\", \"name\", \"owner\"}}。",
        "en": "Send a JSON object: {{\"lon\", \"lat\", \"kind\", \"bearing\", \"fov\", \"range_m\", \"height_m\", "
              "\"status\", \"name\", \"owner\"}}.",
    },
    "camera.invalid": {"zh": "摄像机信息有误，请检查：{fields}。", "en": "The camera cannot be saved; check {fields}."},
    "camera.not_found": {"zh": "没有您可查看的摄像机 {id}。", "en": "There is no camera {id} that you may see."},
    "camera.area_needed": {
        "zh": "请指定网格、社区或街道：area=编号。",
        "en": "Name the grid, community or street: area=CODE.",
    },
    "area.not_found": {"zh": "没有您可查看的区域 {area}。", "en": "There is no area '{area}' that you may see."},

    # -- the layers: OGC API – Features and tiles (api/layers) ----------------------------------
    "layers.no_collection": {
        "zh": "没有名为 {name} 的图层集合。可用的集合：{known}。",
        "en": "There is no collection named '{name}'. Collections: {known}.",
    },
    "layers.unknown_param": {
        "zh": "没有参数 {name}。{collection} 接受 {known}。",
        "en": "Unknown parameter '{name}'. {collection} takes {known}.",
    },
    "layers.unknown_param_filters": {
        "zh": "没有参数 {name}。{collection} 接受 {known}，以及筛选条件 {filters}。",
        "en": "Unknown parameter '{name}'. {collection} takes {known} and the filters {filters}.",
    },
    "layers.landing": {"zh": "网格化管理的图层（OGC API – Features、Tiles）",
                       "en": "Grid-based community governance layers (OGC API – Features, Tiles)"},
    "layers.next_page": {"zh": "下一页", "en": "next page"},
    "layers.previous_page": {"zh": "上一页", "en": "previous page"},
    # CQL2 filters (services/layers/cql2.py)
    "layers.filter_lang": {
        "zh": "filter-lang 为 {value}，不受支持；可用：{known}。",
        "en": "filter-lang '{value}' is not served; use {known}.",
    },
    "layers.filter_too_long": {
        "zh": "筛选条件过长：最多 {most} 个字符。",
        "en": "The filter is too long: at most {most} characters.",
    },
    "layers.filter_syntax": {
        "zh": "筛选条件在第 {at} 个字符处无法解析：“{near}”。",
        "en": "The filter cannot be read at character {at}: '{near}'.",
    },
    "layers.filter_invalid": {
        "zh": "筛选条件不是有效的 {lang}：{detail}",
        "en": "The filter is not valid {lang}: {detail}",
    },
    "layers.filter_property": {
        "zh": "筛选条件中的属性 {name} 不可查询；可查询的属性：{known}（见 /queryables）。",
        "en": "The filter names '{name}', which is not queryable; queryables: {known} (see /queryables).",
    },
    "layers.filter_type": {
        "zh": "筛选条件中，{part} 需要{expected}，而“{got}”不是。",
        "en": "In the filter, {part} takes a {expected}; '{got}' is not one.",
    },
    "layers.filter_type_of": {
        "zh": "筛选条件中，{part} 需要{expected}，而这里是{got}。",
        "en": "In the filter, {part} takes a {expected}, not a {got}.",
    },
    "layers.filter_property_quoted": {
        "zh": "筛选条件中加双引号的 \"{name}\" 是属性名；文本值请用单引号：'{name}'。",
        "en": "In the filter, \"{name}\" in double quotes names a property; write a text value in single quotes: '{name}'.",
    },
    "layers.filter_full_width": {
        "zh": "筛选条件中有全角符号 {marks}：引号、括号、等号和逗号请用半角（' ( ) = ,）。",
        "en": "The filter holds full-width marks {marks}: write quotes, brackets, = and commas as ' ( ) = ,.",
    },
    "layers.filter_function": {
        "zh": "筛选条件中的函数或运算 {name} 不受支持。",
        "en": "The filter uses '{name}', a function or operator this server does not serve.",
    },
    "layers.filter_null": {
        "zh": "与 NULL 比较没有结果：请写 IS NULL 或 IS NOT NULL。",
        "en": "A comparison with NULL is never true: write IS NULL or IS NOT NULL.",
    },
    "layers.filter_not_condition": {
        "zh": "筛选条件必须是条件（结果为真或假），例如 status = 'reported'。",
        "en": "A filter must be a condition (true or false), e.g. status = 'reported'.",
    },
    "layers.filter_time": {
        "zh": "筛选条件中的时间不是可用的 RFC 3339 时间：{value}（例如 2026-11-25T08:00:00Z）。",
        "en": "The filter holds a time that is not a usable RFC 3339 time: '{value}' (e.g. 2026-11-25T08:00:00Z).",
    },
    # CRS (Part 2), sorting and properties
    "layers.crs": {
        "zh": "{name} 为 {value}，不是本服务提供的坐标参考系；可用（URI，或 EPSG:4490 这样的简写）：{known}。",
        "en": "{name} '{value}' is not a CRS this server offers; it offers (as URIs, or short as EPSG:4490) {known}.",
    },
    "layers.crs_far_zone": {
        "zh": "{name} 为 {value}：这个高斯-克吕格投影带画的是东经 {west}°–{east}°，本市在东经 {longitude}°，"
              "在带外长度会严重失真。请用本市所在的投影带（见集合的 crs 列表）。",
        "en": "{name} '{value}': that Gauss-Krüger zone is drawn for longitudes {west}°–{east}°E and the city "
              "lies at {longitude}°E, where its lengths would be badly distorted. Use the city's own zone "
              "(the collection's crs list).",
    },
    "layers.bbox_crs_numbers": {
        "zh": "bbox 须为该坐标参照系中的四个数：最小值在前，且不大于最大值。",
        "en": "bbox must be four numbers in its CRS, each minimum first and not above its maximum.",
    },
    "layers.filter_value": {
        "zh": "{name} 没有取值 {value}；可用的取值：{known}。",
        "en": "{name} has no value '{value}'; its values: {known}.",
    },
    "layers.bbox_latitude_first": {
        "zh": "bbox 按 {crs} 给出时纬度在前，依次为最小纬度、最小经度、最大纬度、最大经度（如 41.7,123.3,41.8,123.5）。",
        "en": "A bbox in {crs} is latitude first: minLat,minLon,maxLat,maxLon (e.g. 41.7,123.3,41.8,123.5).",
    },
    "layers.sortby": {
        "zh": "sortby 中的 {name} 不能用于排序；可排序的属性：{known}。",
        "en": "sortby names '{name}', which cannot be sorted by; sortable: {known}.",
    },
    "layers.properties": {
        "zh": "properties 中的 {name} 不是该集合的属性；属性：{known}。",
        "en": "properties names '{name}', which is not a property of this collection; properties: {known}.",
    },
    "layers.no_filter": {
        "zh": "{collection} 不能按 {name} 筛选，可用的筛选条件：{filters}。",
        "en": "{collection} cannot be filtered by '{name}'; filters: {filters}.",
    },
    "layers.datetime": {
        "zh": "datetime 中的时间不符合 RFC 3339：{value}（例如 2026-11-23T08:00:00Z；时段写作“起点/终点”，开放的一端用 ..）。",
        "en": "datetime has a time that is not RFC 3339: '{value}' (e.g. 2026-11-23T08:00:00Z, or start/end "
              "with .. for open).",
    },
    "layers.datetime_order": {"zh": "datetime 时段的起点晚于终点。", "en": "datetime interval starts after it ends."},
    "layers.no_time": {"zh": "{collection} 没有时间属性：datetime 不适用。", "en": "{collection} has no time: datetime does not apply."},
    "layers.no_feature": {
        "zh": "{collection} 中没有您可查看的要素 {feature}。",
        "en": "There is no feature {feature} in '{collection}' that you may see.",
    },
    "layers.read_only": {
        "zh": "{collection} 为只读图层：现行网格只能通过方案备案变更；方案图层（plan-{{id}}）可以编辑。",
        "en": "{collection} is read-only: the city's layers change by filing a grid plan; plan collections "
              "(plan-{{id}}) take edits.",
    },
    "layers.feature_body": {
        "zh": "请提交 GeoJSON Feature（Content-Type: application/geo+json 或 application/json）。",
        "en": "Send a GeoJSON Feature (Content-Type: application/geo+json or application/json).",
    },
    "tile.zoom": {"zh": "缩放级别须为 0–{most}。", "en": "zoom must be 0–{most}."},
    "tile.xy": {"zh": "缩放级别 {z} 下，x 和 y 的取值为 0 到 {most}。", "en": "at zoom {z}, x and y run from 0 to {most}."},
    # OGC API – Tiles (api/layers/ogctiles.py)
    "tile.no_matrix_set": {
        "zh": "没有名为 {name} 的瓦片矩阵集。可用的矩阵集：{known}。",
        "en": "There is no tile matrix set named '{name}'. Tile matrix sets: {known}.",
    },
    "tile.not_held": {
        "zh": "瓦片集 {tileset} 不含瓦片 {z}/{row}/{col}（范围见其 tileMatrixSetLimits）。",
        "en": "The tileset {tileset} holds no tile {z}/{row}/{col} (see its tileMatrixSetLimits).",
    },
    "tile.row_col": {
        "zh": "瓦片矩阵 {z} 中，tileRow 的取值为 0 到 {rows}，tileCol 为 0 到 {cols}。",
        "en": "In tile matrix {z}, tileRow runs from 0 to {rows} and tileCol from 0 to {cols}.",
    },
    "tile.unknown_param": {
        "zh": "没有参数 {name}。这里只接受 {known}。",
        "en": "Unknown parameter '{name}'. This takes only {known}.",
    },
    # the OGC API as pages (f=html, api/layers/html.py and its templates)
    "ogcapi_page.name": {"zh": "网格地图 OGC API", "en": "Gridmap OGC API"},
    "ogcapi_page.about": {
        "zh": "网格化管理的各个图层，按 OGC API – Features 标准提供：可在这里浏览，也可用 QGIS、GDAL 等客户端直接读取。",
        "en": "The layers of grid-based community governance, served to the OGC API – Features standard: "
              "browse them here, or open them in QGIS, GDAL or any other client.",
    },
    "ogcapi_page.home": {"zh": "首页", "en": "Home"},
    "ogcapi_page.collections": {"zh": "图层集合", "en": "Collections"},
    "ogcapi_page.collections_about": {
        "zh": "每个集合是一个图层。点击名称查看集合说明，点击“浏览”查看要素。",
        "en": "Each collection is a layer. Its title leads to its description, “Browse” to its features.",
    },
    "ogcapi_page.conformance": {"zh": "符合性声明", "en": "Conformance"},
    "ogcapi_page.conformance_about": {"zh": "本接口实现的标准一致性类：", "en": "The conformance classes this API implements:"},
    "ogcapi_page.openapi": {"zh": "接口定义（OpenAPI 3.0，JSON 格式）", "en": "API definition (OpenAPI 3.0, as JSON)"},
    "ogcapi_page.as_json": {"zh": "本页的 JSON 格式", "en": "This page as JSON"},
    "ogcapi_page.as_geojson": {"zh": "本页的 GeoJSON 格式", "en": "This page as GeoJSON"},
    "ogcapi_page.title": {"zh": "名称", "en": "Title"},
    "ogcapi_page.id": {"zh": "编号", "en": "Id"},
    "ogcapi_page.geometry": {"zh": "几何类型", "en": "Geometry"},
    "ogcapi_page.features": {"zh": "要素", "en": "Features"},
    "ogcapi_page.browse": {"zh": "浏览", "en": "Browse"},
    "ogcapi_page.geometry.Point": {"zh": "点", "en": "Point"},
    "ogcapi_page.geometry.MultiPoint": {"zh": "多点", "en": "MultiPoint"},
    "ogcapi_page.geometry.LineString": {"zh": "线", "en": "LineString"},
    "ogcapi_page.geometry.MultiLineString": {"zh": "多线", "en": "MultiLineString"},
    "ogcapi_page.geometry.Polygon": {"zh": "面", "en": "Polygon"},
    "ogcapi_page.geometry.MultiPolygon": {"zh": "多面", "en": "MultiPolygon"},
    "ogcapi_page.extent": {"zh": "空间范围", "en": "Spatial extent"},
    "ogcapi_page.bbox": {
        "zh": "西 {west}，南 {south}，东 {east}，北 {north}（经纬度）",
        "en": "west {west}, south {south}, east {east}, north {north} (longitude and latitude)",
    },
    "ogcapi_page.no_extent": {"zh": "暂无要素", "en": "No features yet"},
    "ogcapi_page.time": {"zh": "时间范围", "en": "Temporal extent"},
    "ogcapi_page.interval": {"zh": "{start} 至 {end}", "en": "{start} to {end}"},
    "ogcapi_page.open_end": {"zh": "不限", "en": "open"},
    "ogcapi_page.interval_open": {"zh": "不限起止，可按时间查询（datetime 参数）", "en": "open at both ends; ask by time with datetime"},
    "ogcapi_page.links": {"zh": "链接", "en": "Links"},
    "ogcapi_page.items_html": {"zh": "浏览要素", "en": "Browse the features"},
    "ogcapi_page.tiles": {"zh": "矢量瓦片（TileJSON 格式）", "en": "Vector tiles (as TileJSON)"},
    "ogcapi_page.tilesets": {"zh": "矢量瓦片集（OGC API – Tiles，JSON 格式）", "en": "Vector tilesets (OGC API – Tiles, as JSON)"},
    "ogcapi_page.filters": {"zh": "筛选要素", "en": "Filter the features"},
    "ogcapi_page.filters_about": {
        "zh": "填写的条件都须满足；留空的不参与筛选。条件也可直接加在要素地址后（如 {example}）。",
        "en": "Features must meet every condition filled in; empty ones are left out. Conditions also go "
              "straight into the features' address (as in {example}).",
    },
    "ogcapi_page.equals": {"zh": "{name} 等于", "en": "{name} equals"},
    "ogcapi_page.param.bbox": {
        "zh": "范围 bbox（经纬度，依次为西、南、东、北，以逗号分隔）",
        "en": "Area, bbox (degrees: west,south,east,north)",
    },
    "ogcapi_page.param.datetime": {
        "zh": "时间 datetime（RFC 3339，时段写作“起点/终点”）",
        "en": "Time, datetime (RFC 3339, or start/end)",
    },
    "ogcapi_page.param.limit": {"zh": "每页数量 limit", "en": "Per page, limit"},
    "ogcapi_page.show": {"zh": "查看要素", "en": "Show the features"},
    "ogcapi_page.count": {
        "zh": "共 {matched} 个要素，本页为第 {first}–{last} 个。",
        "en": "{matched} features; this page shows {first}–{last}.",
    },
    "ogcapi_page.none": {"zh": "没有符合条件的要素。", "en": "No feature matches."},
    "ogcapi_page.prev": {"zh": "上一页", "en": "Previous page"},
    "ogcapi_page.next": {"zh": "下一页", "en": "Next page"},
    "ogcapi_page.feature": {"zh": "要素 {id}", "en": "Feature {id}"},
    "ogcapi_page.property": {"zh": "属性", "en": "Property"},
    "ogcapi_page.value": {"zh": "值", "en": "Value"},
    "ogcapi_page.yes": {"zh": "是", "en": "yes"},
    "ogcapi_page.no": {"zh": "否", "en": "no"},
    "ogcapi_page.collection": {"zh": "集合说明", "en": "The collection"},
    "ogcapi_page.all_items": {"zh": "该集合的全部要素", "en": "All features of the collection"},
    "ogcapi_page.feature_geojson": {"zh": "本要素的 GeoJSON 格式", "en": "This feature as GeoJSON"},
    "ogcapi_page.map": {"zh": "地图", "en": "Map"},
    "ogcapi_page.zoom_in": {"zh": "放大", "en": "Zoom in"},
    "ogcapi_page.zoom_out": {"zh": "缩小", "en": "Zoom out"},
    "ogcapi_page.storage_crs": {"zh": "存储坐标参考系", "en": "Storage CRS"},
    "ogcapi_page.crs_param": {"zh": "可用坐标参考系（crs 参数）", "en": "Coordinate systems offered (crs)"},
    "ogcapi_page.queryables": {"zh": "可查询属性", "en": "Queryables"},
    "ogcapi_page.queryables_about": {
        "zh": "筛选条件（filter 参数，CQL2）可以使用的属性：",
        "en": "The properties a filter (the filter parameter, CQL2) may name:",
    },
    "ogcapi_page.schema": {"zh": "要素结构", "en": "Feature schema"},
    "ogcapi_page.schema_about": {"zh": "该集合要素的属性及其类型：", "en": "The properties of the collection's features, typed:"},
    "ogcapi_page.type": {"zh": "类型", "en": "Type"},
    "ogcapi_page.notes": {"zh": "说明", "en": "Notes"},
    "ogcapi_page.type.string": {"zh": "文本", "en": "text"},
    "ogcapi_page.type.integer": {"zh": "整数", "en": "integer"},
    "ogcapi_page.type.number": {"zh": "数值", "en": "number"},
    "ogcapi_page.type.boolean": {"zh": "是或否", "en": "yes or no"},
    "ogcapi_page.type.object": {"zh": "对象", "en": "object"},
    "ogcapi_page.type.array": {"zh": "列表", "en": "list"},
    "ogcapi_page.type.date-time": {"zh": "日期时间", "en": "date and time"},
    "ogcapi_page.type.date": {"zh": "日期", "en": "date"},
    "ogcapi_page.type.geometry": {"zh": "几何（{kind}）", "en": "geometry ({kind})"},
    "ogcapi_page.role.id": {"zh": "要素编号", "en": "the feature's id"},
    "ogcapi_page.role.primary-geometry": {"zh": "主几何", "en": "primary geometry"},
    "ogcapi_page.role.primary-instant": {"zh": "要素的时间（datetime 参数）", "en": "the feature's time (datetime)"},
    "ogcapi_page.role.primary-interval-start": {"zh": "时段起点（datetime 参数）", "en": "start of its period (datetime)"},
    "ogcapi_page.role.primary-interval-end": {"zh": "时段终点（datetime 参数）", "en": "end of its period (datetime)"},
    "ogcapi_page.enum": {"zh": "取值：{values}", "en": "one of {values}"},
    "ogcapi_page.read_only": {"zh": "只读", "en": "read-only"},
    "ogcapi_page.param.filter": {"zh": "条件 filter（CQL2 文本）", "en": "Condition, filter (CQL2 text)"},

    # -- grid plans (services/planning, api/plans.py) ----------------------------------------------
    "plan.body_object": {"zh": "请提交 JSON 对象。", "en": "Send a JSON object."},
    "plan.area_needed": {"zh": "请指定规划区域：{{\"area\": 编号}}。", "en": "Name the area to plan: {{\"area\": CODE}}."},
    "plan.features_list": {"zh": "features 必须是要素 ID 列表。", "en": "features is a list of feature ids."},
    "plan.features_pair": {
        "zh": "features 须为两个相邻网格的 ID：[a, b]。",
        "en": "features names the two neighbouring grids: [a, b].",
    },
    "plan.whole_id": {"zh": "{name} 必须是整数 ID。", "en": "{name} is a whole-number id."},
    "plan.file_field": {"zh": "请以表单字段 file 上传文件。", "en": "Send the file as multipart form field 'file'."},
    "plan.no_step_map": {"zh": "方案 {plan} 的第 {event} 步没有地图。", "en": "Step {event} of plan {plan} has no map."},
    "plan.no_area": {"zh": "没有您可规划的区域 {code}。", "en": "There is no area '{code}' that you may plan."},
    "plan.not_found": {"zh": "没有您可查看的方案 {id}。", "en": "There is no plan {id} that you may see."},
    "plan.not_editable": {
        "zh": "方案 {id} 当前为{status}，只有草稿或被退回的方案可以修改（已提交的方案请先撤回）。",
        "en": "Plan {id} is {status}; only a draft or a rejected plan can be edited (withdraw a submitted plan first).",
    },
    "plan.version_required": {
        "zh": "请说明您修改的是要素 {features} 的哪个版本（If-Match 或 versions）。",
        "en": "Say which version of feature(s) {features} you edited (If-Match with the ETag you read, or "
              "\"versions\": {{id: version}}).",
    },
    "plan.stale": {
        "zh": "要素 {features} 在您读取后已被他人修改：请刷新后重新编辑。",
        "en": "Feature(s) {features} changed since you read them (someone else edited them): reload and apply "
              "your edit again.",
    },
    "plan.geometry_kind": {
        "zh": "{field} 必须是 WGS84 经纬度的 GeoJSON {wanted}。",
        "en": "{field} must be a GeoJSON {wanted} in WGS84 longitude/latitude.",
    },
    "plan.geometry_invalid": {"zh": "{field} 不是有效的 GeoJSON：{error}", "en": "{field} is not valid GeoJSON: {error}"},
    "plan.geometry_empty": {"zh": "{field} 没有可用的坐标。", "en": "{field} has no usable coordinates."},
    "plan.geometry_degrees": {
        "zh": "{field} 必须是 WGS84 经纬度（经度在前）。",
        "en": "{field} must be in WGS84 degrees (longitude first).",
    },
    "plan.patch_body": {
        "zh": "请提交 {{\"geometry\": …}} 和/或 {{\"properties\": {{…}}}}。",
        "en": "Send {{\"geometry\": …}} and/or {{\"properties\": {{…}}}}.",
    },
    "plan.properties_object": {"zh": "properties 必须是对象。", "en": "properties must be an object."},
    "plan.properties_unknown": {
        "zh": "未知属性：{unknown}；规划网格的属性为：{known}。",
        "en": "Unknown properties: {unknown}; a planned grid has {known}.",
    },
    "plan.properties_invalid": {"zh": "以下属性有误：{fields}。", "en": "These properties are wrong: {fields}."},
    "plan.community_outside": {
        "zh": "{community} 不是本方案区域内的社区",
        "en": "'{community}' is not a community of this plan's area",
    },
    "plan.worker_unfit": {
        "zh": "{worker} 不是在岗的专职网格员",
        "en": "'{worker}' is not an active full-time grid worker",
    },
    "plan.code_form": {
        "zh": "code 为 1–32 个字母、数字或“-”“_”“.”",
        "en": "code is 1–32 letters, digits, '-', '_' or '.'",
    },
    "plan.code_taken": {"zh": "本方案中已有编号为 {code} 的网格", "en": "another grid of this plan has code {code}"},
    "plan.merge_two": {"zh": "请至少指定两个要合并的网格。", "en": "Name two or more grids to merge."},
    "plan.building_not_held": {
        "zh": "本方案中没有其他网格包含该楼栋。",
        "en": "No other grid of this plan holds that building.",
    },
    "plan.building_whole": {
        "zh": "该楼栋已完整位于一个网格内，无需调整。",
        "en": "That building lies wholly in one grid already.",
    },
    "plan.building_across_communities": {
        "zh": "该楼栋跨越社区界线：网格不能越出社区，请先调整社区边界。",
        "en": "That building lies across a community line; a grid cannot reach past its community, "
              "so move the community's line first.",
    },
    "plan.split_absorbed": {
        "zh": "拆分线贴近网格边界或拐角，切下的 {count} 小块（共 {area} 平方米）已并入相邻部分，未成为新网格。",
        "en": "The line ran close to the grid's edge or a corner: the {count} crumb(s) it cut off "
              "({area} m² in all) went to the piece beside them instead of becoming grids.",
    },
    "plan.no_feature": {"zh": "方案 {plan} 中没有要素 {features}。", "en": "Plan {plan} has no feature {features}."},
    "plan.edit_refused": {"zh": "{reason}", "en": "{reason}"},
    "plan.versions_object": {
        "zh": "versions 必须是 {{要素ID: 版本}} 对象。",
        "en": "versions is an object {{featureId: version}}.",
    },
    "plan.versions_whole": {
        "zh": "versions 的键和值都必须是整数。",
        "en": "versions maps feature ids to whole-number versions.",
    },
    "plan.crs": {
        "zh": "坐标系须为 4326（WGS84）、4490（CGCS2000）、3857 或 UTM 分带（326xx/327xx）。",
        "en": "crs is 4326 (WGS84), 4490 (CGCS2000), 3857 or a UTM zone (326xx/327xx).",
    },
    "plan.import_unusable": {
        "zh": "文件中有 {count} 个要素无法使用，未导入任何内容。",
        "en": "{count} feature(s) of the file cannot be used; nothing was imported.",
    },
    "plan.import.no_geometry": {"zh": "没有几何图形", "en": "it has no geometry"},
    "plan.import.not_polygon": {
        "zh": "网格须为 Polygon 或 MultiPolygon，不能是 {kind}",
        "en": "a grid is a Polygon or MultiPolygon, not a {kind}",
    },
    "plan.import.no_code": {"zh": "没有编号（code）", "en": "it has no code"},
    "plan.import.code_twice": {"zh": "编号 {code} 出现了两次", "en": "code {code} appears twice"},
    "plan.import.code_long": {"zh": "编号超过 32 个字符", "en": "code is longer than 32 characters"},
    "plan.import.kind": {"zh": "kind 取以下之一：{known}", "en": "kind is one of {known}"},
    "plan.import.nothing_left": {"zh": "修复后已没有面状图形", "en": "nothing polygonal is left after repairing it"},
    "plan.import.invalid_shape": {
        "zh": "图形无效：{reason}（提交 repair=1 可自动修复）",
        "en": "invalid shape: {reason} (send repair=1 to repair it)",
    },
    "plan.file_empty": {"zh": "文件为空。", "en": "The file is empty."},
    "plan.file_unreadable": {
        "zh": "无法读取该文件（支持 GeoJSON、GeoPackage、Shapefile）：{error}",
        "en": "The file could not be read as GeoJSON, GeoPackage or Shapefile: {error}",
    },
    "plan.file_too_many": {"zh": "方案文件最多 {most} 个网格。", "en": "A plan file holds at most {most} grids."},
    "plan.zip_one_shapefile": {
        "zh": "压缩包中须恰好有一个 Shapefile（.shp 及其 .shx、.dbf、.prj）。",
        "en": "A zip must hold exactly one Shapefile (.shp with its .shx, .dbf, .prj).",
    },
    "plan.crs_unknown": {
        "zh": "文件未说明坐标系：请提交 crs（EPSG 代码）。",
        "en": "The file does not say its coordinate system: send crs=EPSG code.",
    },
    "plan.crs_not_accepted": {
        "zh": "不支持坐标系 EPSG:{epsg}：请使用 4326、4490（CGCS2000）、3857 或 UTM 分带。",
        "en": "Coordinate system EPSG:{epsg} is not accepted: use 4326, 4490 (CGCS2000), 3857 or a UTM zone.",
    },
    "plan.households_whole": {
        "zh": "户数上下限（min_households、max_households）必须是整数。",
        "en": "min_households and max_households are whole numbers.",
    },
    "plan.households_range": {
        "zh": "户数范围须满足 1 ≤ 下限（min_households）< 上限（max_households）。",
        "en": "The household range needs 1 ≤ min_households < max_households.",
    },
    "plan.wrong_state": {
        "zh": "{status}状态的方案不能{action}，须为{needed}状态。",
        "en": "A {status} plan cannot be {action}; it must be {needed}.",
    },
    "plan.reject_note": {
        "zh": "请填写退回理由，以便规划人员修改。",
        "en": "Say why the plan is rejected, so the planner knows what to change.",
    },
    "plan.blocked": {
        "zh": "方案还有 {count} 个必须解决的问题，解决后才能提交。",
        "en": "The plan has {count} blocking problem(s); solve them before submitting.",
    },
    "plan.effective_future": {
        "zh": "请在生效当日或之后备案，不接受未来的生效日期。",
        "en": "File a plan on or after the day it takes effect; a future date is not accepted.",
    },
    "plan.effective_too_early": {
        "zh": "生效日期必须晚于 {latest}（被替换的网格或任职的起始时间）。",
        "en": "The effective date must come after {latest}, when the grids or assignments it replaces began.",
    },
    "plan.division_moved": {
        "zh": "该区域的现行网格在本方案起草后已变更（另一方案已备案）：请基于现行网格重新起草方案。",
        "en": "The current grids of this area changed after the plan was started (another plan was filed): "
              "start a new plan from the current division.",
    },
    "plan.at_point": {
        "zh": "at 须为一个 WGS84 经纬度点：[经度，纬度]。",
        "en": "at is a point in WGS84 degrees: [lon, lat].",
    },
    "plan.no_neighbour": {
        "zh": "网格 {grid} 在此处没有与之共用边界的相邻网格，无法并入。",
        "en": "Grid {grid} shares no boundary with a neighbouring grid here, so it cannot be merged into one.",
    },
    "plan.grid_name": {
        "zh": "网格名称为 1–200 个字符。",
        "en": "A grid's name is 1–200 characters.",
    },
    "plan.worker_name": {
        "zh": "请填写新网格员的姓名（最多 100 个字）。",
        "en": "Give the new grid worker's name (at most 100 characters).",
    },
    "plan.nothing_to_undo": {
        "zh": "方案 {id} 没有可撤销的修改（提交、退回、导入之前的修改不能撤销）。",
        "en": "Plan {id} has no edit to undo (edits made before it was submitted, rejected or imported stay).",
    },
    "plan.nothing_to_redo": {
        "zh": "方案 {id} 没有可重做的修改。",
        "en": "Plan {id} has no undone edit to redo.",
    },
    "plan.journal_conflict": {
        "zh": "方案 {id} 的网格已被其他方式修改，无法按记录撤销或重做：请刷新后继续编辑。",
        "en": "The grids of plan {id} were changed another way, so the record cannot be undone or redone: "
              "reload and edit on.",
    },
    "place.building_not_found": {"zh": "没有楼栋 {id}。", "en": "There is no building {id}."},
    # a plan's problems as planners read them (services/planning/problems.py, from geo/plan_check.py)
    "problem.invalid": {"zh": "网格 {grid} 的边界无效：{reason}", "en": "Grid {grid}'s outline is invalid: {reason}"},
    "problem.invalid_crossing": {
        "zh": "网格 {grid} 的边界自相交：{reason}",
        "en": "Grid {grid}'s outline crosses itself: {reason}",
    },
    "problem.sliver": {"zh": "网格 {grid} 有一块仅 {area} 平方米的碎片", "en": "Grid {grid} has a sliver of only {area} m²"},
    "problem.overlap": {"zh": "网格 {a} 与 {b} 重叠 {area} 平方米", "en": "Grids {a} and {b} overlap by {area} m²"},
    "problem.strip": {"zh": "网格 {grid} 长是宽的 {ratio} 倍，走访路线过长", "en": "Grid {grid} is {ratio}× longer than wide: a long walk for its worker"},
    "problem.gap": {"zh": "有 {area} 平方米不属于任何网格", "en": "{area} m² belong to no grid"},
    "problem.edge": {
        "zh": "网格 {grid} 的边界与相邻网格没有严丝合缝（细缝或细小重叠）",
        "en": "Grid {grid}'s boundary does not meet its neighbour's exactly (a thin gap or overlap)",
    },
    "problem.no_community": {"zh": "网格 {grid} 不属于任何社区", "en": "Grid {grid} belongs to no community"},
    "problem.outside": {
        "zh": "网格 {grid} 有 {area} 平方米超出社区 {community}",
        "en": "{area} m² of grid {grid} lie outside community {community}",
    },
    "problem.cut_building": {
        "zh": "一栋楼（{households} 户）被网格线切开：{shares}",
        "en": "A building ({households} households) is cut by a grid line: {shares}",
    },
    "problem.share": {"zh": "{grid} {share}", "en": "{share} in {grid}"},
    "problem.share_small": {"zh": "{grid} {share}（{area} 平方米）", "en": "{share} ({area} m²) in {grid}"},
    "problem.households_few": {
        "zh": "网格 {grid} 有 {households} 户，少于标准 {low}–{high} 户",
        "en": "Grid {grid} holds {households} households, under the standard {low}–{high}",
    },
    "problem.households_many": {
        "zh": "网格 {grid} 有 {households} 户，多于标准 {low}–{high} 户",
        "en": "Grid {grid} holds {households} households, over the standard {low}–{high}",
    },
    "problem.site_not_special": {
        "zh": "{kind} {site} 没有专属网格（没有一个专属网格包含它的大部分）",
        "en": "{kind} {site} has no special grid (no special grid holds most of it)",
    },
    "problem.site_not_special_unnamed": {
        "zh": "有一处{kind}没有专属网格（没有一个专属网格包含它的大部分）",
        "en": "A site of kind {kind} has no special grid (no special grid holds most of it)",
    },
    "problem.no_worker": {
        "zh": "综合网格 {grid} 没有专职网格员",
        "en": "Comprehensive grid {grid} has no full-time grid worker",
    },
    "problem.worker_many_grids": {
        "zh": "网格员 {worker} 同时负责 {count} 个网格",
        "en": "Grid worker {worker} would hold {count} grids",
    },
    "place.no_address": {"zh": "没有与 {address} 匹配的地址。", "en": "No address matches '{address}'."},
    "place.outside_scope": {"zh": "该位置不在您可查看的区域内。", "en": "That place is outside the area you may see."},
    "place.coordinates": {
        "zh": "请给出 WGS84 经纬度 lon 和 lat，或 building=楼栋ID，或 address=地址。",
        "en": "Give lon and lat in WGS84 degrees, or building=ID, or address=TEXT.",
    },
    "place.coordinate_range": {"zh": "{name} 应在 -{limit} 到 {limit} 之间。", "en": "{name} must be between -{limit} and {limit}."},
    "grid.not_found": {"zh": "没有您可查看的现行网格 {code}。", "en": "There is no current grid '{code}' that you may see."},
    # naming a generated division (services/planning/naming.py, flask generate areas)
    "division.unnamed": {
        "zh": "导入的数据中没有行政边界或地名能说明这座城市叫什么：请用 --city-name 和 --code-prefix 给出。",
        "en": "Nothing in the imported extract names the town (no administrative boundary or place): "
              "pass --city-name and --code-prefix.",
    },
    "division.no_code": {
        "zh": "无法从名称 {name} 得出编号前缀：请用 --code-prefix 给出（2–6 个字母或数字）。",
        "en": "No code prefix can be made from the name {name}: pass --code-prefix (2–6 letters or digits).",
    },

    # -- Open311's thanks (api/open311.py) ----------------------------------------------------------
    "open311.thanks_triage": {
        "zh": "感谢您的反映。值班员核实后将派单处置。",
        "en": "Thank you. An operator will check your report and dispatch it.",
    },
    "open311.thanks_sent": {
        "zh": "感谢您的反映。您反映的问题已派给网格员处置。",
        "en": "Thank you. Your report has been sent to the grid worker.",
    },

    # -- residents: report, follow, rate (services/public, api/public_reports.py, web/public.py) ----
    "report.body": {
        "zh": "请以表单（multipart/form-data）或 JSON 提交：category、description，以及 lon 和 lat 或 address。",
        "en": "Send a form (multipart/form-data) or JSON: category, description, and lon and lat or address.",
    },
    "report.category_unknown": {
        "zh": "请从列表中选择问题类别（收到的是 {category}；可选：{known}）。",
        "en": "Choose the kind of problem from the list (got '{category}'; the choices: {known}).",
    },
    "report.description_missing": {
        "zh": "请描述发生了什么问题。",
        "en": "Describe what is wrong.",
    },
    "report.description_too_long": {
        "zh": "问题描述最多 {most} 字（现有 {count} 字），请精简。",
        "en": "A description has at most {most} characters (this one has {count}); shorten it.",
    },
    "report.place_missing": {
        "zh": "请在地图上点选位置，或输入地址后从列表中选择。",
        "en": "Tap the place on the map, or type an address and choose it from the list.",
    },
    "report.coordinate": {
        "zh": "{name} 应为 {low} 到 {high} 之间的经纬度（WGS84），收到的是 {value}。",
        "en": "{name} is a WGS84 degree between {low} and {high}; got {value}.",
    },
    "report.address_too_long": {
        "zh": "地址最多 {most} 字。",
        "en": "An address has at most {most} characters.",
    },
    "report.address_unknown": {
        "zh": "没有找到地址“{address}”：请从搜索结果中选择楼栋，或在地图上点选位置。",
        "en": "No building has the address '{address}': choose one from the search, or tap the place on the map.",
    },
    "report.address_ambiguous": {
        "zh": "“{address}”对应 {count} 处楼栋（如 {examples}），请写得更具体，或在地图上点选位置。",
        "en": "'{address}' matches {count} buildings (such as {examples}); be more precise, or tap the place on the map.",
    },
    "report.phone_form": {
        "zh": "手机号码应为 11 位中国大陆手机号，例如 138 0013 8000。",
        "en": "A phone number is an 11-digit mainland mobile number, e.g. 138 0013 8000.",
    },
    "report.email_form": {
        "zh": "电子邮箱格式有误（最多 200 个字符，例如 name@example.com）。",
        "en": "This is not an e-mail address (at most 200 characters, e.g. name@example.com).",
    },
    "report.consent_needed": {
        "zh": "留下联系方式须勾选同意：联系方式仅用于告知本案的处理进展。",
        "en": "To leave a contact, tick the consent: it is used only to tell you how this case goes.",
    },
    "report.photos_too_many": {
        "zh": "最多附 {most} 张照片（收到 {count} 张）。",
        "en": "Attach at most {most} photos (got {count}).",
    },
    "report.photo": {
        "zh": "第 {n} 张照片：{why}",
        "en": "Photo {n}: {why}",
    },
    "report.honeypot": {
        "zh": "表单中隐藏的“网站”一栏须留空（它用于识别自动程序）：请刷新页面后重新填写。",
        "en": "The form's hidden 'website' field must stay empty (it catches programs): reload the page and fill it in again.",
    },
    "report.too_many_contact": {
        "zh": "同一联系方式 24 小时内最多反映 {most} 个问题，请 {minutes} 分钟后再试。",
        "en": "One contact may report at most {most} problems in 24 hours; try again in {minutes} minutes.",
    },
    "report.key": {
        "zh": "submission（或 Idempotency-Key）为 16–200 个字母、数字或“-”“_”。",
        "en": "submission (or Idempotency-Key) is 16–200 letters, digits, '-' or '_'.",
    },
    "report.not_found": {
        "zh": "该查询链接无效或已过期。",
        "en": "This link is not valid, or it has expired.",
    },
    "report.report_a_problem": {"zh": "我要反映问题", "en": "Report a problem"},
    # the page of a link that opens nothing (/r/<token>)
    "public.res_link_help": {
        "zh": "请在您反映问题时用的那部手机上打开“我的反映”，找到这个案件；找不到的话，可以重新反映。",
        "en": "On the phone you reported from, open “My reports” to find the case; if it is not there, report it again.",
    },
    "public.res_my_reports": {"zh": "我的反映", "en": "My reports"},
    "report.rate_when_closed": {
        "zh": "问题办结后才能评价（现在：{status}）。",
        "en": "A case can be rated once it is closed (it is now {status}).",
    },
    "report.already_rated": {
        "zh": "您已评价过本案：每个案件只能评价一次。",
        "en": "You have rated this case already: each case is rated once.",
    },
    "report.rating_body": {
        "zh": "请提交 JSON：{{\"satisfaction\": 1–5, \"comment\": …, \"not_solved\": true|false}}。",
        "en": "Send JSON: {{\"satisfaction\": 1–5, \"comment\": …, \"not_solved\": true|false}}.",
    },
    "report.comment_too_long": {
        "zh": "评价说明最多 {most} 字。",
        "en": "A comment has at most {most} characters.",
    },
    "report.not_solved_words": {
        "zh": "请说明哪里还没有解决，值班员将据此重新派单。",
        "en": "Say what is still wrong: the operator sends the case out again with your words.",
    },
    "report.callback_resident": {
        "zh": "反映人留有联系方式，由其本人通过查询链接评价；回访评价只用于没有联系方式的案件。",
        "en": "The reporter left a contact and rates the case through their own link; a call-back rating is "
              "for cases without a contact.",
    },
    "report.callback_rated": {
        "zh": "本案已有评价，不能再评价。",
        "en": "This case has been rated already.",
    },
    "report.thanks_triage": {
        "zh": "感谢您的反映。值班员核实后派单，{respond} 前响应。",
        "en": "Thank you. An operator checks it and sends it on; a response is due by {respond}.",
    },
    "report.contact_dropped": {
        "zh": "未保存您的联系方式：同时提交 contact_consent=true 表示同意其仅用于告知处理进展，才会保存。",
        "en": "Your contact was not kept: send contact_consent=true with it, agreeing that it is used only to "
              "tell you how the case goes.",
    },
    "report.place_or_address": {
        "zh": "请提供 lat 和 long，或与本市楼栋相符的 address_string。",
        "en": "Give lat and long, or an address_string that matches one of the city's buildings.",
    },
    "public.open311.service": {
        "zh": "{name}：{respond}内响应，{resolve}内办结。",
        "en": "{name}: answered within {respond}, resolved within {resolve}.",
    },
    "public.open311.token_unknown": {
        "zh": "没有这个令牌（token），或它已过期。",
        "en": "There is no such token, or it has expired.",
    },
    "public.hours": {"zh": "{n} 小时", "en": "{n} hours"},
    "public.days": {"zh": "{n} 天", "en": "{n} days"},
    "public.minutes": {"zh": "{n} 分钟", "en": "{n} minutes"},
    "public.working_hours": {"zh": "{n} 个工作小时", "en": "{n} working hours"},
    # what happens next, on the resident's own page and in Open311's status_notes
    "public.next.triage": {
        "zh": "值班员核实后派单，应在 {by} 前响应。",
        "en": "An operator checks it and sends it on; a response is due by {by}.",
    },
    "public.next.assigned": {
        "zh": "已派给负责的网格员，应在 {by} 前响应。",
        "en": "Sent to the grid worker in charge; a response is due by {by}.",
    },
    "public.next.handling": {
        "zh": "正在处理，应在 {by} 前办结。",
        "en": "Being handled; it is due to be resolved by {by}.",
    },
    "public.next.overdue": {
        "zh": "已超过时限（{by}），已上报{level}督办。",
        "en": "Past its time limit ({by}); it has gone up to the {level} to be pushed on.",
    },
    "public.next.overdue_here": {
        "zh": "已超过时限（{by}），正在催办。",
        "en": "Past its time limit ({by}); it is being chased.",
    },
    "public.next.resolved": {
        "zh": "已处理，等待核查结案。",
        "en": "Handled; waiting for the check that closes it.",
    },
    "public.next.rate": {
        "zh": "已办结。请评价处理结果；如果问题没有解决，请告诉我们。",
        "en": "Closed. Rate how it was handled; if the problem is not solved, tell us.",
    },
    "public.next.rated": {
        "zh": "已办结，感谢您的评价。",
        "en": "Closed. Thank you for your rating.",
    },
    "public.next.rejected": {
        "zh": "不予受理。原因：{reason}",
        "en": "Not taken on. The reason: {reason}",
    },
    "public.next.rejected_unsaid": {
        "zh": "不予受理，值班员将说明原因。",
        "en": "Not taken on; an operator will tell you why.",
    },
    "public.next.merged": {
        "zh": "已与同一问题的其他报告合并处理。",
        "en": "Handled together with another report of the same problem.",
    },
    "public.next.reopened": {
        "zh": "已重新办理，应在 {by} 前办结。",
        "en": "Taken up again; it is due to be resolved by {by}.",
    },
    # the working calendar (services/city/workdays.py, flask calendar, /healthz)
    "category.limit_unit": {
        "zh": "limit_unit 只能是 {known}，不能是 {value}。",
        "en": "limit_unit is one of {known}, not {value}.",
    },
    "calendar.no_office_hours": {
        "zh": "没有设置办公时间（GRIDMAP_OFFICE_HOURS），工作时限无法计算。",
        "en": "No office hours are set (GRIDMAP_OFFICE_HOURS): a limit in working time can never end.",
    },
    "calendar.naive_start": {
        "zh": "起算时间 {start} 没有时区。",
        "en": "The start {start} has no time zone.",
    },
    "calendar.no_working_time": {
        "zh": "{start} 之后 {days} 天内没有工作时间，请检查日历设置（flask calendar show）。",
        "en": "There is no working time within {days} days of {start}: check the calendar (flask calendar show).",
    },
    "calendar.bad_month": {
        "zh": "{value} 不是月份，请写成 YYYY-MM（如 2026-10）。",
        "en": "{value} is not a month: write it as YYYY-MM (e.g. 2026-10).",
    },
    "calendar.bad_day": {
        "zh": "{value} 不是日期，请写成 YYYY-MM-DD（如 2026-10-09）。",
        "en": "{value} is not a date: write it as YYYY-MM-DD (e.g. 2026-10-09).",
    },
    "calendar.working_or_rest": {
        "zh": "请用 --working（上班）或 --rest（休息）说明这一天。",
        "en": "Say whether the day is worked: --working or --rest.",
    },
    "calendar.month": {
        "zh": "{month}：工作日 {working} 天，休息日 {rest} 天（办公时间 {hours}，{zone}）",
        "en": "{month}: {working} working days, {rest} rest days (office hours {hours}, {zone})",
    },
    "calendar.line": {"zh": "{day} {weekday} {state} {why}", "en": "{day} {weekday} {state} {why}"},
    "calendar.state.working": {"zh": "上班", "en": "working"},
    "calendar.state.rest": {"zh": "休息", "en": "rest"},
    "calendar.why.weekday": {"zh": "", "en": ""},
    "calendar.why.weekend": {"zh": "周末", "en": "weekend"},
    "calendar.why.holiday": {"zh": "法定节假日：{holiday}", "en": "statutory holiday: {holiday}"},
    "calendar.why.make_up": {"zh": "调休上班（{holiday}）", "en": "调休 make-up working day ({holiday})"},
    "calendar.why.override": {"zh": "本市设置：{note}", "en": "set by the city: {note}"},
    "calendar.why.override_unsaid": {"zh": "本市设置", "en": "set by the city"},
    "calendar.why.unknown": {
        "zh": "（法定节假日日历不含 {year} 年，按周一至周五）",
        "en": "(the statutory calendar does not know {year}: Monday to Friday)",
    },
    "calendar.set.working": {"zh": "{day} 已设为上班日。", "en": "{day} is now a working day."},
    "calendar.set.rest": {"zh": "{day} 已设为休息日。", "en": "{day} is now a rest day."},
    "calendar.unset": {"zh": "已取消 {day} 的本市设置。", "en": "{day} is no longer set by the city."},
    "calendar.nothing_to_unset": {
        "zh": "{day} 没有本市设置，无需取消。",
        "en": "{day} is not set by the city: there is nothing to unset.",
    },
    "calendar.unknown_year": {
        "zh": "法定节假日日历（chinese-calendar）不含 {year} 年，本市也没有设置该年的日期：工作时限按周一至周五计算。"
              "请升级 chinese-calendar，或用 flask calendar set 设置该年的节假日与调休。",
        "en": "The statutory holiday calendar (chinese-calendar) does not know {year}, and the city has set no day "
              "in it: limits in working time count Monday to Friday. Upgrade chinese-calendar, or set the "
              "year's holidays and make-up days with flask calendar set.",
    },
    "weekday.0": {"zh": "周一", "en": "Mon"},
    "weekday.1": {"zh": "周二", "en": "Tue"},
    "weekday.2": {"zh": "周三", "en": "Wed"},
    "weekday.3": {"zh": "周四", "en": "Thu"},
    "weekday.4": {"zh": "周五", "en": "Fri"},
    "weekday.5": {"zh": "周六", "en": "Sat"},
    "weekday.6": {"zh": "周日", "en": "Sun"},
    # China's statutory holidays (the chinese-calendar package's names)
    "holiday.new_years_day": {"zh": "元旦", "en": "New Year's Day"},
    "holiday.spring_festival": {"zh": "春节", "en": "Spring Festival"},
    "holiday.tomb_sweeping_day": {"zh": "清明节", "en": "Tomb-sweeping Day"},
    "holiday.labour_day": {"zh": "劳动节", "en": "Labour Day"},
    "holiday.dragon_boat_festival": {"zh": "端午节", "en": "Dragon Boat Festival"},
    "holiday.national_day": {"zh": "国庆节", "en": "National Day"},
    "holiday.mid_autumn_festival": {"zh": "中秋节", "en": "Mid-autumn Festival"},
    "holiday.anti_fascist_70th_day": {"zh": "中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日",
                                      "en": "the 70th anniversary of the victory of the War of Resistance"},
    # the base register (services/register/): never a person's number in any of these
    "register.invalid": {"zh": "以下字段有误：{fields}", "en": "These fields are wrong: {fields}"},
    "register.body": {"zh": "请求体应为 JSON 对象。", "en": "The request body is a JSON object."},
    "register.field_unknown": {"zh": "不认识这个字段；可用字段：{known}。", "en": "Unknown field; the fields are: {known}."},
    "register.required": {"zh": "必填。", "en": "Required."},
    "register.text": {"zh": "应为文字。", "en": "Must be text."},
    "register.too_long": {"zh": "最多 {most} 个字。", "en": "At most {most} characters."},
    "register.number_range": {"zh": "应为 {low} 到 {high} 之间的数。", "en": "A number from {low} to {high}."},
    "register.choice": {"zh": "应为以下之一：{known}。", "en": "One of: {known}."},
    "register.tags": {"zh": "标签只能是：{known}。", "en": "Tags are among: {known}."},
    "register.id_number_form": {"zh": "身份证号应为 18 位（前 17 位为数字，末位为数字或 X）。",
                                "en": "An ID number has 18 characters: 17 digits and a digit or X."},
    "register.id_number_region": {"zh": "身份证号前两位不是有效的省级行政区代码。",
                                  "en": "The ID number's first two digits are no province's code."},
    "register.id_number_birth": {"zh": "身份证号中的出生日期无效。", "en": "The ID number's date of birth is not a real date."},
    "register.id_number_check": {"zh": "身份证号校验位不符，请核对是否抄错。",
                                 "en": "The ID number's check digit does not match: check it for a typing error."},
    "register.id_number_disagrees": {"zh": "与身份证号中的出生年份或性别不一致。",
                                     "en": "Disagrees with the birth year or sex the ID number states."},
    "register.id_number_taken": {"zh": "该身份证号已登记在册（可能在其他网格），请联系社区核实后迁入。",
                                 "en": "This ID number is already registered (perhaps in another grid): ask the "
                                       "community to check and move the entry."},
    "register.credit_code_form": {"zh": "统一社会信用代码应为 18 位数字或大写字母（不含 I、O、Z、S、V）。",
                                  "en": "A unified social credit code has 18 digits or capitals (no I, O, Z, S or V)."},
    "register.credit_code_check": {"zh": "统一社会信用代码校验位不符，请核对是否抄错。",
                                   "en": "The credit code's check character does not match: check it for a typing error."},
    "register.credit_code_taken": {"zh": "该统一社会信用代码已登记为另一家单位。",
                                   "en": "This credit code is already registered to another organisation."},
    "register.phone_form": {"zh": "电话应为 11 位手机号或带区号的固定电话。",
                            "en": "A phone is an 11-digit mobile number or a fixed line with its area code."},
    "register.building_not_found": {"zh": "没有编号为 {id} 的楼栋，或不在您的范围内。",
                                    "en": "No building {id}, or it is outside your area."},
    "register.unit_not_found": {"zh": "没有编号为 {id} 的房屋，或不在您的范围内。",
                                "en": "No house {id}, or it is outside your area."},
    "register.resident_not_found": {"zh": "没有编号为 {id} 的人员，或不在您的范围内。",
                                    "en": "No resident {id}, or outside your area."},
    "register.organisation_not_found": {"zh": "没有编号为 {id} 的单位，或不在您的范围内。",
                                        "en": "No organisation {id}, or outside your area."},
    "register.unit_taken": {"zh": "这栋楼已登记了同一单元、楼层和房号的房屋；如是同一房屋里的另一户或新成员，请在该房屋下点“添加家庭成员”。",
                            "en": "This building already has a house at that entrance, floor and room; for another household "
                                  "or a new member of that house, use \"Add a member\" under it."},
    "register.building_not_yours": {"zh": "这栋楼不在您负责的网格内，由{grid}负责登记。",
                                    "en": "This building is outside your grids; {grid} keeps its register."},
    "register.unit_has_residents": {"zh": "该房屋还有 {count} 名在册人员，请先办理迁出。",
                                    "en": "{count} residents still live in this house: move them out first."},
    "register.unit_elsewhere": {"zh": "该房屋不在这栋楼。", "en": "That house is in another building."},
    "register.stale": {"zh": "这条记录刚被别人更新过，已为您重新载入，请核对后再保存。",
                       "en": "Someone else has just updated this entry; it has been reloaded — check it and save again."},
    "register.care_tags_not_yours": {"zh": "您的角色不能查看或修改关爱标签。",
                                     "en": "Your role may not see or change care tags."},
    "register.key_tags_not_yours": {"zh": "您的角色不能查看或修改重点人员标签。",
                                    "en": "Your role may not see or change key-person tags."},
    "register.reveal_not_yours": {"zh": "您的角色不能查看完整号码。", "en": "Your role may not see whole numbers."},
    "register.reason_needed": {"zh": "请写明查看完整号码的事由（2 至 200 字），将记入访问日志。",
                               "en": "Say why you need the whole number (2 to 200 characters); it goes into the access log."},
    "register.export_reason": {"zh": "请写明导出事由（2 至 200 字），将记入访问日志并印在文件中。",
                               "en": "Say why you export (2 to 200 characters); it goes into the access log and the file."},
    "register.search_query": {"zh": "请输入姓名开头、完整身份证号或完整电话（最多 40 字）。",
                              "en": "Search by the start of a name, a whole ID number or a whole phone number (at most 40 characters)."},
    "register.visit_time": {"zh": "走访时间应在最近 {days} 天内，且不晚于现在。",
                            "en": "A visit's time is within the last {days} days and not in the future."},
    "register.visit_position": {"zh": "位置应同时有经度和纬度，且在有效范围内。",
                                "en": "A position has both a longitude and a latitude, in range."},
    "register.residents_list": {"zh": "住户成员应为列表，最多 {most} 人。", "en": "Residents are a list of at most {most} people."},
    "register.visit_key_taken": {"zh": "这个走访编号已被他人使用。", "en": "This visit key is someone else's."},
    # 扫码定责: the door plates (services/register/plates.py, flask register plates, /q/<token>)
    "register.grid_not_found": {"zh": "没有编号为 {code} 的现行网格，或不在您的范围内。",
                                "en": "There is no current grid {code} in your area."},
    "register.rotate_no_previous": {
        "zh": "请把要退役的登记密钥设为 GRIDMAP_REGISTER_KEY_PREVIOUS，新密钥设为 GRIDMAP_REGISTER_KEY，然后再运行。",
        "en": "Set the register key being retired as GRIDMAP_REGISTER_KEY_PREVIOUS and the new one as "
              "GRIDMAP_REGISTER_KEY, then run this again.",
    },
    "register.rotate_same": {
        "zh": "GRIDMAP_REGISTER_KEY_PREVIOUS 与 GRIDMAP_REGISTER_KEY 相同：没有要更换的密钥。",
        "en": "GRIDMAP_REGISTER_KEY_PREVIOUS is the same as GRIDMAP_REGISTER_KEY: there is nothing to rotate.",
    },
    "register.rotated": {
        "zh": "已用新密钥重新保存 {numbers} 个号码和 {versions} 个历史版本中的副本。{unreadable} 个号码两把密钥都打不开，保持原样。"
              "确认无误后，从设置中删除 GRIDMAP_REGISTER_KEY_PREVIOUS。",
        "en": "{numbers} numbers and their copies in {versions} versions are kept under the new key. {unreadable} "
              "numbers neither key opens were left as they are. Once you have checked, remove "
              "GRIDMAP_REGISTER_KEY_PREVIOUS from the settings.",
    },
    "register.plates_written": {"zh": "已写入 {path}：{plates} 块门牌，共 {pages} 页。",
                                "en": "Wrote {path}: {plates} plate(s) on {pages} page(s)."},
    "register.plates_no_url": {"zh": "门牌二维码要指向居民能打开的网址：请先设置 GRIDMAP_PUBLIC_URL（如 https://gridmap.example.gov.cn）。",
                               "en": "A plate's QR code leads to the address residents reach the site at: set "
                                     "GRIDMAP_PUBLIC_URL first (e.g. https://gridmap.example.gov.cn)."},
    "register.plate_not_found": {"zh": "没有找到这块门牌。", "en": "This door plate was not found."},
    "register.plate_not_found_help": {"zh": "门牌可能已更换或二维码已失效。您仍可以直接反映问题，在地图上点选位置即可。",
                                      "en": "The plate may have been replaced, or its code is no longer valid. You can "
                                            "still report a problem and pick the place on the map."},
    "register.plate_report": {"zh": "我要反映问题", "en": "Report a problem"},
    # the register's workbooks (services/register/sheets.py, workbooks.py, importing.py, exporting.py;
    # flask register template / import / export): sheet names, column headers, the words a cell may hold
    "register.sheet.unit": {"zh": "房屋", "en": "Houses"},
    "register.sheet.resident": {"zh": "实有人口", "en": "Residents"},
    "register.sheet.organisation": {"zh": "单位", "en": "Organisations"},
    "register.sheet.buildings": {"zh": "楼栋清单", "en": "Buildings"},
    "register.sheet.guide": {"zh": "填写说明", "en": "Guide"},
    "register.sheet.summary": {"zh": "汇总", "en": "Summary"},
    "register.sheet.refused": {"zh": "未导入的行", "en": "Refused rows"},
    "register.sheet.column.building": {"zh": "楼栋编号", "en": "Building code"},
    "register.sheet.column.address": {"zh": "楼栋地址", "en": "Building address"},
    "register.sheet.column.entrance": {"zh": "单元", "en": "Entrance"},
    "register.sheet.column.floor": {"zh": "楼层", "en": "Floor"},
    "register.sheet.column.room": {"zh": "房号", "en": "Room"},
    "register.sheet.column.use": {"zh": "房屋用途", "en": "Use"},
    "register.sheet.column.floor_area": {"zh": "面积（平方米）", "en": "Floor area (m²)"},
    "register.sheet.column.households": {"zh": "户数", "en": "Households"},
    "register.sheet.column.name": {"zh": "姓名", "en": "Name"},
    "register.sheet.column.sex": {"zh": "性别", "en": "Sex"},
    "register.sheet.column.birth_year": {"zh": "出生年份", "en": "Year of birth"},
    "register.sheet.column.id_number": {"zh": "公民身份号码", "en": "ID number"},
    "register.sheet.column.phone": {"zh": "联系电话", "en": "Phone"},
    "register.sheet.column.registration": {"zh": "人口类型", "en": "Registration"},
    "register.sheet.column.relation": {"zh": "与户主关系", "en": "Relation to the head"},
    "register.sheet.column.care_tags": {"zh": "关爱对象", "en": "Care tags"},
    "register.sheet.column.key_tags": {"zh": "重点人员", "en": "Key-person tags"},
    "register.sheet.column.organisation.name": {"zh": "单位名称", "en": "Name"},
    "register.sheet.column.kind": {"zh": "单位类型", "en": "Kind"},
    "register.sheet.column.credit_code": {"zh": "统一社会信用代码", "en": "Unified social credit code"},
    "register.sheet.column.contact_name": {"zh": "联系人", "en": "Contact"},
    "register.sheet.column.contact_phone": {"zh": "联系电话", "en": "Contact phone"},
    "register.sheet.column.employees": {"zh": "从业人数", "en": "Employees"},
    "register.sheet.column.risk_tags": {"zh": "风险类型", "en": "Risk tags"},
    "register.sheet.column.buildings.name": {"zh": "楼栋名称", "en": "Building name"},
    "register.sheet.column.grid": {"zh": "所属网格", "en": "Grid"},
    "register.sheet.column.sheet": {"zh": "工作表", "en": "Sheet"},
    "register.sheet.column.row": {"zh": "行号", "en": "Row"},
    "register.sheet.column.entry": {"zh": "条目", "en": "Entry"},
    "register.sheet.column.field": {"zh": "字段", "en": "Field"},
    "register.sheet.column.value": {"zh": "所填内容（号码已脱敏）", "en": "Value given (numbers masked)"},
    "register.sheet.column.reason": {"zh": "原因", "en": "Reason"},
    "register.sheet.column.read": {"zh": "读取行数", "en": "Rows read"},
    "register.sheet.column.added": {"zh": "新增", "en": "Added"},
    "register.sheet.column.changed": {"zh": "更新", "en": "Changed"},
    "register.sheet.column.unchanged": {"zh": "无变化", "en": "Unchanged"},
    "register.sheet.column.refused_rows": {"zh": "未导入", "en": "Refused"},
    "register.sheet.word.use.owner": {"zh": "自住", "en": "owner-occupied"},
    "register.sheet.word.use.rented": {"zh": "出租", "en": "rented"},
    "register.sheet.word.use.vacant": {"zh": "空置", "en": "vacant"},
    "register.sheet.word.use.shop": {"zh": "商铺", "en": "shop"},
    "register.sheet.word.use.office": {"zh": "办公", "en": "office"},
    "register.sheet.word.use.other": {"zh": "其他", "en": "other"},
    "register.sheet.word.sex.F": {"zh": "女", "en": "female"},
    "register.sheet.word.sex.M": {"zh": "男", "en": "male"},
    "register.sheet.word.registration.local": {"zh": "户籍人口", "en": "registered"},
    "register.sheet.word.registration.floating": {"zh": "流动人口", "en": "floating"},
    "register.sheet.word.registration.overseas": {"zh": "境外人员", "en": "overseas"},
    "register.sheet.word.relation.head": {"zh": "户主", "en": "head"},
    "register.sheet.word.relation.spouse": {"zh": "配偶", "en": "spouse"},
    "register.sheet.word.relation.child": {"zh": "子女", "en": "child"},
    "register.sheet.word.relation.parent": {"zh": "父母", "en": "parent"},
    "register.sheet.word.relation.grandchild": {"zh": "孙子女", "en": "grandchild"},
    "register.sheet.word.relation.sibling": {"zh": "兄弟姐妹", "en": "sibling"},
    "register.sheet.word.relation.tenant": {"zh": "租户", "en": "tenant"},
    "register.sheet.word.relation.other": {"zh": "其他", "en": "other"},
    "register.sheet.word.care_tags.elderly_alone": {"zh": "独居老人", "en": "elderly living alone"},
    "register.sheet.word.care_tags.disabled": {"zh": "残疾人", "en": "disabled"},
    "register.sheet.word.care_tags.low_income": {"zh": "低保", "en": "low income"},
    "register.sheet.word.care_tags.left_behind_child": {"zh": "留守儿童", "en": "left-behind child"},
    "register.sheet.word.key_tags.community_correction": {"zh": "社区矫正", "en": "community correction"},
    "register.sheet.word.key_tags.released_prisoner": {"zh": "刑满释放", "en": "released prisoner"},
    "register.sheet.word.key_tags.mental_disorder": {"zh": "严重精神障碍", "en": "mental disorder"},
    "register.sheet.word.key_tags.drug_user": {"zh": "吸毒人员", "en": "drug user"},
    "register.sheet.word.key_tags.petitioner": {"zh": "信访", "en": "petitioner"},
    "register.sheet.word.kind.shop": {"zh": "商铺", "en": "shop"},
    "register.sheet.word.kind.restaurant": {"zh": "餐饮", "en": "restaurant"},
    "register.sheet.word.kind.company": {"zh": "企业", "en": "company"},
    "register.sheet.word.kind.factory": {"zh": "工厂", "en": "factory"},
    "register.sheet.word.kind.warehouse": {"zh": "仓库", "en": "warehouse"},
    "register.sheet.word.kind.hotel": {"zh": "旅馆", "en": "hotel"},
    "register.sheet.word.kind.school": {"zh": "学校", "en": "school"},
    "register.sheet.word.kind.clinic": {"zh": "诊所", "en": "clinic"},
    "register.sheet.word.kind.social": {"zh": "社会组织", "en": "social organisation"},
    "register.sheet.word.kind.other": {"zh": "其他", "en": "other"},
    "register.sheet.word.risk_tags.fire": {"zh": "消防", "en": "fire"},
    "register.sheet.word.risk_tags.food": {"zh": "食品", "en": "food"},
    "register.sheet.word.risk_tags.hazardous_goods": {"zh": "危化品", "en": "hazardous goods"},
    "register.sheet.guide.rows": {
        "zh": "第 1 行是表头，第 2 行是供程序识别的字段名（英文），请勿修改或删除；从第 3 行起每行填写一条。带 * 的列必填。",
        "en": "Row 1 holds the headers and row 2 the field names a program reads (English): do not change or delete "
              "them. From row 3 on, one entry per row. Columns marked * are required.",
    },
    "register.sheet.guide.building": {
        "zh": "楼栋：填写“楼栋清单”中的楼栋编号，或与系统一致的楼栋地址（或楼栋名称）；两者都填时须是同一栋楼。",
        "en": "Building: the building code from the Buildings sheet, or the building's address (or name) as the "
              "system holds it; when both are given they must name the same building.",
    },
    "register.sheet.guide.same": {
        "zh": "再次导入不会重复登记：房屋按楼栋、单元、楼层、房号确定；人员按公民身份号码确定，未填时按姓名和房屋；"
              "单位按统一社会信用代码确定，未填时按名称和楼栋。只有内容有变化的条目才会更新并留下新版本。",
        "en": "Importing again does not register twice: a house is its building, entrance, floor and room; a person "
              "their ID number, else their name and house; an organisation its credit code, else its name and "
              "building. Only entries whose content changed are updated, each with a new version.",
    },
    "register.sheet.guide.empty": {
        "zh": "表中有的列按所填内容更新，空白表示清空该项；表中没有的列保持不变。脱敏号码（带 *，如导出的文件）保持原号码不变。",
        "en": "A column the sheet has sets the field as written, an empty cell clears it; a column the sheet lacks "
              "leaves the field as it is. A masked number (with *, as in an export) keeps the number held.",
    },
    "register.sheet.guide.text": {
        "zh": "公民身份号码、电话、单元、房号等列已设为文本格式，请勿改为数字，否则末几位或开头的 0 会丢失。",
        "en": "ID number, phone, entrance and room columns are formatted as text: keep them so, or a number loses "
              "its last digits or its leading 0.",
    },
    "register.sheet.guide.report": {
        "zh": "导入后，原文件旁会生成逐行报告（文件名以 .report.xlsx 结尾），列出未导入的行及原因；报告中的号码均已脱敏。",
        "en": "An import writes a row-by-row report beside the file (its name ends in .report.xlsx) listing the rows "
              "refused and why; the numbers in it are masked.",
    },
    "register.sheet.guide.words": {"zh": "{column}可填：{words}", "en": "{column}: {words}"},
    "register.sheet.guide.tags": {
        "zh": "{column}可填（多个用顿号或逗号分隔）：{words}",
        "en": "{column} (several separated by commas): {words}",
    },
    "register.import.building_missing": {"zh": "请填写楼栋编号或楼栋地址。", "en": "Give the building code or address."},
    "register.import.building_unknown": {"zh": "没有这个楼栋，或不在您的范围内：请按“楼栋清单”填写楼栋编号。",
                                         "en": "No such building, or outside your area: give its code from the "
                                               "Buildings sheet."},
    "register.import.building_ambiguous": {"zh": "有 {count} 栋楼是这个地址或名称，请填写楼栋编号。",
                                           "en": "{count} buildings have this address or name: give the building code."},
    "register.import.building_mismatch": {"zh": "楼栋编号和楼栋地址不是同一栋楼，请核对。",
                                          "en": "The building code and the address name different buildings."},
    "register.import.no_house": {"zh": "这栋楼没有登记这个单元、楼层和房号的房屋：请先在“房屋”表中登记。",
                                 "en": "This building has no house at that entrance, floor and room: register it "
                                       "in the Houses sheet first."},
    "register.import.repeated": {"zh": "与本表第 {row} 行是同一条目，本行未导入。",
                                 "en": "The same entry as row {row} of this sheet: this row was not imported."},
    "register.import.namesakes": {"zh": "这套房屋有 {count} 位同名人员，请填写公民身份号码以区分。",
                                  "en": "{count} people of this name live in this house: give the ID number."},
    "register.import.masked": {"zh": "带 * 的脱敏号码只能保留导出时的原样：请填写完整号码。",
                               "en": "A masked number (with *) can only be left as exported: write the whole number."},
    "register.import.number_as_digits": {"zh": "号码被存成了数字，可能已丢失位数：请把该列设为文本后重新填写。",
                                         "en": "The number was kept as a figure and may have lost digits: format the "
                                               "column as text and type it again."},
    "register.import.words": {"zh": "应为以下之一：{known}。", "en": "One of: {known}."},
    "register.import.tags": {"zh": "只能是以下几项（多个用顿号分隔）：{known}。",
                             "en": "Among the following (separated by commas): {known}."},
    "register.import.unreadable": {"zh": "无法读取 {path}：不是 Excel 工作簿（.xlsx）或文件已损坏。",
                                   "en": "Cannot read {path}: it is not an Excel workbook (.xlsx), or it is damaged."},
    "register.import.no_sheets": {"zh": "{path} 中没有“房屋”“实有人口”或“单位”工作表（或缺少第 2 行的字段名）。",
                                  "en": "{path} has no Houses, Residents or Organisations sheet (or its row of field "
                                        "names is missing)."},
    "register.import.column_ignored": {"zh": "“{sheet}”表的“{column}”列无法识别，已忽略。",
                                       "en": "The column '{column}' of the sheet '{sheet}' is not known and was ignored."},
    "register.import.tally": {"zh": "{sheet}：读取 {read} 行，新增 {added}，更新 {changed}，无变化 {unchanged}，未导入 {refused}。",
                              "en": "{sheet}: {read} rows read, {added} added, {changed} changed, {unchanged} "
                                    "unchanged, {refused} refused."},
    "register.import.dry_run": {"zh": "试运行：以上变更均未写入。", "en": "Dry run: none of these changes were written."},
    "register.import.report": {"zh": "逐行报告：{path}", "en": "Row-by-row report: {path}"},
    "register.import.report_not_written": {"zh": "无法写入报告 {path}：{error}", "en": "Could not write the report {path}: {error}"},
    "register.import.made": {"zh": "{path} 由 {actor} 于 {at} 导入{dry}。", "en": "{path} imported by {actor} at {at}{dry}."},
    "register.import.made_dry": {"zh": "（试运行，未写入）", "en": " (dry run, nothing written)"},
    "register.template.written": {"zh": "模板已写入 {path}（楼栋清单 {buildings} 栋）。",
                                  "en": "Wrote the template {path} ({buildings} buildings listed)."},
    "register.export.taken": {
        "zh": "导出人：{actor}；导出时间：{at}；事由：{reason}；网格：{grid}；共 {count} 条。公民身份号码和电话均已脱敏。",
        "en": "Exported by {actor} at {at}; reason: {reason}; grid: {grid}; {count} entries. ID numbers and phones "
              "are masked.",
    },
    "register.export.written": {"zh": "已导出到 {path}：{units} 套房屋，{residents} 名人员，{organisations} 家单位；已记入访问日志。",
                                "en": "Exported to {path}: {units} houses, {residents} residents, {organisations} "
                                      "organisations; logged in the access log."},
    "register.export.not_yours": {"zh": "您的角色不能导出人员信息。", "en": "Your role may not export people's records."},
    "register.import.not_yours": {"zh": "您的角色不能导入登记信息。", "en": "Your role may not import into the register."},
    "register.import.changed_meanwhile": {"zh": "导入期间有条目在别处被修改，本次导入未写入任何内容：请重新导入。",
                                          "en": "Entries were changed elsewhere during the import; nothing was written: "
                                                "import again."},
}

# the command line's help and reports, and its imports' refusals: a module of their own
from .messages_cli import COMMAND_LINE  # noqa: E402
if COMMAND_LINE.keys() & CATALOGUE.keys():
    raise KeyError(f"in both catalogues: {sorted(COMMAND_LINE.keys() & CATALOGUE.keys())}")
CATALOGUE.update(COMMAND_LINE)

# words that fill a {where}
PLACES = {
    "query": {"zh": "查询参数", "en": "A query parameter"},
    "path": {"zh": "请求路径", "en": "The request path"},
    "body": {"zh": "请求内容", "en": "The request body"},
    "form": {"zh": "表单", "en": "The form"},
    "header": {"zh": "请求头", "en": "A request header"},
}


def say(key: str, language: str = DEFAULT_LANGUAGE, /, **params) -> str:
    """The message `key` in `language` (Chinese when it is neither zh nor en), with its
    parameters filled in; a parameter named `where` may be a key of PLACES."""
    texts = CATALOGUE[key]
    language = language if language in LANGUAGES else DEFAULT_LANGUAGE
    if params.get("where") in PLACES:
        params["where"] = PLACES[params["where"]][language]
    return texts[language].format(**{name: _blank(value, language) for name, value in params.items()})


def in_both(key: str, /, **params) -> dict[str, str]:
    """The message in every language, for a record many readers will read in theirs (an
    incident step's system note: {"key", "zh", "en"})."""
    return {"key": key, **{language: say(key, language, **params) for language in LANGUAGES}}


class Both(NamedTuple):
    """Words the data already holds in both languages (a name, a geometry check's finding)."""
    zh: str
    en: str


class Either(tuple):
    """Alternatives, said as "a or b" (a、b 或 c reads 'a、b或c')."""


class Message:
    """A message not yet said: its key and blanks, said in a language when it is answered."""

    __slots__ = ("key", "params")

    def __init__(self, key: str, /, **params):
        if key not in CATALOGUE:
            raise KeyError(f"no message {key!r} in the catalogue (app/messages.py)")
        self.key, self.params = key, params

    def say(self, language: str) -> str:
        return say(self.key, language, **self.params)

    def __str__(self) -> str:
        return self.say("en")

    def __repr__(self) -> str:
        return f"Message({self.key!r}, {self.params!r})"

    def __eq__(self, other) -> bool:
        return isinstance(other, Message) and (self.key, self.params) == (other.key, other.params)

    __hash__ = None


class Worded:
    """Anything whose words are a Message (`self.message`): its key, blanks, and the words in a
    language. A service's error (Said) and the API's refusal (api/errors.py) both are."""

    message: Message

    @property
    def key(self) -> str:
        return self.message.key

    @property
    def params(self) -> dict:
        return self.message.params

    def describe(self, language: str) -> str:
        return self.message.say(language)


class Said(Worded, Exception):
    """An error whose words are a catalogue key and its blanks: `describe(language)` says it;
    `str()` is the English, for logs and the command line."""

    def __init__(self, key: str, /, **params):
        self.message = Message(key, **params)
        super().__init__(key)

    def __str__(self) -> str:
        return self.describe("en")


def status_name(status: str) -> Message | str:
    """An incident's status in words (已办结 / closed)."""
    return _word("status", status)


def step_name(action: str) -> Message | str:
    """A step of the loop as named in a list (受理 / accept)."""
    return _word("step", action)


def step_done(action: str) -> Message | str:
    """A step of the loop as what cannot be done (不能受理 / cannot be accepted)."""
    return _word("step_done", action)


def plan_status_name(status: str) -> Message | str:
    """A grid plan's status in words (已备案 / filed)."""
    return _word("plan_status", status)


def plan_step_done(action: str) -> Message | str:
    """A plan's workflow step as what cannot be done (不能备案 / cannot be filed)."""
    return _word("plan_step_done", action)


def _word(family: str, code: str) -> Message | str:
    key = f"{family}.{code}"
    return Message(key) if key in CATALOGUE else code


_FULL_WIDTH = {",": "，", ":": "：", ";": "；"}
_AFTER_CHINESE = re.compile(r"([\u3000-\u9fff\uff00-\uffef）」”])\s*([,:;])\s*")
_BRACKETED_CHINESE = re.compile(r"\(([^()]*[\u4e00-\u9fff][^()]*)\)")


def zh_punctuated(text: str) -> str:
    """Chinese written with ASCII marks (the geometry checks' own words) in Chinese
    punctuation: ",:;" after a Chinese word become "，：；", brackets round Chinese "（）"."""
    text = _AFTER_CHINESE.sub(lambda m: m[1] + _FULL_WIDTH[m[2]], text)
    return _BRACKETED_CHINESE.sub(r"（\1）", text)


def per_field(errors: dict, language: str) -> str:
    """A form's messages by field, in one line: "note: Say why…; grid: …"."""
    colon, separator = ("：", "；") if _language(language) == "zh" else (": ", "; ")
    return separator.join(f"{name}{colon}{_blank(text, language)}" for name, text in errors.items())


def rendered(value, language: str):
    """`value` (a JSON body, an `errors` dict or list) with every Message in it said."""
    if isinstance(value, (Message, Said, Both)):
        return _blank(value, language)
    if isinstance(value, dict):
        return {name: rendered(v, language) for name, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [rendered(v, language) for v in value]
    return value


MASK = "***"
_SEPARATORS = {"zh": "、", "en": ", "}
_OR = {"zh": "或", "en": " or "}


def _language(language: str) -> str:
    return language if language in LANGUAGES else DEFAULT_LANGUAGE


def _blank(value, language: str):
    """What fills a blank: words said in the language, a list joined, personal data masked."""
    language = _language(language)
    if isinstance(value, Message):
        return value.say(language)
    if isinstance(value, Said):
        return value.describe(language)
    if isinstance(value, Both):
        return _blank(getattr(value, language), language)
    if isinstance(value, Either):
        words = [str(_blank(v, language)) for v in value]
        if len(words) < 2:
            return "".join(words)
        return _OR[language].join([_SEPARATORS[language].join(words[:-1]), words[-1]])
    if isinstance(value, (list, tuple, set, frozenset)):
        items = sorted(value) if isinstance(value, (set, frozenset)) else value
        return _SEPARATORS[language].join(str(_blank(v, language)) for v in items)
    if isinstance(value, (str, int)) and not isinstance(value, bool) and personal.found_in(str(value)):
        return _Masked(MASK)
    return value


class _Masked(str):
    """What stands for personal data in a blank, whatever format the blank asks for."""

    def __format__(self, spec: str) -> str:
        return str(self)
