"""Configuration: flags, then OPENFACTURA_* variables, then the config file; and the keys
that are refused for a host (in the library as well as on the command line)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from cli_helpers import DEMO_KEY, Run, json_out, no_traceback
from click.testing import CliRunner, Result

import openfactura
from openfactura.cli._app import cli

OWN_KEY = "0123456789abcdef0123456789abcdef"
OTHER_KEY = "fedcba9876543210fedcba9876543210"
DEV = "https://dev-api.haulmer.com"
PROD = "https://api.haulmer.com"


def invoke(*args: object) -> Result:
    return CliRunner().invoke(cli, [str(a) for a in args], prog_name="openfactura")


def test_defaults_and_config_location(clean_env: Path) -> None:
    data = json_out(invoke("config", "--json"))
    assert data == {
        "config_file": str(clean_env),
        "config_file_exists": False,
        "api_key": "(none)",
        "api_key_source": "none",
        "environment": "production",
        "base_url": PROD,
        "base_url_source": "default",
        "timeout": 30.0,
        "timeout_source": "default",
    }
    human = invoke("config")
    assert str(clean_env) in human.stdout.replace("\n", "") and "not present" in human.stdout


def test_default_config_file_is_in_the_user_config_dir(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("OPENFACTURA_CONFIG")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    if sys.platform != "linux":
        pytest.skip("the XDG layout is Linux's")
    data = json_out(invoke("config", "--json"))
    assert data["config_file"] == str(tmp_path / "xdg" / "openfactura" / "config.toml")


def test_precedence_flag_then_environment_then_file(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    clean_env.write_text(
        f'api_key = "{OWN_KEY}"\nenv = "development"\nbase_url = "http://127.0.0.1:9"\n'
        "timeout = 12.5\n"
    )
    clean_env.chmod(0o600)
    from_file = json_out(invoke("config", "--json"))
    assert from_file["api_key"] == "****cdef"
    assert from_file["api_key_source"] == f"config file {clean_env}"
    # base_url beats env in the same file
    assert from_file["base_url"] == "http://127.0.0.1:9" and from_file["environment"] is None
    assert from_file["timeout"] == 12.5
    monkeypatch.setenv("OPENFACTURA_API_KEY", OTHER_KEY)
    monkeypatch.setenv("OPENFACTURA_ENV", "development")
    from_env = json_out(invoke("config", "--json"))
    assert from_env["api_key"] == "****3210" and from_env["api_key_source"] == "OPENFACTURA_API_KEY"
    assert from_env["base_url"] == DEV and from_env["base_url_source"] == "OPENFACTURA_ENV"
    monkeypatch.setenv("OPENFACTURA_BASE_URL", "http://127.0.0.1:7/")
    assert json_out(invoke("config", "--json"))["base_url"] == "http://127.0.0.1:7"
    from_flags = json_out(
        invoke("config", "--api-key", DEMO_KEY, "--env", "production", "--timeout", "3", "--json")
    )
    assert from_flags["api_key"] == "****4bd3" and from_flags["api_key_source"] == "--api-key"
    assert from_flags["base_url"] == PROD and from_flags["base_url_source"] == "--env"
    assert from_flags["timeout"] == 3.0
    # the command's own flag beats the one given before the command
    both = json_out(
        invoke("--env", "development", "config", "--env", "http://127.0.0.1:1", "--json")
    )
    assert both["base_url"] == "http://127.0.0.1:1"
    assert json_out(invoke("--json", "--env", "development", "config"))["base_url"] == DEV


def test_the_key_in_force_is_the_one_used(
    run: Run, fake: object, clean_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    base_url = os.environ["OPENFACTURA_BASE_URL"]
    monkeypatch.delenv("OPENFACTURA_API_KEY")
    monkeypatch.delenv("OPENFACTURA_BASE_URL")
    clean_env.write_text(f'api_key = "{DEMO_KEY}"\nbase_url = "{base_url}"\n')
    assert json_out(run("org", "--json"))["rut"] == "76795561-8"  # the file's key works
    monkeypatch.setenv("OPENFACTURA_API_KEY", OWN_KEY)  # the environment beats the file
    refused = run("org", "--json")
    assert refused.exit_code == 1
    assert json_out(refused)["error"]["type"] == "AuthenticationError"
    assert json_out(run("org", "--api-key", DEMO_KEY, "--json"))["rut"] == "76795561-8"


def test_bad_config_files(clean_env: Path, tmp_path: Path) -> None:
    clean_env.write_text("api_key = \n")
    broken = invoke("config")
    assert broken.exit_code == 2 and "not valid TOML" in broken.stderr
    clean_env.write_text('apikey = "x"\n')
    unknown = invoke("config")
    assert unknown.exit_code == 2 and "unknown key(s) apikey" in unknown.stderr
    clean_env.write_text("timeout = 'soon'\n")
    assert invoke("config").exit_code == 2
    missing = invoke("--config", tmp_path / "nope.toml", "config")
    assert missing.exit_code == 2 and "does not exist" in missing.stderr
    assert invoke("config", "--env", "staging").exit_code == 2


def test_openfactura_env_takes_names_only_as_in_the_library(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENFACTURA_ENV", "http://127.0.0.1:8080")
    result = invoke("config")
    assert result.exit_code == 2 and "OPENFACTURA_BASE_URL" in result.stderr
    with pytest.raises(openfactura.ConfigurationError, match="Unknown environment"):
        openfactura.AsyncOpenfactura(OWN_KEY)


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_a_config_file_others_can_read_gets_a_warning(clean_env: Path) -> None:
    clean_env.write_text(f'api_key = "{OWN_KEY}"\n')
    clean_env.chmod(0o644)
    result = invoke("config")
    assert "other users can read it" in result.stderr and OWN_KEY not in result.output
    clean_env.chmod(0o600)
    assert "other users" not in invoke("config").stderr


def test_no_key_is_a_usage_error(clean_env: Path) -> None:
    result = invoke("org")
    assert result.exit_code == 2
    assert "no API key" in result.stderr and "OPENFACTURA_API_KEY" in result.stderr
    no_traceback(result)


# -- which key goes where ----------------------------------------------------------------


def test_library_refuses_demo_key_on_production_and_own_key_on_development(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("OPENFACTURA_ENV", "OPENFACTURA_BASE_URL", "OPENFACTURA_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(openfactura.ConfigurationError, match="demo keys"):
        openfactura.AsyncOpenfactura(DEMO_KEY, base_url="https://API.haulmer.com/")
    with pytest.raises(openfactura.ConfigurationError, match="only accepts Haulmer's public demo"):
        openfactura.AsyncOpenfactura(OWN_KEY, environment="development")
    with pytest.raises(openfactura.ConfigurationError, match="only accepts"):
        openfactura.Openfactura(OWN_KEY, base_url="https://dev-api.haulmer.com/v2/")
    # Accepted: each key on its own host, and any key on a custom URL (a local sandbox).
    assert openfactura.AsyncOpenfactura(DEMO_KEY, environment="development").base_url == DEV
    assert openfactura.AsyncOpenfactura(OWN_KEY).base_url == PROD
    for key in (DEMO_KEY, OWN_KEY):
        assert openfactura.AsyncOpenfactura(key, base_url="http://127.0.0.1:8080").base_url == (
            "http://127.0.0.1:8080"
        )


def test_library_reads_openfactura_base_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENFACTURA_ENV", raising=False)
    monkeypatch.setenv("OPENFACTURA_BASE_URL", "http://127.0.0.1:8080/")
    assert openfactura.AsyncOpenfactura(DEMO_KEY).base_url == "http://127.0.0.1:8080"
    monkeypatch.setenv("OPENFACTURA_ENV", "production")  # the URL beats the name
    assert openfactura.AsyncOpenfactura(OWN_KEY).base_url == "http://127.0.0.1:8080"
    # Arguments beat the variables.
    assert openfactura.AsyncOpenfactura(OWN_KEY, environment="production").base_url == PROD
    assert (
        openfactura.AsyncOpenfactura(DEMO_KEY, base_url="http://localhost:1").base_url
        == "http://localhost:1"
    )


def test_cli_refuses_the_same_keys_with_a_clear_line(clean_env: Path) -> None:
    demo_on_prod = invoke("org", "--api-key", DEMO_KEY, "--env", "production")
    assert demo_on_prod.exit_code == 2
    assert demo_on_prod.stderr.count("\n") == 1 and "demo keys" in demo_on_prod.stderr
    own_on_dev = invoke("org", "--api-key", OWN_KEY, "--env", "development", "--json")
    assert own_on_dev.exit_code == 2
    assert json_out(own_on_dev)["error"]["type"] == "ConfigurationError"
    for result, key in ((demo_on_prod, DEMO_KEY), (own_on_dev, OWN_KEY)):
        no_traceback(result)
        assert key not in result.output


def test_custom_url_is_never_refused_for_its_key(run: Run) -> None:
    # The sandbox answers 401 for a key it does not know: the client did send it.
    result = run("org", "--api-key", OWN_KEY, "--json")
    assert result.exit_code == 1
    error = json_out(result)["error"]
    assert error["type"] == "AuthenticationError" and error["status"] == 401
    for size in range(5, len(OWN_KEY) + 1):  # no run of more than 4 characters of the key
        for start in range(len(OWN_KEY) - size + 1):
            assert OWN_KEY[start : start + size] not in result.output
