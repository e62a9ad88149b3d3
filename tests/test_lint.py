"""The code passes the ruff config in pyproject.toml, so CI keeps it that way."""
from __future__ import annotations

import subprocess
import sys

from conftest import ROOT


def test_ruff_passes():
    proc = subprocess.run([sys.executable, "-m", "ruff", "check", "--extend-select", "RUF100", "--no-cache", "."],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-1000:]
