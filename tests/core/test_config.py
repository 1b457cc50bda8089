"""One config loader: discovery, precedence, and validation of every ``[tool.podfit.*]``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from podfit.check.settings import CheckSettings
from podfit.cli import profile as profile_cli
from podfit.cli.main import main
from podfit.cli.settings import ProfileConfig, check_settings
from podfit.core.config import load_project
from podfit.core.errors import ConfigError
from podfit.core.policy import CpuLimitPolicy
from podfit.generate import InitOptions, detect
from podfit.generate.plan import merge_config
from podfit.recommend.settings import RecommendSettings

APP = {"requirements.txt": "flask\ngunicorn\n",
       "app.py": "from flask import Flask\napp = Flask(__name__)\n"}


def project(root: Path, files: dict[str, str]) -> Path:
    (root / ".git").mkdir(parents=True)
    for rel, text in {**APP, **files}.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    return root


def init_policy(root: Path) -> str | None:
    return merge_config(InitOptions(), detect(root).config).cpu_limit_policy


# Drift bug (issue 8): check read podfit.toml first, init read pyproject.toml first.
def test_check_and_init_read_the_same_file(tmp_path: Path) -> None:
    root = project(tmp_path, {
        "pyproject.toml": '[project]\nname = "app"\n[tool.podfit]\ncpu-limit-policy = "required"\n',
        "podfit.toml": 'cpu-limit-policy = "integer"\n'})
    check = check_settings((str(root),), None, None, None)
    assert check.cpu_limit_policy is CpuLimitPolicy.INTEGER
    assert init_policy(root) == "integer"


# Drift bug (issue 8): init read only the project's own folder; check walked up to .git.
def test_init_walks_up_to_the_repository_root_like_check(tmp_path: Path) -> None:
    project(tmp_path, {"podfit.toml": 'cpu-limit-policy = "integer"\n'})
    app = tmp_path / "services" / "web"
    for rel, text in APP.items():
        (app / rel).parent.mkdir(parents=True, exist_ok=True)
        (app / rel).write_text(text)
    assert load_project(app).path == tmp_path / "podfit.toml"
    assert init_policy(app) == "integer"
    assert check_settings((str(app),), None, None, None).cpu_limit_policy is \
        CpuLimitPolicy.INTEGER


def test_discovery_stops_at_the_repository_root(tmp_path: Path) -> None:
    (tmp_path / "podfit.toml").write_text('cpu-limit-policy = "integer"\n')
    repo = project(tmp_path / "repo", {})
    assert load_project(repo).path is None


def test_pyproject_without_a_podfit_table_is_skipped(tmp_path: Path) -> None:
    root = project(tmp_path, {"podfit.toml": 'kube-version = "1.30"\n'})
    sub = root / "sub"
    sub.mkdir()
    (sub / "pyproject.toml").write_text('[project]\nname = "x"\n')
    assert load_project(sub).path == root / "podfit.toml"


# Drift bug: check treated [tool.podfit.recommend] as one of its own unknown keys.
def test_every_verb_table_is_not_a_check_key(tmp_path: Path) -> None:
    root = project(tmp_path, {"pyproject.toml": "[tool.podfit]\nkube-version = '1.31'\n"
                              "[tool.podfit.init]\nport = 9000\n"
                              "[tool.podfit.profile]\nduration = '3s'\n"
                              "[tool.podfit.recommend]\nhistory = '7d'\n"})
    assert check_settings((str(root),), None, None, None).kube_version == "1.31"


@pytest.mark.parametrize(("toml", "build", "hint"), [
    ("[tool.podfit]\nkube-versoin = '1.30'\n",
     lambda c: c.settings(CheckSettings), "did you mean 'kube-version'?"),
    ("[tool.podfit.profil]\nduration = '3s'\n",
     lambda c: c.settings(CheckSettings), "did you mean 'profile'?"),
    ("[tool.podfit.profile]\nduraton = '3s'\n",
     lambda c: c.settings(ProfileConfig, "profile"), "did you mean 'duration'?"),
    ("[tool.podfit.recommend]\nhistroy = '7d'\n",
     lambda c: c.settings(RecommendSettings, "recommend"), "did you mean 'history'?"),
    ("[tool.podfit.init]\nprot = 8000\n",
     lambda c: merge_config(InitOptions(), dict(c.data)), "did you mean 'port'?"),
])
def test_unknown_keys_are_errors_in_every_table(tmp_path: Path, toml: str, build: Any,
                                                hint: str) -> None:
    (tmp_path / "pyproject.toml").write_text(toml)
    with pytest.raises(ConfigError) as caught:
        build(load_project(tmp_path))
    assert caught.value.hint is not None
    assert hint in caught.value.hint


def test_a_verb_table_must_be_a_table(tmp_path: Path) -> None:
    (tmp_path / "podfit.toml").write_text("profile = 3\n")
    with pytest.raises(ConfigError, match="'profile' must be a table"):
        load_project(tmp_path).table("profile")


def test_errors_name_the_table(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.podfit]\n")
    config = load_project(tmp_path)
    assert config.where("profile") == f"{tmp_path}/pyproject.toml [tool.podfit.profile]"
    assert config.where() == f"{tmp_path}/pyproject.toml"  # check's messages name the file


def test_profile_config_keys_are_profile_flags() -> None:
    names = {p.name for p in profile_cli.profile.params}
    assert set(ProfileConfig.__dataclass_fields__) <= names


# Drift bug (issue 8): [tool.podfit.profile] was never read, so a typo there was ignored.
def test_podfit_profile_rejects_a_typo_in_its_table(tmp_path: Path, monkeypatch: Any,
                                                    capsys: Any) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.podfit.profile]\nduraton = '3s'\n")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as code:
        main(["profile", "--", "true"])
    assert code.value.code == 2
    err = capsys.readouterr().err
    assert "unknown key 'duraton'" in err
    assert "did you mean 'duration'?" in err


class _Ran(Exception):
    pass


def test_podfit_profile_reads_its_table_and_flags_win(tmp_path: Path, monkeypatch: Any) -> None:
    (tmp_path / "pyproject.toml").write_text(
        "[tool.podfit]\ncpu-limit-policy = 'integer'\n"
        "[tool.podfit.profile]\nduration = '3s'\nworkers = [1, 2]\nrepeats = 2\ncpu = 0.5\n")
    monkeypatch.chdir(tmp_path)
    seen: dict[str, Any] = {}

    def fake_run(command: list[str], flags: profile_cli.ProfileFlags, observe: Any) -> Any:
        seen.update(vars(flags))
        raise _Ran

    monkeypatch.setattr(profile_cli, "run", fake_run)
    with pytest.raises(_Ran):
        main(["profile", "--warmup", "2s", "--repeats", "4", "--", "true"])
    assert (seen["duration"], seen["workers"], seen["cpu"]) == ("3s", "1,2", "0.5")
    assert (seen["repeats"], seen["warmup"], seen["cpu_limit_policy"]) == (4, "2s", "integer")


def test_a_bad_profile_value_is_a_config_error(tmp_path: Path, monkeypatch: Any,
                                               capsys: Any) -> None:
    (tmp_path / "podfit.toml").write_text("[profile]\nrepeats = 500\n")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as code:
        main(["profile", "--", "true"])
    assert code.value.code == 2
    assert f"{tmp_path}/podfit.toml [profile]: repeats:" in capsys.readouterr().err


def test_profile_keys_are_documented() -> None:
    docs = (Path(__file__).parents[2] / "docs" / "profile.md").read_text(encoding="utf-8")
    section = docs.split("### Configuration", 1)[1].split("\n### ", 1)[0]
    for name in ProfileConfig.__dataclass_fields__:
        assert f"`{name.replace('_', '-')}`" in section, name
