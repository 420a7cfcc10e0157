"""Application factory. No module builds an app at import time."""

from __future__ import annotations

import logging
from collections.abc import Callable

from flask import Flask, jsonify, make_response, render_template, request
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker
from werkzeug.exceptions import HTTPException, InternalServerError

from console.api import api
from console.api_agents import api_agents
from console.api_campaigns import api_campaigns
from console.api_dnc import api_dnc
from console.api_kpis import api_kpis
from console.api_lists import api_lists
from console.api_records import api_records
from console.api_webhooks import api_webhooks
from console.auth import init_auth
from console.body_limits import init_body_limits
from console.database import Database
from console.kpi_watch import KpiWatcher
from console.live import LiveFeed, NoDialer
from console.login import login
from console.manage.accounts import manage_accounts
from console.manage.campaigns import manage_campaigns
from console.manage.dnc import manage_dnc
from console.manage.lists import manage_lists
from console.manage.numbers import manage_numbers
from console.metrics import LiveMetrics, metrics
from console.openapi import openapi_document
from console.pages import pages
from console.rate_limits import init_rate_limits
from console.security_headers import init_security_headers
from console.webhook_sender import WebhookSender
from tierdial import __version__
from tierdial.bus import EventBus
from tierdial.config import Config
from tierdial.held_writes import unreachable

log = logging.getLogger(__name__)
DATABASE_RETRY_SECONDS = 5  # a PostgreSQL restart takes a few seconds; a failover about as long


def create_app(
    config: Config,
    live: LiveFeed | None = None,
    sessions: sessionmaker[Session] | None = None,
    readiness: Callable[[], dict[str, bool]] | None = None,
    station_bus: EventBus | None = None,
) -> Flask:
    """The console; `live` attaches it to a running dialer (events out, commands in); `readiness` adds the
    station's own checks to `/readyz`. With several nodes, `live` carries every node's events and `station_bus`
    this node's own: metrics and webhooks count those, so each event is counted and sent once."""
    app = Flask(__name__)
    app.config["TIERDIAL"] = config
    database = app.extensions["tierdial.database"] = Database(config, sessions)
    if readiness is not None:
        app.extensions["tierdial.readiness"] = readiness
    if live is not None:
        app.extensions["tierdial.live"] = live
        own = station_bus or live.bus
        app.extensions["tierdial.metrics"] = LiveMetrics(own, getattr(live.control, "asr_load", None))
        app.extensions["tierdial.webhooks"] = WebhookSender(own, database.sessions())
        app.extensions["tierdial.kpi_watch"] = KpiWatcher(live.bus, database.sessions(), live.hot_leads)
    init_body_limits(app)
    init_auth(app, config)
    shared = database.sessions if config.database_url.startswith("postgresql") else None  # nodes share a minute
    init_rate_limits(app, config.console.rate_limits, shared)
    init_security_headers(app)
    app.register_blueprint(login)
    app.register_blueprint(api)
    app.register_blueprint(api_agents)
    app.register_blueprint(api_campaigns)
    app.register_blueprint(api_lists)
    app.register_blueprint(api_dnc)
    app.register_blueprint(api_kpis)
    app.register_blueprint(api_records)
    app.register_blueprint(api_webhooks)
    app.register_blueprint(pages)
    for page in (manage_campaigns, manage_lists, manage_dnc, manage_numbers, manage_accounts):
        app.register_blueprint(page)
    app.register_blueprint(metrics)

    @app.errorhandler(NoDialer)
    def _no_dialer(error: NoDialer):  # type: ignore[no-untyped-def]
        return jsonify(error="no_dialer", message=str(error)), 503

    @app.errorhandler(DBAPIError)
    def _database_error(error: DBAPIError):  # type: ignore[no-untyped-def]
        """The database away (a restart, a failover) is the console's 503, said plainly; anything else is a fault."""
        if not unreachable(error):
            app.log_exception((type(error), error, error.__traceback__))
            return _http_error(InternalServerError())
        log.warning("%s %s refused: the database does not answer", request.method, request.path)
        message = "the database does not answer (it may be restarting): nothing was changed; try again in a moment"
        if request.path.startswith("/api/"):
            answer = jsonify(error="database_unavailable", message=message)
        else:
            answer = make_response(render_template("refused.html", message=message))
        answer.status_code = 503
        answer.headers["Retry-After"] = str(DATABASE_RETRY_SECONDS)
        return answer

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException):  # type: ignore[no-untyped-def]
        """A script gets JSON it can act on, also for a path or method that does not exist."""
        if not request.path.startswith("/api/"):
            return error
        name = (error.name or "error").lower().replace(" ", "_")
        return jsonify(error=name, message=error.description), error.code

    @app.get("/api/v1/openapi.json")
    def openapi():  # type: ignore[no-untyped-def]
        """The API's description, for people and for client generators; open to all, it holds no data."""
        return jsonify(openapi_document())

    @app.get("/healthz")
    def health():  # type: ignore[no-untyped-def]
        """Alive: the process answers (a load balancer restarts it when this fails)."""
        return jsonify(status="ok", version=__version__, live=live is not None)

    @app.get("/readyz")
    def ready():  # type: ignore[no-untyped-def]
        """Ready for work: the database answers and, on a station, its engine and ASR service are up (a load
        balancer sends no one here while this says 503)."""
        checks = {"database": database.reachable()}
        station_checks = app.extensions.get("tierdial.readiness")
        if station_checks is not None:
            checks.update(station_checks())
        ready = all(checks.values())
        return jsonify(status="ready" if ready else "not ready", checks=checks), 200 if ready else 503

    return app
