"""The shipped lessons: scenario files ``engine/lessons/NN-name.json``, in teaching order."""
import dataclasses
import re
from pathlib import Path
from typing import Dict, List

from engine.scenario.record import Scenario

LESSON_DIR = Path(__file__).resolve().parent.parent / "lessons"


def lesson_files() -> List[Path]:
    """The preset files, in teaching order (by file name: ``NN-name.json``)."""
    return sorted(LESSON_DIR.glob("*.json"))


def lesson_id(path: Path) -> str:
    return re.sub(r"^\d+-", "", path.stem)


def lesson_ids() -> List[str]:
    return [lesson_id(p) for p in lesson_files()]


def load_lesson(name: str) -> Scenario:
    """The preset called ``name`` (``lesson_ids()``); its ``lesson`` field is set to ``name``."""
    for path in lesson_files():
        if lesson_id(path) == name:
            s = Scenario.from_json(path.read_bytes())
            return dataclasses.replace(s, lesson=name)
    raise ValueError(f"lesson: unknown name {name!r}; expected one of {', '.join(lesson_ids())}")


def load_lessons() -> Dict[str, Scenario]:
    """Every preset by name, in teaching order."""
    return {lesson_id(p): dataclasses.replace(Scenario.from_json(p.read_bytes()), lesson=lesson_id(p))
            for p in lesson_files()}

