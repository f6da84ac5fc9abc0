"""Shared fixtures: one `newsflow run` over the seeds per test session."""

import os
import pathlib
import subprocess
import sys

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]


def newsflow_bin():
    path = os.environ.get("NEWSFLOW_BIN", str(REPO / "target" / "debug" / "newsflow"))
    if not pathlib.Path(path).exists():
        pytest.fail(f"newsflow binary not found at {path}: run `make test-python`")
    return path


def run_newsflow(*args, cwd=REPO):
    """Runs newsflow with the venv's python first on PATH (for external stages)."""
    env = dict(os.environ)
    env["PATH"] = str(pathlib.Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    result = subprocess.run(
        [newsflow_bin(), *args], cwd=cwd, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    return result


@pytest.fixture(scope="session")
def out_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("run") / "out"
    run_newsflow("run", "seeds", "-o", str(out), "--quiet")
    return out
