"""How a message repeats a value it was given: at most 40 characters of it, so a pasted page of text makes a
short message. Imports nothing of the app, so every layer can use it."""

from __future__ import annotations

QUOTED = 40  # characters of a given value that a message repeats


def clipped(value: object, limit: int = QUOTED) -> object:
    """A string cut to `limit` characters and an ellipsis; anything else as it is."""
    return value[:limit] + "…" if isinstance(value, str) and len(value) > limit else value


def quoted(value: object, limit: int = QUOTED) -> str:
    """A value as a message quotes it: repr() of at most `limit` characters of it."""
    return repr(clipped(value, limit))
