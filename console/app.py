"""Application factory. No module builds an app at import time."""

from __future__ import annotations

from flask import Flask, jsonify

from tierdial import __version__
from tierdial.config import Config


def create_app(config: Config) -> Flask:
    app = Flask(__name__)
    app.config["TIERDIAL"] = config

    @app.get("/healthz")
    def health():  # type: ignore[no-untyped-def]
        return jsonify(status="ok", version=__version__)

    return app
