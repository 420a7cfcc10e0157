"""Log-in and log-out pages. Failed log-ins are counted per account (lockout); attempts per address are limited in
`console.rate_limits`."""

from __future__ import annotations

import logging

from flask import Blueprint, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user
from werkzeug.wrappers import Response

from console.accounts import LoginRefused, authenticate
from console.auth import Person, sessions
from console.models import Role

log = logging.getLogger(__name__)
login = Blueprint("login", __name__)
HOME = {Role.agent: "pages.agent", Role.supervisor: "pages.supervisor", Role.admin: "pages.supervisor"}


def home_of(role: Role) -> str:
    return url_for(HOME[role])


@login.route("/login", methods=["GET", "POST"])
def log_in() -> str | Response | tuple[str, int]:
    wanted = request.args.get("next", "")
    if not wanted.startswith("/") or wanted.startswith("//"):
        wanted = ""  # only a page of this console, never another site
    if request.method == "GET":
        if current_user.is_authenticated:
            return redirect(wanted or home_of(current_user.role))
        return render_template("login.html", error=None, name="")
    name, password = request.form.get("name", ""), request.form.get("password", "")
    refused = None
    with sessions().begin() as db:  # committed either way: a failure is counted
        try:
            person = Person.of(authenticate(db, name, password))
        except LoginRefused as exc:
            refused = str(exc)
    if refused:
        log.info("log-in refused for an account name of %d characters", len(name))
        return render_template("login.html", error=refused, name=name), 401
    session.clear()  # a fresh session at log-in: no fixation
    login_user(person)
    log.info("%s signed in as %s", person.name, person.role.value)
    return redirect(wanted or home_of(person.role))


@login.post("/logout")
def log_out() -> Response:
    logout_user()
    session.clear()
    return redirect(url_for("login.log_in"))
