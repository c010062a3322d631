"""The README's "engine in a notebook" examples print exactly the output shown under them."""
import contextlib
import io
import re
from pathlib import Path

import numpy as np

README = Path(__file__).resolve().parents[2] / "README.md"


def _section():
    text = README.read_text()
    start = text.index("## The engine in a notebook")
    return text[start:text.index("\n## ", start + 1)]


def test_every_example_prints_its_shown_output():
    blocks = re.findall(r"```(python)?\n(.*?)```", _section(), flags=re.S)
    pairs = [(code, shown) for (lang, code), (_, shown) in zip(blocks, blocks[1:]) if lang == "python"]
    assert len(pairs) >= 2, "expected code blocks each followed by their output"
    for code, shown in pairs:
        out = io.StringIO()
        with contextlib.redirect_stdout(out), np.printoptions(**np.get_printoptions()):
            exec(compile(code, "README.md", "exec"), {})
        assert out.getvalue() == shown, f"README example:\n{code}\nprinted\n{out.getvalue()}\nREADME shows\n{shown}"
