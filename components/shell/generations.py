"""Widgets keyed by a generation number, and the one rule their callbacks follow.

A page that rebuilds its widgets when their values change elsewhere (a preset, a link, an applied
update) keys them ``<name>_<generation>`` and bumps the generation. Streamlit can then fire the
``on_change`` of a widget of an older generation, after the page has replaced it: when a click inside
a fragment interrupts the full run that drew the new widgets, the next run sees the old widgets'
values as changes and calls their callbacks. Measured on the step page under load: the Textbook
preset, then the Loss view clicked while the preset's run was still drawing, ran every old sidebar
callback (inputs 2, hidden "3", …) and put the default network back (1 run in 40;
``tests/components/test_generations.py`` replays it). Such a call carries the values the page showed
before the rebuild, never a new choice, so it is dropped.

Limit: a change made on an old widget in the same instant (before the rebuilt sidebar arrived) is
dropped too; the rebuilt widget shows the page's value, and the student makes the change again.
"""
import functools
import inspect
from typing import Callable, Optional


def generation_of(key: str) -> Optional[int]:
    """The generation a widget key ends in (``"step_hidden_3"`` → 3); None when it ends in none."""
    tail = key.rsplit("_", 1)[-1]
    return int(tail) if tail.isdigit() else None


def current_widgets_only(generation: Callable[[], int]):
    """Decorate an ``on_change`` callback that takes the widget's ``key``: it runs only when ``key``
    belongs to the generation the page draws now (``generation()``), and is dropped otherwise."""
    def decorate(callback):
        signature = inspect.signature(callback)

        @functools.wraps(callback)
        def guarded(*args, **kwargs):
            key = signature.bind(*args, **kwargs).arguments["key"]
            if generation_of(key) == generation():
                return callback(*args, **kwargs)
            return None
        return guarded
    return decorate
