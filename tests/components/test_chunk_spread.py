"""Chunk lengths set apart per session (components/playground/player.py ``chunk_seconds``, ``phase_of``):
with one length for all, a class that pressed Play together kept asking for chunks together, in waves
(the load test saw 25 requests within 0.5 s, each then waiting about a second for the others)."""
import numpy as np
import pytest

from components.playground import player
from components.playground.settings import PlaygroundSettings, new_run

CLASS = [f"session-{i:02d}-{i * 7919 % 1000:03d}" for i in range(40)]   # 40 session ids


@pytest.mark.parametrize("n_players, rtt", [(1, 0.0), (12, 0.0), (40, 0.0), (3, 2.0)])
def test_a_chunk_is_its_base_length_stretched_by_at_most_a_fifth_either_way(n_players, rtt):
    base = player.chunk_seconds(n_players, rtt)          # phase 0.5: the middle, the base length
    assert base == min(player.MAX_CHUNK_SECONDS, max(player.CHUNK_SECONDS, 0.1 * n_players, 1.5 * rtt))
    lengths = [player.chunk_seconds(n_players, rtt, p) for p in np.linspace(0, 0.999, 50)]
    assert min(lengths) == pytest.approx(base * (1 - player.SPREAD / 2))
    assert max(lengths) < base * (1 + player.SPREAD / 2) <= player.LONGEST_CHUNK_SECONDS + 1e-12
    assert lengths == sorted(lengths), "a larger phase, a longer chunk"


def test_sessions_have_their_own_phases_spread_over_the_range():
    phases = [player.phase_of(s) for s in CLASS]
    assert len(set(phases)) == len(CLASS) and all(0 <= p < 1 for p in phases)
    assert player.phase_of(CLASS[0]) == player.phase_of(CLASS[0]), "fixed by the id"
    assert np.histogram(phases, bins=4, range=(0, 1))[0].min() >= 5, "no quarter of the range left empty"


def _busiest_half_second(times):
    times = np.sort(times)
    return max(int(np.searchsorted(times, t + 0.5) - i) for i, t in enumerate(times))


def _asks(lengths, chunks):
    return np.asarray(lengths) * chunks     # every session asks again when its last chunk has played


def test_a_class_that_asks_in_step_drifts_apart():
    """40 sessions ask for a chunk at the same moment (they pressed Play together, or a slow answer
    lined them up), then each asks again when its chunk has played: after three chunks the requests
    are spread out, not a wave. With one length for all they stay a wave of 40."""
    n = len(CLASS)
    lengths = [player.chunk_seconds(n, 0.0, player.phase_of(s)) for s in CLASS]
    assert _busiest_half_second(_asks(lengths, 3)) <= 10, sorted(_asks(lengths, 3))
    assert _busiest_half_second(_asks([player.chunk_seconds(n, 0.0)] * n, 3)) == n


def test_a_played_chunk_holds_the_sessions_length_of_frames():
    counts = {}
    for sid in (CLASS[0], CLASS[1], CLASS[3]):
        run = new_run(PlaygroundSettings())
        phase = player.phase_of(sid)
        player.next_chunk(run, 1, n_players=1, first=True, phase=phase)           # Play's own, shorter
        payload = player.next_chunk(run, 1, n_players=1, phase=phase)
        counts[sid] = len(payload["frames"])
        assert counts[sid] == round(player.chunk_seconds(1, 0.0, phase) * player.MAX_FPS)
    assert len(set(counts.values())) == 3, counts
