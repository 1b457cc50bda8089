"""Dockerfiles parsed with BuildKit's own parser (the ``dockerfile`` wheel), split into stages."""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field

import dockerfile

from podfit.core.errors import InputError

_VAR = re.compile(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)(?::?[-+][^}]*)?\}?")


@dataclass(frozen=True)
class Instruction:
    """One instruction; ``args`` are the parser's values, ``flags`` its ``--x=y`` options."""

    cmd: str
    args: tuple[str, ...]
    flags: tuple[str, ...]
    json: bool
    original: str
    line: int
    end_line: int
    stage: int
    heredocs: tuple[str, ...] = ()

    @property
    def text(self) -> str:
        """The instruction's arguments as one string (shell form) or joined argv (exec form)."""
        return " ".join(self.args)

    def argv(self) -> list[str]:
        """The command as an argument vector, exec form or shell form split like a shell."""
        if self.json:
            return list(self.args)
        try:
            return shlex.split(self.text, comments=False)
        except ValueError:
            return self.text.split()

    def flag(self, name: str) -> str | None:
        """Value of ``--name=value`` (or ``''`` for a bare ``--name``), else ``None``."""
        for item in self.flags:
            key, _, value = item.partition("=")
            if key == f"--{name}":
                return value
        return None


@dataclass(frozen=True)
class Stage:
    """A ``FROM`` and the instructions that follow it."""

    index: int
    image: str
    alias: str | None
    line: int
    instructions: tuple[Instruction, ...]

    def env(self) -> dict[str, str]:
        """Variables set by ENV in this stage (last wins)."""
        result: dict[str, str] = {}
        for ins in self.instructions:
            if ins.cmd == "ENV":
                result.update(env_pairs(ins))
        return result


@dataclass(frozen=True)
class DockerfileDoc:
    path: str
    text: str
    instructions: tuple[Instruction, ...]
    stages: tuple[Stage, ...]
    args: dict[str, str] = field(default_factory=dict)  # global ARG defaults (before FROM)

    @property
    def final_stage(self) -> Stage | None:
        return self.stages[-1] if self.stages else None

    def resolve(self, text: str) -> str:
        """Expand ``$ARG``/``${ARG}`` with the global ARG defaults (unknowns kept as written)."""
        return _VAR.sub(lambda m: self.args.get(m.group(1), m.group(0)), text)

    def stage_by_name(self, name: str) -> Stage | None:
        for stage in self.stages:
            if stage.alias == name or str(stage.index) == name:
                return stage
        return None

    def stage_env(self, stage: Stage) -> dict[str, str]:
        """ENV in effect in ``stage``, including what its ``FROM other-stage`` parents set."""
        chain = [stage]
        parent = self.stage_by_name(self.resolve(stage.image))
        while parent is not None and parent.index < chain[-1].index:
            chain.append(parent)
            parent = self.stage_by_name(self.resolve(parent.image))
        env: dict[str, str] = {}
        for item in reversed(chain):
            env.update(item.env())
        return env

    def base_image(self, stage: Stage) -> str:
        """The image a stage really starts from, following ``FROM other-stage`` chains."""
        seen = 0
        image = self.resolve(stage.image)
        while seen < len(self.stages):
            parent = self.stage_by_name(image)
            if parent is None or parent.index >= stage.index:
                return image
            stage, image = parent, self.resolve(parent.image)
            seen += 1
        return image


def env_pairs(ins: Instruction) -> dict[str, str]:
    """``ENV A=1 B=2`` and legacy ``ENV A 1`` as a dict."""
    values = list(ins.args)
    if len(values) == 1 and "=" not in values[0]:
        key, _, rest = values[0].partition(" ")
        return {key: _unquote(rest)}
    return {values[i]: _unquote(values[i + 1]) if i + 1 < len(values) else ""
            for i in range(0, len(values), 2)}


def _unquote(value: str) -> str:
    """``"x y"`` → ``x y``, as the builder does (the parser keeps the quotes)."""
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        return value[1:-1]
    return value


def parse_dockerfile(path: str, text: str) -> DockerfileDoc:
    try:
        commands = dockerfile.parse_string(text)
    except dockerfile.GoParseError as exc:
        raise InputError(f"{path}: Dockerfile does not parse: {exc}",
                         "check the instruction syntax near the line named") from None
    instructions: list[Instruction] = []
    stages: list[Stage] = []
    global_args: dict[str, str] = {}
    current: list[Instruction] = []
    header: tuple[str, str | None, int] | None = None

    def close() -> None:
        if header is not None:
            stages.append(Stage(len(stages), header[0], header[1], header[2], tuple(current)))

    for command in commands:
        if command.cmd is None:  # a lone line continuation parses to an empty command
            continue
        cmd = command.cmd.upper()
        stage_index = len(stages) if header is not None else -1
        if cmd == "FROM":
            close()
            current = []
            values = [v for v in command.value if v]
            image = values[0] if values else ""
            alias = values[2] if len(values) >= 3 and values[1].upper() == "AS" else None
            header = (image, alias, command.start_line)
            stage_index = len(stages)
        ins = Instruction(
            cmd=cmd,
            args=tuple(command.value),
            flags=tuple(command.flags),
            json=bool(command.json),
            original=command.original,
            line=command.start_line,
            end_line=command.end_line,
            stage=stage_index,
            heredocs=tuple(h.content for h in command.heredocs),
        )
        instructions.append(ins)
        if cmd == "FROM":
            continue
        if header is None:
            if cmd == "ARG":
                for item in command.value:
                    key, _, default = item.partition("=")
                    global_args[key] = default
            continue
        current.append(ins)
    close()
    if not stages:
        raise InputError(f"{path}: no FROM instruction", "a Dockerfile starts with FROM <image>")
    return DockerfileDoc(path, text, tuple(instructions), tuple(stages), global_args)
