"""Writing a resolved study spec back as TOML, for the reader and for reruns.

The standard library reads TOML but does not write it; specs hold only
tables, strings, numbers, booleans and lists, which this small writer covers.
"""

from __future__ import annotations

import json
import math
import re

__all__ = ["dumps_toml"]

_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


def _key(name: str) -> str:
    return name if _BARE_KEY.match(name) else json.dumps(name)


def _value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        # JSON's escapes of an ASCII-only string are valid in a TOML string.
        return json.dumps(value, ensure_ascii=True)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    if isinstance(value, dict):
        inner = ", ".join(
            f"{_key(k)} = {_value(v)}" for k, v in value.items() if v is not None
        )
        return "{" + inner + "}"
    raise TypeError(f"cannot write {type(value).__name__} {value!r} as TOML")


def _is_table_list(value) -> bool:
    return (
        isinstance(value, list)
        and bool(value)
        and all(isinstance(v, dict) for v in value)
    )


def _table(data: dict, path: list[str], lines: list[str]) -> None:
    for key, value in data.items():
        if value is None or isinstance(value, dict) or _is_table_list(value):
            continue
        lines.append(f"{_key(key)} = {_value(value)}")
    for key, value in data.items():
        if isinstance(value, dict) and value:
            header = ".".join(_key(p) for p in [*path, key])
            lines.extend(["", f"[{header}]"])
            _table(value, [*path, key], lines)
        elif _is_table_list(value):
            header = ".".join(_key(p) for p in [*path, key])
            for item in value:
                lines.extend(["", f"[[{header}]]"])
                # Nested tables inside an array of tables are written inline.
                for k, v in item.items():
                    if v is not None:
                        lines.append(f"{_key(k)} = {_value(v)}")


def dumps_toml(data: dict) -> str:
    """A TOML document for ``data``.

    Parameters
    ----------
    data : dict
        Tables (dicts), arrays of tables (lists of dicts), and values that are
        strings, ints, floats, booleans or lists of them. ``None`` values
        are left out, as TOML has no null.

    Returns
    -------
    str
        The document, ending in a newline.

    Raises
    ------
    TypeError
        If a value has no TOML form.
    """
    lines: list[str] = []
    _table(data, [], lines)
    return "\n".join(lines).lstrip("\n") + "\n"
