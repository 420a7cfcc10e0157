"""The exception types a user is meant to read."""


class UserError(Exception):
    """Bad input or configuration: the message says what is wrong and what is allowed.

    The command line prints it without a traceback and exits non-zero.
    """


class NotFound(UserError):
    """The thing named does not exist (an API answers 404)."""
