"""What every management form does alike: required fields, a message after an action, bad input shown on the page."""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, flash, redirect, request, url_for
from werkzeug.wrappers import Response

from tierdial.errors import NotFound, UserError

Page = Callable[[str | None], str]  # renders a management page, with an error to show or None


def required(field: str, what: str) -> str:
    """A form field that must not be blank, stripped; `what` tells the person what to type."""
    value = request.form.get(field, "").strip()
    if not value:
        raise UserError(f"{what}: this field is required")
    return value


def done(message: str, endpoint: str, **values: object) -> Response:
    flash(message)
    return redirect(url_for(endpoint, **values))


def show_errors_on(blueprint: Blueprint, page: Page) -> None:
    """A refused action re-renders `page` with the reason: nothing was changed (the transaction rolled back)."""

    def refused(error: UserError) -> tuple[str, int]:
        return page(str(error)), 404 if isinstance(error, NotFound) else 400

    blueprint.register_error_handler(UserError, refused)
