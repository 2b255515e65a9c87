"""What every command shares: configuration, the client, output, errors and exit codes.

A command module uses it like this::

    import click

    from . import _common as common


    @click.command("org", short_help="The company behind the API key.")
    @common.api_options
    @click.pass_context
    def org(ctx: click.Context) -> None:
        \"\"\"The company behind the API key.\"\"\"
        with common.open_client(ctx) as client:
            record = client.organization.get()
        common.show(ctx, common.to_json(record), lambda console: console.print(record.rut))

* :func:`api_options` adds ``--json``, ``--api-key``, ``--env``, ``--config`` and
  ``--timeout`` to a command (the same options are accepted before the command name);
* :func:`open_client` / :func:`open_async_client` build the client from the resolved
  :class:`Settings` (flags, then the environment, then the config file);
* :func:`show` prints the JSON form with ``--json`` (and nothing else on stdout), or calls
  the human renderer with a ``rich`` console;
* an :class:`~openfactura.OpenfacturaError` or a :class:`CliError` escaping a command is
  printed by :func:`report_error` (the API's code, message and field details; never a
  traceback, never the key) and turned into an exit code (:data:`EXIT_ERROR`...).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import decimal
import enum
import json
import math
import os
import stat
import sys
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import attrs
import click

if TYPE_CHECKING:
    from rich.console import Console

    from .._client import AsyncOpenfactura, Openfactura

__all__ = [
    "CONFIG_KEYS",
    "EXIT_ERROR",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "EXIT_PARTIAL",
    "EXIT_USAGE",
    "RATE_LIMITS_ENV",
    "CliError",
    "CliState",
    "Settings",
    "api_options",
    "config_path",
    "error_console",
    "exit_code_for",
    "json_option",
    "open_async_client",
    "open_client",
    "print_json",
    "rate_limits_override",
    "report_error",
    "resolve_settings",
    "show",
    "state",
    "to_json",
]

EXIT_OK = 0
"""Success."""
EXIT_ERROR = 1
"""The API refused the request, a document is invalid, the API could not be reached..."""
EXIT_USAGE = 2
"""Bad command line or configuration (unknown option, no API key, demo key on production)."""
EXIT_PARTIAL = 3
"""A bulk run finished with some documents not issued."""
EXIT_INTERRUPTED = 130
"""Stopped by Ctrl-C (a bulk run: what was in flight finished or is journaled as in flight)."""

RATE_LIMITS_ENV = "OPENFACTURA_RATE_LIMITS"
"""Client-side rate limits for a local sandbox or a test server (:func:`rate_limits_override`)."""

CONFIG_KEYS = ("api_key", "env", "base_url", "timeout")
"""The keys a config file may set."""

_CLIENT_OPTIONS: dict[str, Any] = {}
"""Extra keyword arguments for every client the CLI makes. Empty in production; the tests
compress the rate limits here so a suite of commands runs in seconds."""

F = TypeVar("F", bound=Callable[..., Any])


# -- state and settings -------------------------------------------------------------------


@attrs.define
class CliState:
    """What the options of the root group and of the command set (command's win)."""

    json: bool = False
    api_key: str | None = attrs.field(default=None, repr=False)
    env: str | None = None
    config: Path | None = None
    timeout: float | None = None
    debug: bool = False
    secrets: list[str] = attrs.field(factory=list, repr=False)
    """Every key seen, masked out of anything the CLI prints."""


def state(ctx: click.Context) -> CliState:
    """The :class:`CliState` of this invocation (on the root context)."""
    return ctx.find_root().ensure_object(CliState)


@attrs.frozen
class Settings:
    """The resolved configuration, with where each value came from."""

    api_key: str | None = attrs.field(repr=False)
    api_key_source: str
    environment: str | None
    """``"production"``/``"development"``, or ``None`` for a custom URL (a local sandbox)."""
    base_url: str
    target_source: str
    timeout: float
    timeout_source: str
    config_file: Path
    config_loaded: bool

    @property
    def key_hint(self) -> str:
        key = self.api_key or ""
        return "****" + key[-4:] if len(key) > 8 else ("****" if key else "(none)")


def config_path(explicit: Path | None = None) -> Path:
    """``--config``, else ``$OPENFACTURA_CONFIG``, else ``config.toml`` in the user config
    directory (``~/.config/openfactura/`` on Linux, ``~/Library/Application
    Support/openfactura/`` on macOS, ``%APPDATA%\\openfactura\\`` on Windows)."""
    if explicit is not None:
        return explicit
    from_env = os.environ.get("OPENFACTURA_CONFIG")
    if from_env:
        return Path(from_env).expanduser()
    return Path(click.get_app_dir("openfactura")) / "config.toml"


def _load_toml(path: Path) -> dict[str, Any]:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        import tomli as tomllib
    try:
        with path.open("rb") as handle:
            data: dict[str, Any] = tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise CliError(f"config file {path} is not valid TOML: {exc}", EXIT_USAGE) from None
    except OSError as exc:
        raise CliError(f"cannot read config file {path}: {exc.strerror}", EXIT_USAGE) from None
    unknown = sorted(set(data) - set(CONFIG_KEYS))
    if unknown:
        raise CliError(
            f"config file {path}: unknown key(s) {', '.join(unknown)} "
            f"(known: {', '.join(CONFIG_KEYS)})",
            EXIT_USAGE,
        )
    for name in ("api_key", "env", "base_url"):
        if name in data and not isinstance(data[name], str):
            raise CliError(f"config file {path}: {name} must be a string", EXIT_USAGE)
    if "timeout" in data and (
        isinstance(data["timeout"], bool) or not isinstance(data["timeout"], (int, float))
    ):
        raise CliError(f"config file {path}: timeout must be a number of seconds", EXIT_USAGE)
    _warn_if_readable(path, data)
    return data


def _warn_if_readable(path: Path, data: Mapping[str, Any]) -> None:
    if "api_key" not in data or os.name != "posix":
        return
    with contextlib.suppress(OSError):
        if path.stat().st_mode & (stat.S_IRGRP | stat.S_IROTH):
            error_console().print(
                f"warning: {path} holds an API key and other users can read it (chmod 600 {path})",
                markup=False,
                highlight=False,
            )


def _target(value: str, source: str) -> tuple[str | None, str]:
    """``(environment name or None, base URL)`` from ``development``/``production``/a URL."""
    from .._client import ENVIRONMENTS

    text = value.strip()
    if text.lower() in ENVIRONMENTS:
        return text.lower(), ENVIRONMENTS[text.lower()]
    if text.lower().startswith(("http://", "https://")):
        if source == "OPENFACTURA_ENV":  # as in the library: names only there
            raise CliError(
                f"OPENFACTURA_ENV is development or production, not {value!r}: "
                "put a URL in OPENFACTURA_BASE_URL",
                EXIT_USAGE,
            )
        return None, text.rstrip("/")
    raise CliError(
        f"{source}: {value!r} is not an environment: use development, production or a URL "
        "such as http://127.0.0.1:8080 (a local sandbox)",
        EXIT_USAGE,
    )


def resolve_settings(ctx: click.Context) -> Settings:
    """Flags, then ``OPENFACTURA_*`` variables, then the config file, then the defaults.

    Within one level a base URL beats an environment name (``OPENFACTURA_BASE_URL`` over
    ``OPENFACTURA_ENV``, ``base_url`` over ``env`` in the file).
    """
    st = state(ctx)
    path = config_path(st.config)
    if st.config is not None and not path.is_file():
        raise CliError(f"config file {path} does not exist", EXIT_USAGE)
    config = _load_toml(path) if path.is_file() else {}
    loaded = path.is_file()
    where = f"config file {path}"

    key: str | None = None
    key_source = "none"
    for value, source in (
        (st.api_key, "--api-key"),
        (os.environ.get("OPENFACTURA_API_KEY"), "OPENFACTURA_API_KEY"),
        (config.get("api_key"), where),
    ):
        if value and value.strip():
            key, key_source = value.strip(), source
            break
    if key:
        st.secrets.append(key)

    candidates = (
        (st.env, "--env"),
        (os.environ.get("OPENFACTURA_BASE_URL"), "OPENFACTURA_BASE_URL"),
        (os.environ.get("OPENFACTURA_ENV"), "OPENFACTURA_ENV"),
        (config.get("base_url"), f"{where} (base_url)"),
        (config.get("env"), f"{where} (env)"),
        ("production", "default"),
    )
    value, target_source = next((v, s) for v, s in candidates if v and v.strip())
    environment, base_url = _target(value, target_source)

    timeout, timeout_source = 30.0, "default"
    if st.timeout is not None:
        timeout, timeout_source = st.timeout, "--timeout"
    elif "timeout" in config:
        timeout, timeout_source = float(config["timeout"]), where
    return Settings(
        api_key=key,
        api_key_source=key_source,
        environment=environment,
        base_url=base_url,
        target_source=target_source,
        timeout=timeout,
        timeout_source=timeout_source,
        config_file=path,
        config_loaded=loaded,
    )


def _client_kwargs(ctx: click.Context) -> dict[str, Any]:
    settings = resolve_settings(ctx)
    if not settings.api_key:
        raise CliError(
            "no API key: pass --api-key, set OPENFACTURA_API_KEY, or put api_key in "
            f"{settings.config_file} (for a local sandbox, see `openfactura sandbox --help`)",
            EXIT_USAGE,
        )
    return {
        "api_key": settings.api_key,
        "environment": settings.environment,
        "base_url": settings.base_url,
        "timeout": settings.timeout,
        **rate_limits_override(settings),
        **_CLIENT_OPTIONS,
    }


def rate_limits_override(settings: Settings) -> dict[str, Any]:
    """``OPENFACTURA_RATE_LIMITS``: the client's rate limits, for testing against a URL.

    ``"3/0.05,100/1"`` is 3 calls in any 0.05 s and 100 in any second (``CALLS/SECONDS``,
    comma-separated); ``off`` disables them. It lets a test (or a demo) drive a sandbox
    started with compressed windows without waiting minutes. Only for a custom URL (a
    local sandbox, a test server): with ``production`` or ``development`` the API's own
    limits apply and the variable is refused (:data:`EXIT_USAGE`). Unset: the client's
    defaults (3/s and 100/min). Returns the client keyword arguments to add.
    """
    text = os.environ.get(RATE_LIMITS_ENV, "").strip()
    if not text:
        return {}
    if settings.environment is not None:
        raise CliError(
            f"{RATE_LIMITS_ENV} is for a local sandbox or a test server (a URL): the "
            f"{settings.environment} API has fixed limits (3/s, 100/min); unset it",
            EXIT_USAGE,
        )
    if text.lower() in ("off", "none"):
        return {"rate_limits": None}
    from .._ratelimit import RateLimit

    limits: list[RateLimit] = []
    for part in text.split(","):
        calls, _, seconds = part.strip().partition("/")
        try:
            period = float(seconds)
            if not math.isfinite(period):
                raise ValueError(seconds)
            limits.append(RateLimit(int(calls), period))
        except ValueError:
            raise CliError(
                f"{RATE_LIMITS_ENV}={text!r}: expected CALLS/SECONDS[,CALLS/SECONDS...] "
                "(e.g. 3/0.05,100/1) or off",
                EXIT_USAGE,
            ) from None
    return {"rate_limits": tuple(limits)}


@contextlib.contextmanager
def open_client(ctx: click.Context) -> Iterator[Openfactura]:
    """The blocking client for this invocation's settings, closed on exit."""
    from .._client import Openfactura

    client = Openfactura(**_client_kwargs(ctx))
    try:
        yield client
    finally:
        client.close()


def open_async_client(ctx: click.Context) -> AsyncOpenfactura:
    """An :class:`~openfactura.AsyncOpenfactura` for this invocation's settings.

    Make it inside the coroutine that uses it and close it there (``async with``)::

        async def run() -> None:
            async with common.open_async_client(ctx) as client:
                ...
        asyncio.run(run())
    """
    from .._client import AsyncOpenfactura

    return AsyncOpenfactura(**_client_kwargs(ctx))


# -- options ------------------------------------------------------------------------------


def _setter(name: str) -> Callable[[click.Context, click.Parameter, Any], Any]:
    def callback(ctx: click.Context, _param: click.Parameter, value: Any) -> Any:
        if value is not None and value is not False:
            setattr(state(ctx), name, value)
        return value

    return callback


def json_option(func: F) -> F:
    """``--json``: print machine-readable JSON on stdout, and nothing else there."""
    return click.option(
        "--json",
        "json_output",
        is_flag=True,
        default=False,
        expose_value=False,
        callback=_setter("json"),
        help="Print JSON on stdout (nothing else goes there).",
    )(func)


def connection_options(func: F) -> F:
    """``--api-key``, ``--env``, ``--config``, ``--timeout``."""
    options = [
        click.option(
            "--api-key",
            metavar="KEY",
            expose_value=False,
            callback=_setter("api_key"),
            help="API key (default: OPENFACTURA_API_KEY, then the config file; prefer "
            "those: other users can see a flag in the process list).",
        ),
        click.option(
            "--env",
            metavar="development|production|URL",
            expose_value=False,
            callback=_setter("env"),
            help="Where to send requests (default: OPENFACTURA_BASE_URL, OPENFACTURA_ENV, "
            "the config file, then production). A URL is a local sandbox or a proxy.",
        ),
        click.option(
            "--config",
            type=click.Path(dir_okay=False, path_type=Path),
            expose_value=False,
            callback=_setter("config"),
            help="Config file (default: OPENFACTURA_CONFIG, then config.toml in the user "
            "config directory: see `openfactura config`).",
        ),
        click.option(
            "--timeout",
            type=click.FloatRange(min=0, min_open=True),
            metavar="SECONDS",
            expose_value=False,
            callback=_setter("timeout"),
            help="Deadline of each API call (default 30).",
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def api_options(func: F) -> F:
    """Every option of a command that calls the API: ``--json`` and the connection ones."""
    return json_option(connection_options(func))


# -- output -------------------------------------------------------------------------------


def console() -> Console:
    """A ``rich`` console on stdout (human output)."""
    from rich.console import Console

    return Console(highlight=False)


def error_console() -> Console:
    """A ``rich`` console on stderr (progress, messages, errors)."""
    from rich.console import Console

    return Console(stderr=True, highlight=False)


def _json_default(value: Any) -> Any:
    if isinstance(value, decimal.Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, (bytes, bytearray)):
        import base64

        return base64.b64encode(value).decode("ascii")
    if attrs.has(type(value)):
        return to_json(value)
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def to_json(value: Any) -> Any:
    """An SDK model in the API's wire shape (``RUTRecep``, ``MntTotal``...), for ``--json``."""
    from .._converter import unstructure

    if attrs.has(type(value)):
        return unstructure(value)
    if isinstance(value, list):
        return [to_json(item) for item in value]
    return value


def print_json(data: Any, *, one_line: bool = False) -> None:
    """``data`` as JSON on stdout (UTF-8; indented, or on one line for a stream)."""
    indent = None if one_line else 2
    click.echo(json.dumps(data, ensure_ascii=False, indent=indent, default=_json_default))


def show(ctx: click.Context, data: Any, human: Callable[[Console], None]) -> None:
    """``data`` as JSON with ``--json``, else ``human(console)``."""
    if state(ctx).json:
        print_json(data)
    else:
        human(console())


def say(ctx: click.Context, text: str) -> None:
    """A progress message: stdout for humans, stderr under ``--json``."""
    target = error_console() if state(ctx).json else console()
    target.print(text, markup=False, highlight=False)


# -- errors -------------------------------------------------------------------------------


class CliError(click.ClickException):
    """A one-line error of the command line itself (bad file, port in use...)."""

    def __init__(self, message: str, exit_code: int = EXIT_ERROR) -> None:
        super().__init__(message)
        self.exit_code = exit_code  # type: ignore[misc]  # click declares a class default


def exit_code_for(exc: BaseException) -> int:
    """:data:`EXIT_USAGE` for configuration problems, :data:`EXIT_ERROR` for the rest."""
    from .._exceptions import ConfigurationError

    if isinstance(exc, CliError):
        return exc.exit_code
    if isinstance(exc, ConfigurationError):
        return EXIT_USAGE
    return EXIT_ERROR


def _error_record(exc: BaseException) -> dict[str, Any]:
    from .._exceptions import (
        APIError,
        OutcomeUnknownError,
        RateLimitError,
        ResponseDecodeError,
        ValidationError,
        WaitTimeoutError,
    )

    public = next(k for k in type(exc).__mro__ if not k.__name__.startswith("_"))
    record: dict[str, Any] = {"type": public.__name__}
    if isinstance(exc, CliError):
        record["message"] = exc.message
    elif isinstance(exc, APIError):
        record.update(status=exc.status, code=exc.code, message=exc.message)
        record["details"] = [{"field": d.field, "issue": d.issue} for d in exc.details]
        if exc.hint:
            record["hint"] = exc.hint
        if isinstance(exc, RateLimitError):
            record["retry_after"] = exc.retry_after
            if exc.ends_at is not None:
                record["ends_at"] = str(exc.ends_at)
    elif isinstance(exc, ValidationError):
        record["message"] = exc.message
        record["details"] = [{"field": p.field, "issue": p.issue} for p in exc.problems]
    elif isinstance(exc, ResponseDecodeError):
        record["message"] = str(exc).split("\n", 1)[0]
        record["status"] = getattr(exc, "status", None)
        problems = getattr(exc, "problems", [])
        record["details"] = [{"field": str(f), "issue": str(i)} for f, i in problems]
    elif isinstance(exc, OutcomeUnknownError):
        record["message"] = exc.reason
        record["idempotency_key"] = exc.idempotency_key
        record["hint"] = (
            f"Re-run with --idempotency-key {exc.idempotency_key}: if the document was "
            "emitted you get it back, and no second one is made."
        )
    elif isinstance(exc, WaitTimeoutError):
        record["message"] = str(exc)
        record["tokens"] = exc.tokens
        record["statuses"] = exc.statuses
    else:
        record["message"] = str(exc).split("\n", 1)[0] or type(exc).__name__
    return record


def _human(record: Mapping[str, Any]) -> str:
    head = "Error"
    tags = [str(record[k]) for k in ("code",) if record.get(k)]
    if record.get("status"):
        tags.append(f"HTTP {record['status']}")
    if tags:
        head += f" ({', '.join(tags)})"
    lines = [f"{head}: {record.get('message') or record['type']}"]
    lines += [f"  {d['field']}: {d['issue']}" for d in record.get("details", [])]
    for token in record.get("tokens", []):
        lines.append(f"  {token}: {record.get('statuses', {}).get(token, 'undecided')}")
    if record.get("hint"):
        lines.append(f"  hint: {record['hint']}")
    return "\n".join(lines)


def _mask(text: str, secrets: list[str]) -> str:
    from .._exceptions import redact

    for secret in secrets:
        text = redact(text, secret)
    return text


def report_error(
    ctx: click.Context, exc: BaseException, *, extra: Mapping[str, Any] | None = None
) -> int:
    """Print ``exc`` and return its exit code.

    On stderr always; under ``--json`` also ``{"error": {...}, **extra}`` on stdout (type,
    message, and where known status, code, details as ``[{"field", "issue"}]``, hint,
    idempotency_key, tokens...). The API key is masked out of everything printed.
    """
    st = state(ctx)
    record = _error_record(exc)
    click.echo(_mask(_human(record), st.secrets), err=True)
    if st.json:
        document = {"error": record, **(extra or {})}
        text = _mask(json.dumps(document, ensure_ascii=False, default=_json_default), st.secrets)
        print_json(json.loads(text))
    return exit_code_for(exc)
