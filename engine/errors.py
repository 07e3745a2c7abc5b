"""The one error type the engine raises for things a person can fix."""

from __future__ import annotations


class EngineError(Exception):
    """A problem with the user's input or environment, worded so a person can act on it.

    ``message`` says what is wrong (naming the file, line or word), ``hint`` what to do.
    """

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message}\n{self.hint}" if self.hint else self.message
