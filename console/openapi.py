"""The API's OpenAPI document, kept beside the code in `openapi.yaml` and served at `/api/v1/openapi.json`."""

from __future__ import annotations

import functools
from pathlib import Path

import yaml

DOCUMENT = Path(__file__).with_name("openapi.yaml")


@functools.cache
def openapi_document() -> dict:
    from tierdial import __version__

    document = yaml.safe_load(DOCUMENT.read_text(encoding="utf-8"))
    document["info"]["version"] = __version__
    return document
