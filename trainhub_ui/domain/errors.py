"""Errors a service raises; the API and the pages turn them into answers."""

from __future__ import annotations


class DomainError(Exception):
    """A rule refused the request. `code` is machine-readable; the message is for people."""

    status = 409

    def __init__(self, code: str, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field


class NotFound(DomainError):
    """Missing, or belonging to another centre: both answer the same."""

    status = 404

    def __init__(self, what: str) -> None:
        super().__init__("not_found", f"{what} not found")


class InvalidInput(DomainError):
    status = 422

    def __init__(self, field: str, message: str) -> None:
        super().__init__("invalid", message, field=field)


class TooManyRequests(DomainError):
    """A rate limit was reached; `retry_after` seconds from now a request may come again."""

    status = 429

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__("too_many_requests", message)
        self.retry_after = retry_after


class SignInRefused(DomainError):
    status = 401

    def __init__(self, message: str, *, locked_until: object | None = None) -> None:
        super().__init__("sign_in_refused", message)
        self.locked_until = locked_until
