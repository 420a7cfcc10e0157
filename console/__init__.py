"""The Flask web console and REST API: agents, supervisors and scripts."""

from console.app import create_app

__all__ = ["create_app"]
