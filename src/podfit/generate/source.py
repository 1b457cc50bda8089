"""Find the framework and the app object by parsing source with ``ast`` — never importing it."""

from __future__ import annotations

import ast
import re
import shlex
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from podfit.core.packages import read_procfile as _read_procfile
from podfit.generate.django import DjangoFacts, detect_django
from podfit.generate.entry import Script, dockerfile_cmd, scan_script
from podfit.generate.envvars import EnvVar, required_env, scan_tree
from podfit.generate.writable import WritablePath, merge, scan_source

SKIP_DIRS = {
    ".git", ".hg", ".venv", "venv", "env", ".env", "node_modules", "__pycache__", ".tox",
    ".nox", "build", "dist", "site-packages", "tests", "test", "migrations", "docs",
    ".mypy_cache", ".pytest_cache", ".ruff_cache", "htmlcov",
}
MAX_FILES = 3000
MAX_BYTES = 1_000_000

#: constructor name -> (framework, kind)
APP_CLASSES = {
    "Flask": ("flask", "wsgi"),
    "FastAPI": ("fastapi", "asgi"),
    "Starlette": ("starlette", "asgi"),
    "Quart": ("quart", "asgi"),
    "Celery": ("celery", "worker"),
    "get_wsgi_application": ("django", "wsgi"),
    "get_asgi_application": ("django", "asgi"),
}
#: files more likely to hold the entry point rank first
PREFERRED = ("app.py", "main.py", "wsgi.py", "asgi.py", "server.py", "api.py", "celery.py",
             "tasks.py", "worker.py")


@dataclass(frozen=True)
class Candidate:
    framework: str
    kind: str
    ref: str
    path: str
    reason: str


@dataclass(frozen=True)
class SourceFacts:
    """What the source says: the web app (if any), a Celery app (if any), a fallback script."""

    web: Candidate | None
    worker: Candidate | None
    script: tuple[str, ...] | None
    script_reason: str
    src_dir: str
    django_settings: str | None
    procfile: dict[str, str]
    scripts: tuple[Script, ...] = ()
    """Modules with a ``__main__`` block, serving ones first."""
    dockerfile_cmd: tuple[str, ...] | None = None
    env: tuple[EnvVar, ...] = ()
    writable: tuple[WritablePath, ...] = ()
    django: DjangoFacts | None = None


def iter_python_files(root: Path) -> Iterator[Path]:
    count = 0
    stack = [root]
    while stack:
        here = stack.pop()
        try:
            entries = sorted(here.iterdir())
        except OSError:
            continue
        for entry in entries:
            if entry.is_dir() and not entry.is_symlink():
                if entry.name not in SKIP_DIRS and not entry.name.startswith("."):
                    stack.append(entry)
            elif entry.suffix == ".py" and entry.is_file():
                count += 1
                if count > MAX_FILES:
                    return
                yield entry


def module_name(root: Path, path: Path, src_dir: str) -> str:
    rel = path.relative_to(root / src_dir if src_dir else root).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _call_name(node: ast.expr) -> str | None:
    if isinstance(node, ast.Call):
        func = node.func
        if isinstance(func, ast.Name):
            return func.id
        if isinstance(func, ast.Attribute):
            return func.attr
    return None


def _parse(path: Path) -> ast.Module | None:
    try:
        if path.stat().st_size > MAX_BYTES:
            return None
        return ast.parse(path.read_bytes(), filename=str(path))
    except (OSError, SyntaxError, ValueError):
        return None


def scan_module(tree: ast.Module, module: str, rel: str) -> list[Candidate]:
    """App objects assigned at module level, factories returning one, bare WSGI/ASGI callables."""
    found: list[Candidate] = []
    for node in tree.body:
        if isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            name = _call_name(node.value)
            if name in APP_CLASSES and isinstance(targets[0], ast.Name):
                framework, kind = APP_CLASSES[name]
                attr = targets[0].id
                found.append(Candidate(framework, kind, f"{module}:{attr}", rel,
                                       f"{rel}:{node.lineno} assigns {attr} = {name}(...)"))
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            args = [a.arg for a in node.args.args]
            if node.name in ("create_app", "make_app", "app_factory"):
                for sub in ast.walk(node):
                    sname = _call_name(sub) if isinstance(sub, ast.expr) else None
                    if sname in ("Flask", "FastAPI", "Starlette", "Quart"):
                        framework, kind = APP_CLASSES[sname]
                        call = "()" if kind == "wsgi" else ""
                        ref = f"{module}:{node.name}{call}"
                        found.append(Candidate(framework, kind, ref, rel,
                                               f"{rel}:{node.lineno} factory {node.name}() builds "
                                               f"a {sname} app"))
                        break
            elif args == ["environ", "start_response"] and isinstance(node, ast.FunctionDef):
                found.append(Candidate("wsgi", "wsgi", f"{module}:{node.name}", rel,
                                       f"{rel}:{node.lineno} defines a WSGI callable"))
            elif args == ["scope", "receive", "send"] and isinstance(node, ast.AsyncFunctionDef):
                found.append(Candidate("asgi", "asgi", f"{module}:{node.name}", rel,
                                       f"{rel}:{node.lineno} defines an ASGI callable"))
    return found


def _rank(c: Candidate) -> tuple[int, int, int, str]:
    name = Path(c.path).name
    depth = c.path.count("/")
    factory = 1 if c.ref.endswith(")") or "create_app" in c.ref else 0
    pref = PREFERRED.index(name) if name in PREFERRED else len(PREFERRED)
    return (depth, factory, pref, c.path)


def read_procfile(root: Path) -> dict[str, str]:
    return _read_procfile(root / "Procfile")


def _procfile_ref(command: str) -> str | None:
    try:
        words = shlex.split(command)
    except ValueError:
        return None
    for word in words:
        if re.fullmatch(r"[A-Za-z_][\w.]*:[A-Za-z_]\w*(\(\))?", word):
            return word
    return None


def _django_settings(root: Path) -> str | None:
    manage = root / "manage.py"
    if not manage.is_file():
        return None
    m = re.search(r"DJANGO_SETTINGS_MODULE['\"]\s*,\s*['\"]([\w.]+)['\"]",
                  manage.read_text(errors="replace"))
    return m.group(1) if m else None


def detect_source(root: Path) -> SourceFacts:
    src_layout = (root / "src").is_dir() and not (root / "src" / "__init__.py").exists()
    src_dir = "src" if src_layout else ""
    candidates: list[Candidate] = []
    scripts: list[str] = []
    found_scripts: list[Script] = []
    env: dict[str, str] = {}
    writable = []
    for path in iter_python_files(root):
        tree = _parse(path)
        if tree is None:
            continue
        rel = path.relative_to(root).as_posix()
        in_src = bool(src_dir) and rel.startswith(src_dir + "/")
        module = module_name(root, path, src_dir if in_src else "")
        candidates += scan_module(tree, module, rel)
        for name, where in scan_tree(tree, rel).items():
            env.setdefault(name, where)
        top = (src_dir + "/" if in_src else "") + module.split(".")[0]
        parent = top.rsplit("/", 1)[0] if "/" in top and "." in module else ""
        writable += scan_source(path.read_text(errors="replace"), rel, parent)
        if path.parent == root and _has_main_guard(tree):
            scripts.append(rel)
            found_scripts.append(scan_script(path, rel, tree))
    candidates.sort(key=_rank)
    web = next((c for c in candidates if c.kind in ("wsgi", "asgi")), None)
    worker = next((c for c in candidates if c.kind == "worker"), None)
    procfile = read_procfile(root)
    if "web" in procfile and (ref := _procfile_ref(procfile["web"])):
        kind = "asgi" if "uvicorn" in procfile["web"] or "hypercorn" in procfile["web"] else (
            web.kind if web else "wsgi")
        framework = web.framework if web else kind
        web = Candidate(framework, kind, ref, "Procfile", f"Procfile web process names {ref}")
    django = _django_settings(root)
    if django and (web is None or web.framework == "django"):
        wsgi = django.rsplit(".", 1)[0] + ".wsgi"
        if web is None or web.framework != "django":
            web = Candidate("django", "wsgi", f"{wsgi}:application", "manage.py",
                            f"manage.py sets DJANGO_SETTINGS_MODULE={django}")
    script: tuple[str, ...] | None = None
    script_reason = ""
    if procfile and web is None:
        name, command = next(iter(procfile.items()))
        script = tuple(shlex.split(command))
        script_reason = f"Procfile {name} process"
    elif found_scripts:
        ranked = sorted(found_scripts, key=lambda sc: (not sc.serves,
                                                       Path(sc.path).name not in PREFERRED,
                                                       sc.path))
        first = ranked[0]
        script = ("python", first.path)
        script_reason = (f"{first.path} has an `if __name__ == \"__main__\"` block"
                         + (f" and serves ({first.evidence})" if first.serves else ""))
        serving = [sc.path for sc in ranked if sc.serves]
        if len(serving) > 1:
            script_reason += f"; warning: {', '.join(serving[1:])} also serve(s): pass --app"
    found_scripts.sort(key=lambda sc: (not sc.serves, Path(sc.path).name not in PREFERRED,
                                       sc.path))
    return SourceFacts(web, worker, script, script_reason, src_dir, django, procfile,
                       tuple(found_scripts), dockerfile_cmd(root), required_env(env, root),
                       merge(writable), detect_django(root, src_dir))


def _has_main_guard(tree: ast.Module) -> bool:
    for node in tree.body:
        if isinstance(node, ast.If) and isinstance(node.test, ast.Compare):
            names = {n.id for n in ast.walk(node.test) if isinstance(n, ast.Name)}
            consts = {n.value for n in ast.walk(node.test) if isinstance(n, ast.Constant)}
            if "__name__" in names and "__main__" in consts:
                return True
    return False
