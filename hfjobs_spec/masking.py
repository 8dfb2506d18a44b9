"""Secret values are masked in everything the command line writes, as GitHub's log masking does.

The core never prints; it only tells a `SecretMask` each secret value it gets hold of (the token,
the environment variables that manifests reference as secrets). The CLI writes through
`MaskedStream`s, so no output (results, errors, `--debug` tracebacks) can show such a value.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any, TextIO

MASK = "***"
# Shorter values would mask ordinary words and numbers all over the output; secrets are longer.
MIN_MASKED_LENGTH = 6
# Always secret, whether or not a manifest references them.
TOKEN_VARIABLES = ("HF_TOKEN", "HUGGING_FACE_HUB_TOKEN")


class SecretMask:
    """A thread-safe set of secret values, and the function that hides them in text."""

    def __init__(self, values: Iterable[str] = ()) -> None:
        self._lock = threading.Lock()
        self._values: set[str] = set()
        self._pattern: re.Pattern[str] | None = None
        for value in values:
            self.add(value)

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> SecretMask:
        return cls(environ.get(name, "") for name in TOKEN_VARIABLES)

    def add(self, value: str | None) -> None:
        if not value or len(value) < MIN_MASKED_LENGTH:
            return
        with self._lock:
            if value not in self._values:
                self._values.add(value)
                self._pattern = None

    def add_variables(self, environ: Mapping[str, str], names: Iterable[str]) -> None:
        for name in names:
            self.add(environ.get(name))

    def __contains__(self, value: object) -> bool:
        return value in self._values

    def mask(self, text: str) -> str:
        pattern = self._compiled()
        return pattern.sub(MASK, text) if pattern is not None else text

    def _compiled(self) -> re.Pattern[str] | None:
        with self._lock:
            if self._pattern is None and self._values:
                # Longest first, so a secret that contains another is hidden whole.
                ordered = sorted(self._values, key=len, reverse=True)
                self._pattern = re.compile("|".join(re.escape(value) for value in ordered))
            return self._pattern


class MaskedStream:
    """A text stream that masks secrets in whatever is written to it, and forwards the rest."""

    def __init__(self, inner: TextIO, mask: SecretMask) -> None:
        self._inner = inner
        self._mask = mask

    def write(self, text: str) -> int:
        if not isinstance(text, str):  # click probes streams with b"" to tell text from binary
            raise TypeError("a text stream takes str")
        self._inner.write(self._mask.mask(text))
        return len(text)

    def writelines(self, lines: Iterable[str]) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        self._inner.flush()

    def isatty(self) -> bool:
        return self._inner.isatty()

    @property
    def encoding(self) -> str:
        return getattr(self._inner, "encoding", None) or "utf-8"

    @property
    def errors(self) -> str | None:
        return getattr(self._inner, "errors", None)

    def __getattr__(self, name: str) -> Any:
        if name == "buffer":  # writing bytes underneath would bypass the mask
            raise AttributeError(name)
        return getattr(self._inner, name)


@contextmanager
def masked_output(mask: SecretMask, streams: Any) -> Iterator[None]:
    """Replace `streams.stdout` and `streams.stderr` (the `sys` module) by masked ones for the block."""
    saved = streams.stdout, streams.stderr
    streams.stdout, streams.stderr = MaskedStream(saved[0], mask), MaskedStream(saved[1], mask)
    try:
        yield
    finally:
        streams.stdout, streams.stderr = saved
