"""Errors the engine raises; the web side turns each into an HTTP answer."""


class ProtocolError(Exception):
    """The request as a whole is refused and nothing is applied (a 4xx answer)."""

    def __init__(self, status: int, code: str, message: str, **details):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details


class TransientError(Exception):
    """The database could not be reached or was busy: retry later, nothing was applied."""

    retry_after_seconds = 5


class Rejected(Exception):
    """A mutation broke a rule: it is refused, kept for the office, and the queue moves on."""

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason
        self.message = message
