"""pip-audit of openfactura's dependency set: a vulnerability fails, no network skips.

What is audited: every distribution that ``openfactura[cli,testing,redis]`` pulls in (the
package's runtime dependencies and the extras users install), at the versions installed in
this environment, found by walking the installed metadata (requirements, extras, markers).
Development tools (pytest, nox, pip-audit itself...) are not part of it.

Verdict (exit code):

* ``0`` no known vulnerability; or ``skipped: no network`` when the vulnerability service
  cannot be reached (no DNS, refused, timed out, a 5xx, or it knows none of the packages:
  a mirror that answers 404 for everything audits nothing and says so);
* ``1`` a known vulnerability in the dependency set (each is listed with its fix);
* ``2`` the audit itself broke (pip-audit missing, bad arguments...): never a silent pass.

Run: ``nox -s audit`` or ``python scripts/audit.py [--extras cli,testing,redis]
[--service pypi|osv]``.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shlex
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import metadata

ROOT = "openfactura"
DEFAULT_EXTRAS = ("cli", "testing", "redis")

NETWORK_FAILURES = re.compile(
    "|".join(
        [
            r"network may be blocking",  # pip-audit's own advice on a service ConnectionError
            r"Could not connect to",
            r"ConnectionError",
            r"NameResolutionError",
            r"Failed to resolve",
            r"Name or service not known",
            r"Temporary failure in name resolution",
            r"nodename nor servname",
            r"Network is unreachable",
            r"Connection refused",
            r"Connection reset",
            r"Max retries exceeded",
            r"ConnectTimeout",
            r"ReadTimeout",
            r"timed out",
            r"ProxyError",
            r"SSLError",
            r"ServiceError",  # the service answered an HTTP error (5xx...)
            r"Server Error",
        ]
    ),
    re.IGNORECASE,
)
UNKNOWN_TO_SERVICE = re.compile(r"not found on PyPI|could not be audited", re.IGNORECASE)


@dataclass(frozen=True)
class AuditRun:
    """What pip-audit did: its exit code and output."""

    returncode: int
    stdout: str
    stderr: str


@dataclass(frozen=True)
class Verdict:
    exit_code: int
    message: str


def judge(run: AuditRun) -> Verdict:
    """The CI verdict for one pip-audit run (``--format json``); pure, no I/O."""
    report = _parse(run.stdout)
    if report is None:
        if run.returncode != 0 and NETWORK_FAILURES.search(run.stderr + run.stdout):
            return Verdict(
                0,
                "skipped: no network (the vulnerability service could not be reached: "
                f"{_last_line(run.stderr or run.stdout)})",
            )
        return Verdict(
            2,
            f"pip-audit failed (exit {run.returncode}) without a report: "
            f"{_last_line(run.stderr or run.stdout) or 'no output'}",
        )
    found = [
        (dep.get("name", "?"), dep.get("version", "?"), vuln)
        for dep in report
        for vuln in dep.get("vulns") or []
    ]
    if found:
        lines = [
            f"  {name} {version}: {vuln.get('id', '?')}"
            + (f" (aliases {', '.join(vuln['aliases'])})" if vuln.get("aliases") else "")
            + (
                f", fixed in {', '.join(vuln['fix_versions'])}"
                if vuln.get("fix_versions")
                else ", no fix yet"
            )
            for name, version, vuln in found
        ]
        packages = len({name for name, _, _ in found})
        return Verdict(
            1,
            f"FAILED: {len(found)} known vulnerabilit{'y' if len(found) == 1 else 'ies'} "
            f"in {packages} package(s) of the dependency set:\n" + "\n".join(lines),
        )
    skipped = [dep for dep in report if dep.get("skip_reason")]
    audited = [dep for dep in report if not dep.get("skip_reason")]
    if (
        skipped
        and not audited
        and all(UNKNOWN_TO_SERVICE.search(d["skip_reason"]) for d in skipped)
    ):
        return Verdict(
            0,
            "skipped: no network (the vulnerability service answered for none of the "
            f"{len(skipped)} packages: {skipped[0]['skip_reason']})",
        )
    if run.returncode != 0:
        return Verdict(2, f"pip-audit exited {run.returncode}: {_last_line(run.stderr)}")
    note = ""
    if skipped:
        names = ", ".join(str(d.get("name")) for d in skipped)
        note = f" ({len(skipped)} not audited: {names})"
    return Verdict(0, f"ok: no known vulnerabilities in {len(audited)} packages{note}")


def _parse(stdout: str) -> list[dict[str, object]] | None:
    text = stdout.strip()
    if not text.startswith("{"):
        return None
    try:
        data = json.loads(text)
    except ValueError:
        return None
    deps = data.get("dependencies") if isinstance(data, dict) else None
    if not isinstance(deps, list):
        return None
    return [dep for dep in deps if isinstance(dep, dict)]


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[-1][:300] if lines else ""


# -- the dependency set -------------------------------------------------------------------


def dependency_set(root: str = ROOT, extras: Iterable[str] = DEFAULT_EXTRAS) -> dict[str, str]:
    """``{name: installed version}`` of everything ``root[extras]`` requires, recursively."""
    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    top = canonicalize_name(root)
    pending: list[tuple[str, frozenset[str]]] = [(top, frozenset(extras))]
    walked: dict[str, set[str]] = {}
    pins: dict[str, str] = {}
    while pending:
        name, wanted = pending.pop()
        if name in walked and wanted <= walked[name]:
            continue
        active = walked.setdefault(name, set())
        active |= wanted
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            raise SystemExit(
                f"audit: {name} is required but not installed; install the package first "
                f"(pip install -e '.[{','.join(sorted(extras))}]')"
            ) from None
        if name != top:
            pins[name] = dist.version
        for text in dist.requires or []:
            req = Requirement(text)
            marker = req.marker
            if marker is None or any(marker.evaluate({"extra": e}) for e in ("", *active)):
                pending.append((canonicalize_name(req.name), frozenset(req.extras)))
    return dict(sorted(pins.items()))


# -- running pip-audit ------------------------------------------------------------------


def run_pip_audit(
    pins: dict[str, str], *, command: Sequence[str], service: str, timeout: float
) -> AuditRun:
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as handle:
        handle.writelines(f"{name}=={version}\n" for name, version in pins.items())
        path = handle.name
    args = [
        *command,
        "--requirement",
        path,
        "--no-deps",  # the list is already the whole, pinned set
        "--disable-pip",
        "--format",
        "json",
        "--progress-spinner",
        "off",
        "--vulnerability-service",
        service,
        "--timeout",
        str(int(timeout)),
    ]
    try:
        done = subprocess.run(args, capture_output=True, text=True, timeout=timeout * 10)
    except FileNotFoundError:
        return AuditRun(127, "", f"pip-audit not found: {shlex.join(command)}")
    except subprocess.TimeoutExpired:
        return AuditRun(124, "", "pip-audit timed out (ReadTimeout)")
    finally:
        os.unlink(path)
    return AuditRun(done.returncode, done.stdout, done.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--extras", default=",".join(DEFAULT_EXTRAS))
    parser.add_argument("--service", choices=("pypi", "osv"), default="pypi")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds per query")
    parser.add_argument(
        "--pip-audit",
        default=f"{shlex.quote(sys.executable)} -m pip_audit",
        help="the pip-audit command (default: this interpreter's pip_audit module)",
    )
    args = parser.parse_args(argv)
    extras = [e.strip() for e in args.extras.split(",") if e.strip()]
    pins = dependency_set(ROOT, extras)
    print(f"audit: {len(pins)} packages of {ROOT}[{','.join(extras)}] via {args.service}:")
    print("  " + " ".join(f"{name}=={version}" for name, version in pins.items()))
    run = run_pip_audit(
        pins, command=shlex.split(args.pip_audit), service=args.service, timeout=args.timeout
    )
    verdict = judge(run)
    print(f"audit: {verdict.message}")
    return verdict.exit_code


if __name__ == "__main__":
    sys.exit(main())
