"""Typed stage configs: YAML file -> dataclass, with `key=value` overrides.

    cfg = load_config(EtlConfig, "configs/preprocess/default.yaml", ["split.seed=7"])

Every stage (preprocess, train, predict, pipeline) declares one dataclass and
loads it through here, so all of them share one behaviour: unknown keys are an
error that names the key, CLI values win over the file, and strings coming from
a command line (or SageMaker hyperparameters, which are always strings, with
booleans spelled "True"/"False") are coerced to the declared field type.
"""
from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Iterable
from pathlib import Path
from typing import Any, TypeVar

import yaml

from common.errors import UserError

T = TypeVar("T")

# Values under keys that look like these never reach a log or a written config.
_SECRET_MARKERS = ("secret", "password", "token", "access_key", "session_key", "credential")


class ConfigError(UserError, ValueError):
    """A config value or key is wrong; the message names the key and the fix."""


def load_config(cls: type[T], path: str | Path | None = None, overrides: Iterable[str] = ()) -> T:
    """Build `cls` from an optional YAML file, then apply `key=value` overrides."""
    data: dict[str, Any] = {}
    if path is not None:
        text = _read_text(str(path))
        data = yaml.safe_load(text) or {}
        if not isinstance(data, dict):
            raise ConfigError(f"{path}: expected a mapping of keys to values, found {type(data).__name__}")
    for item in overrides:
        key, sep, raw = item.partition("=")
        if not sep or not key:
            raise ConfigError(f"override '{item}' is not of the form key=value (e.g. split.seed=7)")
        # Kept as the raw string: `coerce` converts it to the field's declared
        # type, so run_id=001 stays "001" instead of becoming the int 1.
        _set_nested(data, key.strip().split("."), raw, cls)
    return build(cls, data)


def _read_text(path: str) -> str:
    if "://" in path:  # s3:// configs for cluster runs
        import fsspec

        with fsspec.open(path, "r") as fh:
            return fh.read()
    try:
        return Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"config file not found: {path}; pass --config with an existing YAML file") from None


def _set_nested(data: dict, keys: list[str], value: Any, cls: Any = None) -> None:
    """data[k1][k2]... = value. A section with a string shorthand (a dataclass declaring
    `shorthand_field`, e.g. `input: PATH` for `input.path`) takes either form from the
    file and from overrides: `input=PATH` then keeps `input.encoding`, and
    `input.encoding=latin-1` works after `input: PATH`."""
    for k in keys[:-1]:
        cls = _section_class(cls, k)
        nxt = data.setdefault(k, {})
        if isinstance(nxt, str) and _shorthand(cls):
            nxt = data[k] = {_shorthand(cls): nxt}
        if not isinstance(nxt, dict):
            raise ConfigError(f"cannot set '{'.'.join(keys)}': '{k}' is not a section")
        data = nxt
    section = _section_class(cls, keys[-1])
    if isinstance(value, str) and _shorthand(section) and isinstance(data.get(keys[-1]), dict):
        data[keys[-1]][_shorthand(section)] = value
    else:
        data[keys[-1]] = value


def _section_class(cls: Any, key: str) -> Any:
    """The dataclass type of field `key` of dataclass `cls` (Optional unwrapped), else None."""
    if cls is None or not dataclasses.is_dataclass(cls):
        return None
    hint = typing.get_type_hints(cls).get(key)
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        hint = next((a for a in typing.get_args(hint) if a is not type(None)), None)
    return hint if dataclasses.is_dataclass(hint) else None


def _shorthand(cls: Any) -> str | None:
    return getattr(cls, "shorthand_field", None) if cls is not None else None


def build(cls: type[T], data: dict[str, Any], prefix: str = "") -> T:
    """Construct dataclass `cls` from plain data, recursing into nested sections."""
    if not isinstance(data, dict):
        raise ConfigError(f"'{prefix.rstrip('.') or cls.__name__}' must be a mapping, found {data!r}")
    hints = typing.get_type_hints(cls)
    known = [f.name for f in dataclasses.fields(cls)]
    unknown = sorted(set(data) - set(known))
    if unknown:
        raise ConfigError(
            f"unknown config key '{prefix}{unknown[0]}' for {cls.__name__}; known keys: {', '.join(known)}"
        )
    kwargs = {name: coerce(data[name], hints[name], prefix + name) for name in known if name in data}
    try:
        return cls(**kwargs)
    except ConfigError:
        raise
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{prefix or cls.__name__}: {exc}") from None


def coerce(value: Any, hint: Any, key: str) -> Any:
    """Convert `value` to the annotated type, or raise naming `key`."""
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        if value is None or (isinstance(value, str) and value.lower() in ("none", "null")):
            return None
        return coerce(value, args[0], key)
    if dataclasses.is_dataclass(hint):
        if isinstance(value, str) and _shorthand(hint):
            value = {_shorthand(hint): value}
        return value if isinstance(value, hint) else build(hint, value or {}, key + ".")
    if hint is Any:
        return yaml.safe_load(value) if isinstance(value, str) else value
    if origin in (list, tuple):
        if isinstance(value, str):
            parsed = yaml.safe_load(value)
            value = parsed if isinstance(parsed, list) else [v for v in value.split(",") if v]
        (inner,) = typing.get_args(hint)[:1] or (Any,)
        return [coerce(v, inner, f"{key}[{i}]") for i, v in enumerate(value)]
    if origin is dict or hint is dict:
        if isinstance(value, str):
            value = yaml.safe_load(value)
        if not isinstance(value, dict):
            raise ConfigError(f"'{key}' must be a mapping, found {value!r}")
        return dict(value)
    if hint is bool:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in ("true", "false", "1", "0", "yes", "no"):
            return value.strip().lower() in ("true", "1", "yes")
        raise ConfigError(f"'{key}' must be true or false, found {value!r}")
    if hint in (int, float):
        try:
            if hint is int and isinstance(value, float) and not value.is_integer():
                raise ValueError
            return hint(value)
        except (TypeError, ValueError):
            raise ConfigError(f"'{key}' must be {hint.__name__}, found {value!r}") from None
    if hint is str:
        if isinstance(value, (dict, list)):
            raise ConfigError(f"'{key}' must be a string, found {value!r}")
        return str(value)
    return value


def to_dict(cfg: Any) -> dict[str, Any]:
    """Plain-data view of a config with secret-looking values masked."""
    return _mask(dataclasses.asdict(cfg))


def _mask(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {
            k: ("***" if any(m in str(k).lower() for m in _SECRET_MARKERS) and v else _mask(v))
            for k, v in obj.items()
        }
    if isinstance(obj, list):
        return [_mask(v) for v in obj]
    if isinstance(obj, str) and "://" in obj and "@" in obj.split("://", 1)[1].split("/", 1)[0]:
        scheme, rest = obj.split("://", 1)  # user:password@host URLs
        return f"{scheme}://***@{rest.split('@', 1)[1]}"
    return obj


def check_fraction(key: str, value: float) -> None:
    if not 0.0 <= value <= 1.0:
        raise ConfigError(f"'{key}' must be between 0 and 1, found {value}")
