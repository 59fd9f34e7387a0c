"""The login page and logout. The only page anonymous visitors may see."""
from __future__ import annotations

from datetime import timezone
from urllib.parse import urlparse

from flask import Blueprint, current_app, make_response, redirect, render_template, request, url_for

from .. import db
from ..auth import current_user, public, requires
from ..auth.identity import (SESSION_COOKIE, clear_session_cookie, login_csrf_token, login_csrf_valid,
                             set_login_csrf_cookie, set_session_cookie)
from ..services.accounts import accounts

bp = Blueprint("login", __name__, template_folder="templates")

TEXT = {
    "zh": {"title": "登录 · 网格地图", "heading": "网格地图 登录", "username": "用户名",
           "password": "密码", "submit": "登录", "other": "English", "other_lang": "en",
           "csrf": "表单已过期,请重试。", "missing": "请输入用户名和密码。",
           "https": "此服务器只能通过 HTTPS 登录（它的 Cookie 仅限安全连接）。请用 https:// 打开；"
                    "在封闭网络中也可设置 GRIDMAP_SECURE_COOKIES=0。",
           "wrong": "用户名或密码错误。", "locked": "登录失败次数过多,账户锁定至 {} UTC。"},
    "en": {"title": "Sign in · Gridmap", "heading": "Sign in to Gridmap", "username": "Username",
           "password": "Password", "submit": "Sign in", "other": "中文", "other_lang": "zh",
           "csrf": "The form expired; please try again.",
           "https": "This server signs in over HTTPS only (its cookies are for secure connections): "
                    "open it with https://, or on a closed network set GRIDMAP_SECURE_COOKIES=0.",
           "missing": "Enter your username and password.",
           "wrong": "Wrong username or password.",
           "locked": "Too many failed logins: this account is locked until {} UTC."},
}


def _lang() -> str:
    chosen = request.args.get("lang") or request.form.get("lang")
    if chosen in TEXT:
        return chosen
    return request.accept_languages.best_match(["zh", "en"]) or "zh"


def _safe_next(target: str | None, role: str | None = None) -> str:
    # only paths on this site: never an open redirect
    if not target or not target.startswith("/") or target.startswith("//") or urlparse(target).netloc:
        # a department's staff come for their list, not the city map
        return url_for("pages.department") if role == "department" else url_for("pages.city_map")
    return target


def _form(error: str | None = None, status: int = 200, username: str = ""):
    lang = _lang()
    token = login_csrf_token()
    response = make_response(render_template(
        "login.html", t=TEXT[lang], lang=lang, csrf_token=token, error=error, username=username,
        next=_safe_next(request.values.get("next")) if request.values.get("next") else ""), status)
    set_login_csrf_cookie(response, token)
    return response


@bp.get("/login")
@public(page=True)
def form():
    if current_user() is not None:
        return redirect(_safe_next(request.args.get("next"), current_user().role))
    return _form()


@bp.post("/login")
@public(page=True, rate="login", csrf=False)   # the form carries its own double-submit token
def submit():
    t = TEXT[_lang()]
    if not login_csrf_valid():
        return _form(t["https"] if _cookies_refused() else t["csrf"], 400)
    username, password = request.form.get("username", "").strip(), request.form.get("password", "")
    if not username or not password:
        return _form(t["missing"], 400, username)
    session = db.session()
    try:
        user = accounts.authenticate(session, username, password)
    except accounts.LockedOut as error:
        session.commit()
        return _form(t["locked"].format(f"{error.until.astimezone(timezone.utc):%H:%M:%S}"), 401, username)
    except accounts.AccountError:
        session.commit()
        return _form(t["wrong"], 401, username)
    opened = accounts.open_session(session, user, request.remote_addr)
    session.commit()
    response = redirect(_safe_next(request.form.get("next"), user.role))
    set_session_cookie(response, opened.token)
    return response


def _cookies_refused() -> bool:
    """The form's cookie never came back because the browser keeps Secure cookies from plain
    HTTP (to any host but this machine's own): "the form expired" would send a person
    looking for the wrong fault."""
    return (request.scheme == "http" and current_app.config["GRIDMAP"].secure_cookies
            and not request.cookies and request.host.rsplit(":", 1)[0].strip("[]")
            not in ("localhost", "127.0.0.1", "::1"))


@bp.post("/logout")
@requires()
def logout():
    session = db.session()
    accounts.close_session(session, request.cookies.get(SESSION_COOKIE, ""))
    session.commit()
    response = redirect(url_for("login.form"))
    clear_session_cookie(response)
    return response
