"""Does a tracker state read back from a log file hold what its classes declare?

The saved state (companion/trackstate.py) is read by an unpickler that builds only the core's
plain-data classes, so a log file from elsewhere cannot run anything; but it can still set a
field to the wrong type (a str where a float belongs), which would surface later as a
TypeError deep in the tracker, far from the file that caused it. A state is used only if every
dataclass field in it matches its annotation; anything else is a damaged state, and the log is
replayed in full instead.

The core's plain classes declare their attributes in `__init__` (`self.x: float | None = None`,
`self.tz = tz` with `tz: ZoneInfo`, `self.n = 0.0`): those declarations are read from the source,
as the type checker reads them. Lenient where it cannot judge (a hint it does not understand, an
attribute set from an expression): the state is a cache over the log, and the session's trial
use of it (companion/reopen.py) is the second net.
"""

from __future__ import annotations

import ast
import collections
import dataclasses
import inspect
import textwrap
import types
import typing
from array import array
from functools import cache
from typing import Any

_CONTAINERS = (list, tuple, set, frozenset, collections.deque)
_MAX_DEPTH = 40  # the state is a few levels deep; a crafted cycle or nest stops here


@cache
def _hints(cls: type) -> dict[str, Any]:
    """Each field's annotation, resolved where it can be (one that does not resolve: skipped)."""
    module = vars(__import__(cls.__module__, fromlist=["_"]))
    out: dict[str, Any] = {}
    for f in dataclasses.fields(cls):
        hint: Any = f.type
        if isinstance(hint, str):
            try:
                hint = eval(hint, module)  # our own source's annotations
            except Exception:  # e.g. array[float] is not subscriptable at run time
                continue
        out[f.name] = hint
    return out


@cache
def _init_hints(cls: type) -> dict[str, Any]:
    """The attributes `cls.__init__` declares, with their types (see the module's doc)."""
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(vars(cls)["__init__"])))
    except (KeyError, OSError, TypeError, SyntaxError):
        return {}
    func = tree.body[0]
    if not isinstance(func, ast.FunctionDef):
        return {}
    module = vars(__import__(cls.__module__, fromlist=["_"]))
    params = {a.arg: a.annotation for a in func.args.args if a.annotation is not None}
    out: dict[str, Any] = {}
    source: ast.expr | None
    for node in ast.walk(func):
        if isinstance(node, ast.AnnAssign):
            name, source = _self_attr(node.target), node.annotation
        elif isinstance(node, ast.Assign) and len(node.targets) == 1:
            name, value = _self_attr(node.targets[0]), node.value
            if isinstance(value, ast.Constant) and value.value is not None:
                if name is not None and name not in out:
                    out[name] = type(value.value)  # `self.n = 0.0`: what the checker infers
                continue
            source = params.get(value.id) if isinstance(value, ast.Name) else None
        else:
            continue
        if name is None or source is None or name in out:
            continue
        try:
            out[name] = eval(ast.unparse(source), module)  # our own source's annotation
        except Exception:
            continue
    return out


def _self_attr(node: ast.expr | None) -> str | None:
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
        return node.attr if node.value.id == "self" else None
    return None


def conforms(value: Any, hint: Any, depth: int = 0) -> bool:
    """`value` is of type `hint` (recursively into containers and core dataclasses)."""
    if depth > _MAX_DEPTH:
        return False
    if hint is Any:
        return well_typed(value, depth + 1)
    if hint is None or hint is type(None):
        return value is None
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin is typing.Union or origin is types.UnionType:
        return any(conforms(value, a, depth) for a in args)
    if origin is typing.Literal:
        return value in args
    if origin is tuple:
        if not isinstance(value, tuple):
            return False
        if len(args) == 2 and args[1] is Ellipsis:
            return all(conforms(v, args[0], depth + 1) for v in value)
        return len(args) == len(value) and all(
            conforms(v, a, depth + 1) for v, a in zip(value, args, strict=True)
        )
    if origin in _CONTAINERS:
        return isinstance(value, origin) and all(conforms(v, args[0], depth + 1) for v in value)
    if origin is dict:
        return isinstance(value, dict) and all(
            conforms(k, args[0], depth + 1) and conforms(v, args[1], depth + 1)
            for k, v in value.items()
        )
    if hint is float:  # an int is a float to the type checker; a bool is not a number here
        return isinstance(value, int | float) and not isinstance(value, bool)
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if isinstance(hint, type):
        return isinstance(value, hint) and well_typed(value, depth + 1)
    return well_typed(value, depth + 1)  # a hint it cannot judge: lenient, see above


def well_typed(obj: Any, depth: int = 0) -> bool:
    """Every core dataclass reachable from `obj` holds values of its fields' types."""
    if depth > _MAX_DEPTH:
        return False
    cls = type(obj)
    if isinstance(obj, _CONTAINERS):
        return all(well_typed(v, depth + 1) for v in obj)
    if isinstance(obj, dict):
        return all(well_typed(v, depth + 1) for v in obj.values())
    if not cls.__module__.startswith("companion.core."):
        return not isinstance(obj, array) or obj.typecode in "Bdhq"  # the core's columns
    if dataclasses.is_dataclass(obj):
        hints = _hints(cls)  # type: ignore[arg-type]
        for f in dataclasses.fields(obj):
            value = getattr(obj, f.name, _MISSING)
            if value is _MISSING:
                return False
            hint = hints.get(f.name, Any)
            if not conforms(value, hint, depth + 1):
                return False
        return True
    # A core class that declares its attributes in its __init__.
    hints = _init_hints(cls)  # type: ignore[arg-type]
    for name in _attributes(obj):
        if not conforms(getattr(obj, name), hints.get(name, Any), depth + 1):
            return False
    return True


_MISSING = object()


def _attributes(obj: Any) -> list[str]:
    names = [n for c in type(obj).__mro__ for n in getattr(c, "__slots__", ())]
    names = [n for n in names if hasattr(obj, n)]
    return names + list(getattr(obj, "__dict__", {}))
