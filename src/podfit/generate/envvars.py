"""Required environment variables, found statically: ``os.environ["X"]``, ``getenv("X")``
used without a default, django-environ's ``env("X")``, pydantic ``BaseSettings`` fields with
no default, and ``.env.example``-style files. Nothing is imported or run."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

#: Set by podfit (or the platform) itself: never asked of the user.
OWN = frozenset({"PORT", "HOME", "PATH", "DJANGO_SETTINGS_MODULE", "PYTHONPATH",
                 "PROMETHEUS_MULTIPROC_DIR", "WEB_CONCURRENCY", "HOSTNAME"})
SECRET_WORDS = ("KEY", "SECRET", "PASSWORD", "PASSWD", "TOKEN", "CREDENTIAL", "PRIVATE")
EXAMPLE_FILES = (".env.example", ".env.sample", ".env.template", "env.example", "example.env",
                 ".env.dist")


@dataclass(frozen=True)
class EnvVar:
    name: str
    secret: bool
    where: str
    """File and line (or file) that needs it."""
    example: str = ""
    """A value from an example env file (never for secrets)."""


def is_secret(name: str, example: str = "") -> bool:
    """Credentials go to the Secret: names with KEY/SECRET/PASSWORD/TOKEN, and URLs or DSNs
    unless the example value shows they carry no credentials."""
    upper = name.upper()
    if any(word in upper for word in SECRET_WORDS):
        return True
    if upper.endswith(("_URL", "_URI", "_DSN")):
        return not example or bool(re.search(r"//[^/@\s]+:[^/@\s]*@", example))
    return False


def _const(node: ast.expr | None) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _is_environ(node: ast.expr) -> bool:
    return (isinstance(node, ast.Attribute) and node.attr == "environ") or (
        isinstance(node, ast.Name) and node.id == "environ")


class _Finder(ast.NodeVisitor):
    def __init__(self, rel: str) -> None:
        self.rel = rel
        self.found: dict[str, str] = {}
        self.guarded: set[int] = set()

    def add(self, name: str | None, node: ast.AST) -> None:
        if name and re.fullmatch(r"[A-Z][A-Z0-9_]*", name) and name not in OWN \
                and not name.startswith("PODFIT_"):
            self.found.setdefault(name, f"{self.rel}:{getattr(node, 'lineno', 0)}")

    def _guard(self, node: ast.expr) -> None:
        """Calls whose result is tested (``if getenv("X")``, ``getenv("X") or ...``) are
        optional by construction."""
        for sub in ast.walk(node):
            self.guarded.add(id(sub))

    def visit_If(self, node: ast.If) -> None:
        self._guard(node.test)
        self.generic_visit(node)

    def visit_IfExp(self, node: ast.IfExp) -> None:
        self._guard(node.test)
        self.generic_visit(node)

    def visit_BoolOp(self, node: ast.BoolOp) -> None:
        self._guard(node)
        self.generic_visit(node)

    def visit_Compare(self, node: ast.Compare) -> None:
        self._guard(node)
        self.generic_visit(node)

    def visit_Subscript(self, node: ast.Subscript) -> None:
        if _is_environ(node.value) and isinstance(node.ctx, ast.Load):
            self.add(_const(node.slice), node)
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else (
            func.id if isinstance(func, ast.Name) else "")
        has_default = len(node.args) > 1 or any(k.arg == "default" for k in node.keywords)
        first = _const(node.args[0]) if node.args else None
        if id(node) not in self.guarded and not has_default and _reads_env(func, name):
            self.add(first, node)
        self.generic_visit(node)

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        bases = [b.attr if isinstance(b, ast.Attribute) else getattr(b, "id", "")
                 for b in node.bases]
        if any(str(b).endswith("BaseSettings") for b in bases):
            prefix = _env_prefix(node)
            for stmt in node.body:
                if isinstance(stmt, ast.AnnAssign) and stmt.value is None and isinstance(
                        stmt.target, ast.Name) and not stmt.target.id.startswith("_"):
                    self.add((prefix + stmt.target.id).upper(), stmt)
        self.generic_visit(node)


ENV_METHODS = ("str", "int", "bool", "url", "db", "list", "cache_url", "json", "path")


def _reads_env(func: ast.expr, name: str) -> bool:
    """``os.getenv(...)``, ``os.environ.get(...)``, django-environ's ``env(...)`` and
    ``env.str(...)``-style calls."""
    if name == "getenv":
        return True
    if isinstance(func, ast.Attribute):
        if name == "get" and _is_environ(func.value):
            return True
        return isinstance(func.value, ast.Name) and func.value.id == "env" \
            and name in ENV_METHODS
    return isinstance(func, ast.Name) and func.id == "env"


def _env_prefix(node: ast.ClassDef) -> str:
    for stmt in ast.walk(node):
        if isinstance(stmt, ast.keyword) and stmt.arg == "env_prefix":
            return _const(stmt.value) or ""
        if isinstance(stmt, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == "env_prefix" for t in stmt.targets):
            return _const(stmt.value) or ""
    return ""


def scan_tree(tree: ast.Module, rel: str) -> dict[str, str]:
    finder = _Finder(rel)
    finder.visit(tree)
    return finder.found


def read_examples(root: Path) -> dict[str, tuple[str, str]]:
    """name -> (example value, file) from ``.env.example``-style files."""
    found: dict[str, tuple[str, str]] = {}
    for name in EXAMPLE_FILES:
        path = root / name
        if not path.is_file():
            continue
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            m = re.match(r"^\s*(?:export\s+)?([A-Z][A-Z0-9_]*)\s*=\s*(.*)$", line)
            if m and m.group(1) not in OWN:
                found.setdefault(m.group(1), (m.group(2).strip().strip("'\""), name))
    return found


def required_env(found: dict[str, str], root: Path) -> tuple[EnvVar, ...]:
    """Merge what the code needs with the example files (code order first)."""
    examples = read_examples(root)
    out: list[EnvVar] = []
    for name, where in found.items():
        example = examples.get(name, ("", ""))[0]
        secret = is_secret(name, example)
        out.append(EnvVar(name, secret, where, "" if secret else example))
    for name, (example, file) in examples.items():
        if name not in found:
            secret = is_secret(name, example)
            out.append(EnvVar(name, secret, file, "" if secret else example))
    return tuple(out)
