"""deploy/ speaks CAD's language: every variable it sets is a setting, every flag it passes
is an option of the command it runs, and the ConfigMap is the shipped investigation config."""

from __future__ import annotations

import re
from typing import Any

import pytest
import yaml
from pydantic import AliasChoices

from cad.cli.main import command
from cad.config.settings import Settings
from tests.deploy.manifests import DEPLOY, ROOT, Manifest, containers, everything, named, pod_specs

MANIFESTS = everything()
TASK_COMMANDS = {"cad-checks": ("investigate",), "cad-manual-investigation": ("run",)}
"""The cadctl command each Tekton task's script runs."""


def _setting_variables() -> set[str]:
    """Every environment variable Settings reads."""
    names: set[str] = set()
    for name, field in Settings.model_fields.items():
        alias = field.validation_alias
        if isinstance(alias, AliasChoices):
            names |= {str(choice) for choice in alias.choices}
        else:
            names.add(f"CAD_{name.upper()}")
    return names


def _subcommand(path: tuple[str, ...]) -> Any:
    """cadctl's click command at ``path`` (typer's click: duck-typed)."""
    found: Any = command()
    for name in path:
        found = found.commands[name]
    return found


def _split(args: list[str]) -> tuple[tuple[str, ...], list[str]]:
    """``["db", "upgrade", "--x"]`` as (``("db", "upgrade")``, ``["--x"]``)."""
    path: list[str] = []
    found: Any = command()
    while hasattr(found, "commands") and args and args[0] in found.commands:
        path.append(args[0])
        found = found.commands[args[0]]
        args = args[1:]
    return tuple(path), args


def test_every_cad_variable_named_under_deploy_is_a_setting() -> None:
    known = _setting_variables()
    named_in_deploy = {
        (path.relative_to(ROOT), variable)
        for path in DEPLOY.rglob("*.yaml")
        for variable in re.findall(r"\bCAD_[A-Z0-9_]+\b", path.read_text())
    }
    assert named_in_deploy, "deploy/ names no CAD_ variable: is the pattern right?"
    assert {(path, v) for path, v in named_in_deploy if v not in known} == set()


def test_every_variable_a_container_is_given_is_a_setting_or_read_by_its_script() -> None:
    known = _setting_variables()
    for name, container in containers(MANIFESTS):
        script = container.get("script", "")
        for variable in container.get("env", []):
            assert variable["name"] in known or f"${variable['name']}" in script, (
                name,
                variable["name"],
            )


def test_the_literal_values_the_manifests_set_are_accepted_by_settings(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for _, container in containers(MANIFESTS):
        for variable in container.get("env", []):
            if "value" in variable and variable["name"].startswith("CAD_"):
                monkeypatch.setenv(variable["name"], variable["value"])
    settings = Settings()
    assert settings.log_format == "json"
    assert settings.investigation_config_path == "/config/cad-config.yaml"


@pytest.mark.parametrize("name", [name for name, _ in pod_specs(MANIFESTS)])
def test_each_container_runs_a_real_cadctl_command_with_real_flags(name: str) -> None:
    (spec,) = [spec for found, spec in pod_specs(MANIFESTS) if found == name]
    for container in spec["containers"]:
        assert "command" not in container, "the image's entrypoint is cadctl"
        path, rest = _split(container["args"])
        assert path, container["args"]
        chosen = _subcommand(path)
        # click parses the flags and their values (ranges included) as cadctl would.
        chosen.make_context(" ".join(path), list(rest))


@pytest.mark.parametrize("task", sorted(TASK_COMMANDS))
def test_each_tekton_script_passes_only_options_its_command_has(task: str) -> None:
    script = named(MANIFESTS, "Task", task)["spec"]["steps"][0]["script"]
    path = TASK_COMMANDS[task]
    assert "exec cadctl " in script
    assert re.search(rf"(cadctl |\()\b{path[0]} ", script), script
    options = {opt for param in _subcommand(path).params for opt in param.opts}
    options |= {opt for param in _subcommand(path).params for opt in param.secondary_opts}
    used = set(re.findall(r"(?<![\w-])--[a-z][a-z-]*", script))
    assert used
    assert used <= options, used - options


def test_the_configmap_is_the_shipped_investigation_config_verbatim() -> None:
    configmap: Manifest = named(MANIFESTS, "ConfigMap", "cad-config")
    shipped = (ROOT / "src/cad/config/default.yaml").read_text()
    assert configmap["data"]["cad-config.yaml"] == shipped, (
        "deploy/base/configmap.yaml must hold src/cad/config/default.yaml verbatim, "
        "indented by four spaces under `cad-config.yaml: |`"
    )
    assert yaml.safe_load(configmap["data"]["cad-config.yaml"])["alerts"]


def test_every_container_reads_the_config_where_the_configmap_is_mounted() -> None:
    for name, container in containers(MANIFESTS):
        paths = [
            v["value"]
            for v in container.get("env", [])
            if v["name"] == "CAD_INVESTIGATION_CONFIG_PATH"
        ]
        if not paths:
            continue
        mounts = [m["mountPath"] for m in container["volumeMounts"]]
        assert any(paths[0].startswith(f"{mount}/") for mount in mounts), name


def test_a_misspelt_flag_or_an_out_of_range_value_is_caught_by_the_parse() -> None:
    for args in (["serve", "--workerz", "0"], ["serve", "--workers", "99"]):
        path, rest = _split(args)
        with pytest.raises(Exception, match=r"No such option|less than or equal"):
            _subcommand(path).make_context("serve", rest)


def test_every_secret_the_manifests_read_is_in_the_operations_guides_table() -> None:
    guide = (ROOT / "docs/operations.md").read_text()
    rows = {
        match.group(1): match.group(2)
        for match in re.finditer(r"^\| `([a-z-]+)`[^|]*\| ([^|]*) \|", guide, re.MULTILINE)
    }
    for name, container in containers(MANIFESTS):
        for variable in container.get("env", []):
            ref = variable.get("valueFrom", {}).get("secretKeyRef")
            if ref is not None:
                assert f"`{ref['key']}`" in rows.get(ref["name"], ""), (name, ref)
        for source in container.get("envFrom", []):
            assert source["secretRef"]["name"] in rows, (name, source)
