"""The agent's page: live calls with their transcript and tier, and a Take over button."""

from __future__ import annotations

from flask import Blueprint, render_template

pages = Blueprint("pages", __name__)


@pages.get("/")
def agent() -> str:
    return render_template("agent.html")
