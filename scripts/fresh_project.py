"""The pytest plugin in a fresh project, as the testing guide tells a new user to set it up.

Run by ``nox -s fresh_project`` in a new virtualenv holding only ``openfactura[testing]``
(installed from a built wheel, not editable, without the ``test`` extra). It writes the files
that ``docs/guides/testing.md`` shows (every fenced block with a ``title="path"`` in the
section "With pytest, from a fresh project": ``pyproject.toml``, the application module, its
async and blocking tests) into an empty temporary directory outside this repository, and runs
``python -m pytest`` there with a clean environment. Any failure, error or missing file fails
the run; it prints the project's files, pytest's output and how long it took.

Standard library only: the virtualenv has nothing else of ours.

    python scripts/fresh_project.py            # uses this interpreter's site-packages
    python scripts/fresh_project.py --keep     # leave the project directory for a look
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GUIDE = ROOT / "docs" / "guides" / "testing.md"
SECTION = "## With pytest, from a fresh project"
TITLED = re.compile(
    r'^```[\w-]*[ \t]+title="(?P<path>[^"]+)"[^\n]*\n(?P<body>.*?)^```[ \t]*$',
    re.MULTILINE | re.DOTALL,
)
EXPECTED = ("pyproject.toml", "billing.py", "tests/test_billing.py")


def project_files(guide: Path = GUIDE) -> dict[str, str]:
    """``{relative path: content}`` of the files the guide's fresh-project section shows."""
    text = guide.read_text(encoding="utf-8")
    start = text.index(SECTION)
    end = text.find("\n## ", start + len(SECTION))
    section = text[start : end if end != -1 else None]
    files = {m["path"]: m["body"] for m in TITLED.finditer(section)}
    missing = [name for name in EXPECTED if name not in files]
    if missing:
        raise SystemExit(f"{guide}: the fresh-project section no longer shows {missing}")
    return files


def _clean_env() -> dict[str, str]:
    """No pytest options, paths or openfactura settings leak in from the caller."""
    return {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PYTEST", "PYTHONPATH", "OPENFACTURA_", "VIRTUAL_ENV_PROMPT"))
    }


def run(keep: bool = False) -> int:
    started = time.monotonic()
    project = Path(tempfile.mkdtemp(prefix="openfactura-fresh-"))
    try:
        for name, body in project_files().items():
            target = project / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(body, encoding="utf-8")
            print(f"wrote {name} ({len(body.splitlines())} lines)")
        env = _clean_env()
        where = subprocess.run(
            [sys.executable, "-c", "import openfactura; print(openfactura.__file__)"],
            cwd=project,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        print(f"openfactura imported from {where}")
        if Path(where).resolve().parent == (ROOT / "openfactura").resolve():
            print("FAIL: openfactura comes from the source tree, not from an installed package")
            return 1
        proc = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
            cwd=project,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        print(proc.stdout + proc.stderr)
        passed = re.search(r"\b(\d+) passed\b", proc.stdout)
        bad = re.search(r"\b\d+ (failed|errors?|skipped|xfailed)\b", proc.stdout)
        warned = re.search(r"\b(\d+) warnings?\b", proc.stdout)
        # a warning from the package (aiohttp's NotAppKeyWarning, say) is a failure too
        ok = proc.returncode == 0 and passed is not None and bad is None and warned is None
        print(
            f"fresh project: {'ok' if ok else 'FAILED'} "
            f"({passed.group(0) if passed else 'nothing passed'}"
            f"{', ' + warned.group(0) if warned else ''}) "
            f"in {time.monotonic() - started:.1f} s"
        )
        return 0 if ok else 1
    finally:
        if keep:
            print(f"project kept in {project}")
        else:
            shutil.rmtree(project, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", action="store_true", help="keep the project directory")
    args = parser.parse_args(argv)
    return run(keep=args.keep)


if __name__ == "__main__":
    sys.exit(main())
