"""Code no in-kernel check can stop, found by reading the notebook: flagged for an instructor's review.

A check runs in the same Python process as the learner's code, so code that
rewrites the interpreter (an import hook, an IPython hook, a patched library
function, a look into the check's own stack frame) can defeat any check run
there, nbgrader's included. Such code has no place in an exercise. So the
grader reads every code cell with Python's ``ast`` and lists what it finds;
the score stands, and the instructor decides.
"""

from __future__ import annotations

import ast

import nbformat

RISKY_MODULES = {"builtins", "ctypes", "gc", "importlib", "inspect", "signal"}
RISKY_CALLS = {"exec", "eval", "compile", "__import__", "get_ipython", "setattr", "delattr", "globals", "vars"}
RISKY_ATTRIBUTES = {
    "_getframe": "reads the caller's stack frame", "f_locals": "reads a stack frame's variables",
    "f_globals": "reads a stack frame's variables", "f_back": "walks up the stack", "tb_frame": "walks a traceback's frames",
    "__builtins__": "changes the built-in functions", "__globals__": "reaches into a function's module",
    "__code__": "rewrites a function's code", "input_transformers_cleanup": "rewrites cells before they run",
    "input_transformers_post": "rewrites cells before they run", "ast_transformers": "rewrites cells before they run",
    "showtraceback": "hides errors",
}
RISKY_SYS = {"modules": "changes loaded modules", "meta_path": "installs an import hook",
             "path_hooks": "installs an import hook", "path": "changes where modules are imported from"}


def _python(source: str) -> str:
    """The cell without IPython's magics and shell escapes, which are not Python."""
    return "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines())


def _imported_names(tree: ast.AST) -> set[str]:
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            names |= {(alias.asname or alias.name).split(".")[0] for alias in node.names}
    return names


# Reading installed versions rewrites nothing, as long as `importlib` itself is not bound by the import.
HARMLESS_MODULES = {"importlib.metadata"}


def _risky_imports(node: ast.Import | ast.ImportFrom) -> list[str]:
    if isinstance(node, ast.ImportFrom):
        module = node.module or ""
        return [] if module in HARMLESS_MODULES or module.split(".")[0] not in RISKY_MODULES else [module]
    return [alias.name for alias in node.names if alias.name.split(".")[0] in RISKY_MODULES
            and not (alias.name in HARMLESS_MODULES and alias.asname)]


def _cell_flags(tree: ast.AST, imported: set[str]) -> list[str]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            found += [f"imports {m}" for m in _risky_imports(node)]
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in RISKY_CALLS:
            found.append(f"calls {node.func.id}()")
        elif isinstance(node, ast.Attribute) and node.attr in RISKY_ATTRIBUTES:
            found.append(f"uses .{node.attr} ({RISKY_ATTRIBUTES[node.attr]})")
        elif isinstance(node, ast.Attribute) and node.attr in RISKY_SYS and isinstance(node.value, ast.Name) and node.value.id == "sys":
            found.append(f"uses sys.{node.attr} ({RISKY_SYS[node.attr]})")
        elif isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            found += [f"replaces {ast.unparse(t)}, a name from an imported module" for t in targets
                      if isinstance(t, ast.Attribute) and isinstance(t.value, ast.Name) and t.value.id in imported]
    return found


def flags(nb: nbformat.NotebookNode, skip: frozenset[int] = frozenset()) -> list[str]:
    """``"cell N: what it does"`` for each risky construct in the code cells not in ``skip``."""
    trees = {}
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "code" and index not in skip:
            try:
                trees[index] = ast.parse(_python(cell.source))
            except SyntaxError:
                continue  # it cannot run either: its error is reported with the cell
    imported = set().union(*(_imported_names(tree) for tree in trees.values()))
    return [f"cell {index + 1}: {flag}" for index, tree in trees.items() for flag in dict.fromkeys(_cell_flags(tree, imported))]
