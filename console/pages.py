"""The people's pages: live calls for agents, the live dashboard for supervisors."""

from __future__ import annotations

from flask import Blueprint, render_template

from console.auth import MANAGERS, PEOPLE, page_for

pages = Blueprint("pages", __name__)


@pages.get("/")
@page_for(*PEOPLE)
def agent() -> str:
    return render_template("agent.html")


@pages.get("/supervisor")
@page_for(*MANAGERS)
def supervisor() -> str:
    return render_template("supervisor.html")
