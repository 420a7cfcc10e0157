"""The API's OpenAPI document, kept beside the code in `openapi.yaml` and served at `/api/v1/openapi.json`."""

from __future__ import annotations

import functools
from pathlib import Path

import yaml

DOCUMENT = Path(__file__).with_name("openapi.yaml")
METHODS = {"get", "put", "post", "patch", "delete"}
# Answers any operation can give, added here rather than repeated under each one in the file.
EVERY_OPERATION = {"429": {"$ref": "#/components/responses/TooManyRequests"}}
WITH_A_BODY = {"413": {"$ref": "#/components/responses/TooLarge"}}


@functools.cache
def openapi_document() -> dict:
    from tierdial import __version__

    document = yaml.safe_load(DOCUMENT.read_text(encoding="utf-8"))
    document["info"]["version"] = __version__
    for item in document["paths"].values():
        for method, operation in item.items():
            if method in METHODS:
                more = EVERY_OPERATION | (WITH_A_BODY if "requestBody" in operation else {})
                operation["responses"] = {**operation["responses"], **more}
    return document
