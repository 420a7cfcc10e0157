"""Application factory. No module builds an app at import time."""

from __future__ import annotations

from flask import Flask, jsonify
from sqlalchemy.orm import Session, sessionmaker

from console.api import api
from console.api_campaigns import api_campaigns
from console.api_dnc import api_dnc
from console.api_kpis import api_kpis
from console.api_lists import api_lists
from console.auth import init_auth
from console.database import Database
from console.live import LiveFeed
from console.login import init_login, login
from console.metrics import LiveMetrics, metrics
from console.pages import pages
from tierdial import __version__
from tierdial.config import Config

MAX_UPLOAD_BYTES = 2 * 1024**3  # a list of several million contacts


def create_app(config: Config, live: LiveFeed | None = None, sessions: sessionmaker[Session] | None = None) -> Flask:
    """The console; `live` attaches it to a running dialer (events out, commands in)."""
    app = Flask(__name__)
    app.config["TIERDIAL"] = config
    app.config["MAX_CONTENT_LENGTH"] = MAX_UPLOAD_BYTES
    app.extensions["tierdial.database"] = Database(config, sessions)
    if live is not None:
        app.extensions["tierdial.live"] = live
        app.extensions["tierdial.metrics"] = LiveMetrics(live.bus)
    init_auth(app, config)
    init_login(app)
    app.register_blueprint(login)
    app.register_blueprint(api)
    app.register_blueprint(api_campaigns)
    app.register_blueprint(api_lists)
    app.register_blueprint(api_dnc)
    app.register_blueprint(api_kpis)
    app.register_blueprint(pages)
    app.register_blueprint(metrics)

    @app.get("/healthz")
    def health():  # type: ignore[no-untyped-def]
        return jsonify(status="ok", version=__version__, live=live is not None)

    return app
