"""What the player says when it plays fewer than 30 frames a second: the class's CPU share, or a busy
machine (components/playground/player.py ``chunk_payload``)."""
import dataclasses

from components.playground import player
from components.playground.settings import PlaygroundSettings, new_run


def short_chunk(cpu_seconds):
    run = new_run(PlaygroundSettings())
    chunk = player.producer_for(run).chunk(5, 1)        # 5 frames where 1.5 s at 30/s would be 45
    return dataclasses.replace(chunk, cpu_seconds=cpu_seconds)


def test_a_full_chunk_says_nothing():
    run = new_run(PlaygroundSettings())
    payload = player.chunk_payload(player.producer_for(run).chunk(45, 1), 1, 1.5)
    assert payload["fps"] == player.MAX_FPS and payload["note"] == ""


def test_a_chunk_cut_by_the_class_share_names_the_share_and_the_players():
    budget = player.cpu_budget(40, 4.0)
    payload = player.chunk_payload(short_chunk(budget), 40, 4.0)
    assert payload["fps"] < player.MAX_FPS
    assert f"capped at {player.SERVER_SHARE:g} core" in payload["note"] and "(40 now)" in payload["note"]


def test_a_chunk_cut_by_the_wall_clock_says_the_machine_is_busy_not_the_share():
    payload = player.chunk_payload(short_chunk(0.01), 1, 1.5)     # one player, far under its CPU share
    assert payload["fps"] < player.MAX_FPS
    assert "machine is busy" in payload["note"] and "capped" not in payload["note"]
