"""The thin command line every stage shares: --config, a few flags, key=value overrides."""
from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from common.configfile import load_config
from common.errors import UserError

# Errors a user can fix; anything else (a bare ValueError included) is a bug and keeps its traceback.
USER_ERRORS: tuple[type[BaseException], ...] = (UserError, FileNotFoundError, PermissionError)


def parse(cls, argv: Sequence[str] | None, flags: Sequence[str], default_config: str | None, doc: str | None):
    """Config from --config, then key=value overrides, then the named flags (which win)."""
    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", default=default_config, help="YAML config file (default: %(default)s)")
    for name in flags:
        parser.add_argument("--" + name.replace("_", "-"), dest=name, default=None, help=f"sets '{name}'")
    parser.add_argument("overrides", nargs="*", metavar="key=value", help="override any config key, e.g. split.seed=7")
    args = parser.parse_args(argv)
    overrides = list(args.overrides)
    overrides += [f"{name}={getattr(args, name)}" for name in flags if getattr(args, name) is not None]
    return load_config(cls, args.config, overrides)


def run_stage(cls, fn: Callable, argv, flags, default_config, doc, report: Callable[[dict], str] | None = None) -> int:
    try:
        cfg = parse(cls, argv, flags, default_config, doc)
        result = fn(cfg)
    except USER_ERRORS as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if report is not None:
        print(report(result))
    return 0
