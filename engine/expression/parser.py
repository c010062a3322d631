"""Text → ``Graph``. The text is parsed, never executed.

Two passes, both over the student's text as data:

1. a scanner walks the tokens with a two-state machine ("an operand is due" / "an operator is due")
   and refuses the first token out of place, naming its column and what was expected there
   ("x +* 2" → column 4: expected a number, a variable, a function or "(" after "+", found "*");
2. Python's ``ast.parse`` (parsing only: nothing is compiled or run) builds the tree, which is turned
   into graph nodes through an allow-list of node types; anything else is refused.
"""
import ast
import keyword
import math
import re
from typing import List, Optional, Tuple

from engine.expression.graph import ExpressionError, Graph, Node
from engine.expression.ops import FUNCTIONS, OPS

MAX_LENGTH = 500      # characters of the whole text, "y = " included
MAX_DEPTH = 20        # brackets and function calls inside each other
MAX_NODES = 150       # nodes of the graph (variables, constants and operations)
MAX_VARIABLES = 12    # one slider each on the page
MAX_NUMBER = 1e6      # largest constant typed in the text (|c|)

# Same-length spellings a student may paste: the column of every character stays the same.
_SPELLINGS = str.maketrans({"×": "*", "·": "*", "∙": "*", "÷": "/", "−": "-", "–": "-",
                            **{chr(0x2080 + d): str(d) for d in range(10)}})
_NAME = r"[A-Za-z\u0391-\u03a9\u03b1-\u03c9][A-Za-z0-9_\u0391-\u03a9\u03b1-\u03c9]*"
_TOKEN = re.compile(rf"\s+|(?P<num>(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?)|(?P<name>{_NAME})|(?P<op>\*\*|[-+*/(),])")
_VARIABLE = re.compile(r"([A-Za-z\u0391-\u03a9\u03b1-\u03c9]+)_?([0-9]*)")
_ASSIGN = re.compile(rf"\s*({_NAME})\s*=(?!=)")
OPERAND = 'a number, a variable, a function or "("'
FUNCTION_LIST = ", ".join(sorted(set(FUNCTIONS)))


def canonical_name(raw: str, column: int) -> str:
    """The variable a spelling names: letters, then an optional subscript written 2, _2 or ₂ (w2 = w_2 = w₂)."""
    m = _VARIABLE.fullmatch(raw)
    if not m:
        raise ExpressionError(f'"{raw}" is not a variable name: expected letters, then optionally a subscript '
                              "of digits (x1, w_2, b₁)", column)
    return m.group(1) + m.group(2)


def _tokens(text: str, start: int):
    """(kind, text, column) for each token of ``text`` from index ``start``; column is 1-based."""
    i = start
    while i < len(text):
        m = _TOKEN.match(text, i)
        if not m:
            ch = text[i]
            hint = {"^": 'for a power write ** (x**2), not ^', "=": 'only one "=" is allowed, after the output name '
                    "(y = …)", "[": 'use round brackets "(" and ")"', "]": 'use round brackets "(" and ")"'}.get(
                ch, "expected a number, a variable, a function, an operator + − * / ** or a bracket")
            raise ExpressionError(f'unexpected character "{ch}": {hint}', i + 1)
        if m.lastgroup:
            yield m.lastgroup, m.group(), i + 1
        i = m.end()


def _scan(text: str, start: int) -> None:
    """Refuse the first token out of place, with its column and what was expected instead."""
    due_operand, prev = True, None
    stack: List[Tuple[str, int, str, int]] = []   # (kind, column, function, commas)
    tokens = list(_tokens(text, start))
    for k, (kind, tok, col) in enumerate(tokens):
        after = f' after "{prev}"' if prev else " at the start"
        nxt = tokens[k + 1][1] if k + 1 < len(tokens) else None
        if due_operand:
            if kind == "num":
                due_operand = False
            elif kind == "name":
                if nxt == "(":
                    if tok not in FUNCTIONS:
                        raise ExpressionError(f'unknown function "{tok}": expected one of {FUNCTION_LIST}', col)
                else:
                    if keyword.iskeyword(tok):
                        raise ExpressionError(f'"{tok}" is a word of Python, not a variable: expected {OPERAND}', col)
                    if tok in FUNCTIONS:
                        raise ExpressionError(f'"{tok}" is a function: expected "(" after it, as in {tok}(x)', col)
                    canonical_name(tok, col)
                    due_operand = False
            elif tok == "(":
                fn = prev if prev in FUNCTIONS and k and tokens[k - 1][0] == "name" else ""
                stack.append(("call" if fn else "paren", tokens[k - 1][2] if fn else col, fn, 0))
                if len(stack) > MAX_DEPTH:
                    raise ExpressionError(f"brackets and functions nest more than {MAX_DEPTH} deep here; "
                                          f"expected at most {MAX_DEPTH}", stack[-1][1])
            elif tok in "+-":
                pass                                   # unary sign
            else:
                raise ExpressionError(f'expected {OPERAND}{after}, found "{tok}"', col)
        else:
            if kind in ("num", "name") or tok == "(":
                raise ExpressionError(f'expected an operator (+ − * / **) or ")"{after}, found "{tok}"', col)
            if tok == ")":
                if not stack:
                    raise ExpressionError('this ")" closes nothing: expected an operator or the end', col)
                _close(stack.pop(), col)
            elif tok == ",":
                if not stack or stack[-1][0] != "call":
                    raise ExpressionError('a "," only separates the two arguments of max(a, b) or min(a, b)', col)
                kind_, c, fn, commas = stack.pop()
                stack.append((kind_, c, fn, commas + 1))
                due_operand = True
            else:
                due_operand = True
        prev = tok
    if not tokens:
        raise ExpressionError("expected an expression, found nothing", len(text) + 1)
    if due_operand:
        raise ExpressionError(f'the expression ends too early: expected {OPERAND} after "{prev}"', len(text) + 1)
    if stack:
        raise ExpressionError('this "(" is never closed: expected ")" before the end', stack[-1][1])


def _close(frame, col: int) -> None:
    kind, at, fn, commas = frame
    if kind != "call":
        return
    want = OPS[FUNCTIONS[fn]].arity
    if commas + 1 != want:
        args = "two arguments, as in max(a, b)" if want == 2 else "one argument"
        raise ExpressionError(f"{fn} takes {args}; found {commas + 1}", at)


def _char_column(line: str, byte_offset: int, base: int) -> int:
    return base + len(line.encode("utf-8")[:byte_offset].decode("utf-8", errors="ignore")) + 1


def parse(text: str, output_name: Optional[str] = None) -> Graph:
    """Parse ``text`` ("y = sigmoid(w*x + b)" or just "sigmoid(w*x + b)") into a ``Graph``.

    A bare expression's output is called ``output_name``, else the first of y, f, z, out that is not
    one of its variables.

    Raises ``ExpressionError`` (a ``ValueError`` with ``column`` and ``reason``) for anything outside
    the grammar or the limits (``MAX_LENGTH``, ``MAX_DEPTH``, ``MAX_NODES``, ``MAX_VARIABLES``).
    """
    if not isinstance(text, str):
        raise ExpressionError(f"the expression must be text, got {type(text).__name__}")
    if len(text) > MAX_LENGTH:
        raise ExpressionError(f"the expression is {len(text):,} characters long; expected at most {MAX_LENGTH}",
                              MAX_LENGTH + 1)
    if "\n" in text or "\r" in text:
        raise ExpressionError("expected one line; found a line break", min(i for i in (text.find("\n"), text.find("\r"))
                                                                            if i >= 0) + 1)
    src = text.translate(_SPELLINGS)
    start, name = 0, output_name
    m = _ASSIGN.match(src)
    if m:
        start, name = m.end(), canonical_name(m.group(1), m.start(1) + 1)
        if keyword.iskeyword(name) or name in FUNCTIONS:
            raise ExpressionError(f'"{name}" cannot name the output: expected a plain name such as y, L or f',
                                  m.start(1) + 1)
    _scan(src, start)
    body = src[start:]
    stripped = body.lstrip()
    base = start + len(body) - len(stripped)
    try:
        tree = ast.parse(stripped.rstrip(), mode="eval")
    except (SyntaxError, ValueError) as e:     # the scanner lets nothing through that ends here; kept as a guard
        col = base + (e.offset or 1) if isinstance(e, SyntaxError) else base + 1
        raise ExpressionError(f"expected {OPERAND} or an operator here", col) from None
    except (RecursionError, MemoryError):
        raise ExpressionError(f"the expression nests too deeply; expected at most {MAX_DEPTH} levels", base + 1) from None
    return _Builder(stripped, base, name).build(tree.body, text)


class _Builder:
    """Allow-listed AST → nodes, iteratively (a long sum is a deep tree, and Python's stack is small)."""

    def __init__(self, line: str, base: int, name: Optional[str]):
        self.line, self.base, self.name = line, base, name
        self.nodes: List[Node] = []
        self.var_ids = {}

    def col(self, a: ast.AST) -> int:
        return _char_column(self.line, a.col_offset, self.base)

    def add(self, op, inputs, name, column, param=None) -> str:
        if len(self.nodes) >= MAX_NODES:
            raise ExpressionError(f"the expression makes more than {MAX_NODES} nodes; expected at most {MAX_NODES}",
                                  column)
        node_id = f"n{len(self.nodes)}"
        self.nodes.append(Node(node_id, op, tuple(inputs), name, column, param))
        return node_id

    def children(self, a):
        if isinstance(a, ast.BinOp):
            if isinstance(a.op, ast.Pow) and _constant(a.right) is not None:
                return [a.left]
            return [a.left, a.right]
        if isinstance(a, ast.UnaryOp):
            return [] if _constant(a) is not None else [a.operand]
        if isinstance(a, ast.Call):
            return list(a.args)
        return []

    def build(self, root: ast.AST, text: str) -> Graph:
        done = {}
        stack = [(root, False)]
        while stack:
            a, expanded = stack.pop()
            if not expanded:
                self.check(a)
                stack.append((a, True))
                stack.extend((c, False) for c in reversed(self.children(a)))
                continue
            done[id(a)] = self.emit(a, [done[id(c)] for c in self.children(a)])
        out = done[id(root)]
        variables = tuple(n.name for n in self.nodes if n.op == "var")
        if self.name is None:     # a bare expression: the output takes the first free name
            self.name = next(n for n in ("y", "f", "z", "out") if n not in variables)
        if self.name in variables:
            raise ExpressionError(f'the output "{self.name}" is also a variable of the expression: expected a new name',
                                  1)
        if len(variables) > MAX_VARIABLES:
            raise ExpressionError(f"the expression has {len(variables)} variables; expected at most {MAX_VARIABLES}",
                                  self.nodes[self.var_ids[variables[MAX_VARIABLES]]].column)
        names, k = {}, 0
        taken = set(variables) | {self.name}
        prefix = next(p for p in ("v", "u", "h", "q") if not any(re.fullmatch(p + r"\d+", v) for v in taken))
        for n in self.nodes:
            if n.op not in ("var", "const") and n.id != out:
                k += 1
                names[n.id] = f"{prefix}{k}"
        nodes = tuple(Node(n.id, n.op, n.inputs, self.name if n.id == out and n.op not in ("var", "const")
                           else names.get(n.id, n.name), n.column, n.param) for n in self.nodes)
        return Graph(text, nodes, out, self.name, variables)

    def check(self, a):
        ok = (isinstance(a, ast.BinOp) and isinstance(a.op, (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Pow))) or \
             (isinstance(a, ast.UnaryOp) and isinstance(a.op, (ast.USub, ast.UAdd))) or \
             (isinstance(a, ast.Call) and isinstance(a.func, ast.Name) and a.func.id in FUNCTIONS and not a.keywords
              and len(a.args) == OPS[FUNCTIONS[a.func.id]].arity
              and not any(isinstance(x, ast.Starred) for x in a.args)) or \
             isinstance(a, ast.Name) or \
             (isinstance(a, ast.Constant) and type(a.value) in (int, float))
        if not ok:
            raise ExpressionError(f"{type(a).__name__} is not part of the grammar: expected {OPERAND} "
                                  "joined by + − * / **", self.col(a))
        if isinstance(a, ast.Constant):
            _number(a.value, self.col(a), self.line.encode("utf-8")[a.col_offset:a.end_col_offset].decode("utf-8"))

    def emit(self, a, args) -> str:
        col = self.col(a)
        if isinstance(a, ast.Constant) or (isinstance(a, ast.UnaryOp) and _constant(a) is not None):
            v = _number(_constant(a), col)
            return self.add("const", (), _const_name(v), col, v)
        if isinstance(a, ast.Name):
            name = canonical_name(a.id, col)
            if name not in self.var_ids:
                self.var_ids[name] = len(self.nodes)
                self.add("var", (), name, col)
            return f"n{self.var_ids[name]}"
        if isinstance(a, ast.UnaryOp):
            return args[0] if isinstance(a.op, ast.UAdd) else self.add("neg", args, "", col)
        if isinstance(a, ast.Call):
            return self.add(FUNCTIONS[a.func.id], args, "", col)
        op_col = self.op_column(a)
        if isinstance(a.op, ast.Pow) and len(args) == 1:
            return self.add("powc", args, "", op_col, _number(_constant(a.right), self.col(a.right)))
        op = {ast.Add: "add", ast.Sub: "sub", ast.Mult: "mul", ast.Div: "div", ast.Pow: "pow"}[type(a.op)]
        return self.add(op, args, "", op_col)

    def op_column(self, a: ast.BinOp) -> int:
        """The column of the operator sign itself (between the two operands), for messages and highlights."""
        left_end = _char_column(self.line, a.left.end_col_offset, self.base) - 1
        right = self.col(a.right) - 1
        for i in range(left_end - self.base, right - self.base):
            if i < len(self.line) and self.line[i] in "+-*/":
                return self.base + i + 1
        return self.col(a)


def _constant(a) -> Optional[float]:
    """The number a constant or a signed constant (-2) stands for, else None."""
    if isinstance(a, ast.Constant) and type(a.value) in (int, float):
        return a.value
    if isinstance(a, ast.UnaryOp) and isinstance(a.op, (ast.USub, ast.UAdd)) and isinstance(a.operand, ast.Constant) \
            and type(a.operand.value) in (int, float):
        return -a.operand.value if isinstance(a.op, ast.USub) else a.operand.value
    return None


def _number(v, col: int, typed: Optional[str] = None) -> float:
    try:
        f = float(v)
    except OverflowError:
        f = math.inf
    if not math.isfinite(f) or abs(f) > MAX_NUMBER:
        raise ExpressionError(f"the number {_short(typed or v)} is too large: expected a constant between −{MAX_NUMBER:g} "
                              f"and {MAX_NUMBER:g}", col)
    return f


def _short(v) -> str:
    s = str(v)
    return s if len(s) <= 12 else f"{s[:6]}…({len(s)} digits)"


def _const_name(v: float) -> str:
    return f"{v:.6g}".replace("-", "−")
