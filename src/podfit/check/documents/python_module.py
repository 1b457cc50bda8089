"""The Python module an image runs (``python app.py``, ``python -m svc``), read with ``ast``
— never imported — for the development servers it starts: Flask/Quart ``app.run()``, Dash
``run_server``, Socket.IO ``socketio.run(app)``, ``uvicorn.run(..., reload=True)``."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

#: Calls that build a web app object whose ``.run()`` is the framework's dev server.
_APP_FACTORIES = frozenset({"Flask", "Quart", "Dash", "create_app", "make_app", "get_app",
                            "build_app", "SocketIO"})
_DEV_METHODS = frozenset({"run", "run_server"})
#: ``python app.py`` / ``python -m pkg.svc`` in a CMD, ENTRYPOINT, command or args line.
_SCRIPT = re.compile(r"python[0-9.]*[\"',\s\]]+(?:-u[\"',\s]+)?(?:(-m)[\"',\s]+([\w.]+)|"
                     r"([\w./-]+\.py))")


@dataclass(frozen=True)
class DevServer:
    line: int
    call: str  # "app.run(debug=True)", "uvicorn.run(reload=True)"


@dataclass(frozen=True)
class PythonModule:
    path: str
    dev_servers: tuple[DevServer, ...]


def scripts_named(text: str) -> set[str]:
    """Relative files ``python X.py`` / ``python -m X`` lines in ``text`` may run."""
    found: set[str] = set()
    for match in _SCRIPT.finditer(text):
        if match.group(1):
            module = match.group(2).replace(".", "/")
            found |= {f"{module}.py", f"{module}/__main__.py"}
        elif match.group(3):
            found.add(match.group(3).removeprefix("./"))
    return found


def _name(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return ""


def _truthy(call: ast.Call, keyword: str) -> bool:
    return any(k.arg == keyword and isinstance(k.value, ast.Constant) and bool(k.value.value)
               for k in call.keywords)


def parse_python_module(path: str, text: str) -> PythonModule:
    """Dev-server calls of a module; a module that does not parse has none (it is the
    app's code, not podfit's input to judge)."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return PythonModule(path, ())
    apps: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call) and \
                _name(node.value.func) in _APP_FACTORIES:
            apps |= {t.id for t in node.targets if isinstance(t, ast.Name)}
    found: list[DevServer] = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
            continue
        owner = node.func.value
        method = node.func.attr
        owner_name = owner.id if isinstance(owner, ast.Name) else ""
        if method in _DEV_METHODS and owner_name in apps:
            debug = ", debug=True" if _truthy(node, "debug") else ""
            found.append(DevServer(node.lineno, f"{owner_name}.{method}({debug.lstrip(', ')})"))
        elif owner_name == "uvicorn" and method == "run" and _truthy(node, "reload"):
            found.append(DevServer(node.lineno, "uvicorn.run(reload=True)"))
    return PythonModule(path, tuple(sorted(found, key=lambda d: d.line)))
