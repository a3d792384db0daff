"""Parsing ``KEY=VALUE`` hyper-parameters given on the command line."""

from __future__ import annotations

from miadeps.exceptions import ConfigError


def _value(text: str):
    lowered = text.lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    if lowered in ("none", "null"):
        return None
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def parse_params(pairs: list[str], option: str) -> dict:
    """``["epochs=100", "width=256"]`` -> ``{"epochs": 100, "width": 256}``."""
    params = {}
    for pair in pairs:
        key, sep, text = pair.partition("=")
        if not sep or not key.strip():
            raise ConfigError(
                f"{option} expects KEY=VALUE, e.g. {option} epochs=100; got {pair!r}"
            )
        params[key.strip().replace("-", "_")] = _value(text.strip())
    return params
