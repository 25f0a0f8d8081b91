"""Exceptions raised by tinyq.

Every problem tinyq detects in a model or in a caller's input is reported as one of these, with a
message that names where it is (subgraph, operator index, op name, tensor) and what is wrong.
"""

from __future__ import annotations


class TinyqError(Exception):
    """Base class of every error tinyq raises on purpose.

    ``where`` is filled in once, by the code that knows the location (for example
    "subgraph 0, operator 3 (CONV_2D)"), and prefixed to the message.
    """

    def __init__(self, message: str, where: str | None = None) -> None:
        self.message = message
        self.where = where
        super().__init__(f"{where}: {message}" if where else message)

    def located(self, where: str) -> TinyqError:
        """Return the same error with ``where`` set, unless it already has a location."""
        if self.where is not None:
            return self
        return type(self)(self.message, where)


class ModelError(TinyqError, ValueError):
    """The model file is malformed or inconsistent (bad flatbuffer, index out of range, ...)."""


class UnsupportedOpError(ModelError):
    """The model is well formed but uses an op, dtype combination or feature tinyq does not run."""


class InputError(TinyqError, ValueError):
    """A caller passed a tensor of the wrong dtype or shape, or an unknown tensor index or name."""


class InvokeError(TinyqError, ValueError):
    """A value met while running cannot be used by the op: an index tensor out of range, a
    data-dependent shape that is invalid, ... LiteRT's ``Invoke`` fails on the same input."""
