"""``podfit`` entry point: a click group whose commands load lazily, and the one error mapper."""

from __future__ import annotations

import importlib
import sys
from typing import Any

import click

from podfit import __version__
from podfit.core.errors import PodfitError

#: command name -> "module:attribute"; loaded only when used so ``podfit check`` starts fast.
COMMANDS = {
    "check": "podfit.cli.check:check",
    "rules": "podfit.cli.rules:rules",
    "explain": "podfit.cli.rules:explain",
    "init": "podfit.cli.init:init",
    "profile": "podfit.cli.profile:profile",
    "recommend": "podfit.cli.recommend:recommend",
    "limits": "podfit.cli.limits:limits",
}

HELP = {
    "check": "Lint Dockerfiles, Kubernetes manifests and Python server config.",
    "rules": "List every rule.",
    "explain": "Print one rule's documentation.",
    "init": "Detect the app and write an optimized image build and deployment.",
    "profile": "Run the app under pod limits, drive load, recommend settings.",
    "recommend": "Right-size every workload from a cluster's Prometheus history.",
    "limits": "Print the CPU and memory limits this process runs under.",
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None:
            return None
        module_name, attr = target.split(":")
        command: click.Command = getattr(importlib.import_module(module_name), attr)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        with formatter.section("Commands"):
            formatter.write_dl([(name, HELP[name]) for name in COMMANDS])


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="podfit")
def cli() -> None:
    """podfit: make Python apps run well on Kubernetes."""


def report_error(message: str, hint: str | None = None) -> None:
    """Print ``error: …`` and ``hint: …`` to stderr, the one format every failure uses."""
    click.echo(f"error: {message}", err=True)
    if hint:
        click.echo(f"hint: {hint}", err=True)


def main(argv: list[str] | None = None) -> Any:
    """Run the CLI; exit 0 clean, 1 findings, 2 usage/config/input error — never a traceback."""
    try:
        code = cli.main(args=argv, prog_name="podfit", standalone_mode=False)
    except PodfitError as exc:
        report_error(exc.message, exc.hint)
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        report_error("interrupted")
        sys.exit(130)
    except click.UsageError as exc:
        command = f"{exc.ctx.info_name} " if exc.ctx and exc.ctx.parent else ""
        report_error(exc.format_message(), f"run 'podfit {command}--help' for usage")
        sys.exit(2)
    except click.ClickException as exc:
        report_error(exc.format_message())
        sys.exit(2)
    except BrokenPipeError:
        sys.exit(1)
    except KeyboardInterrupt:
        report_error("interrupted")
        sys.exit(130)
    sys.exit(code if isinstance(code, int) else 0)
