"""A playground on uploaded CSV points: save the page, load the file in a fresh session, get the same
points, weights and training; no link for points; a bad file changes nothing (AppTest)."""
import json
from pathlib import Path

import numpy as np
import pytest
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parents[2] / "app.py")
PLAYGROUND = "components/playground/page.py"
SPLIT = ("X_train", "y_train", "X_test", "y_test")


@pytest.fixture
def files(monkeypatch):
    """What each download button of the runs holds, by media file id (the bytes the browser gets)."""
    held = {}
    load = MemoryMediaFileStorage.load_and_get_id

    def recording(self, path_or_data, mimetype, kind, filename=None):
        file_id = load(self, path_or_data, mimetype, kind, filename)
        held[file_id] = path_or_data
        return file_id
    monkeypatch.setattr(MemoryMediaFileStorage, "load_and_get_id", recording)
    add_deferred = MediaFileManager.add_deferred

    def deferred(self, data_callable, *args, **kwargs):   # a file built on click: the click is the call
        file_id = add_deferred(self, data_callable, *args, **kwargs)
        held[file_id] = data_callable
        return file_id
    monkeypatch.setattr(MediaFileManager, "add_deferred", deferred)
    return held


def playground():
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.switch_page(PLAYGROUND).run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def csv_points(n=90, seed=0):
    """Three classes in the corners, coordinates with all 17 significant digits."""
    rng = np.random.default_rng(seed)
    X = rng.uniform(-9.0, 9.0, (n, 2))
    label = (X[:, 0] > 0).astype(int) + (X[:, 1] > 3).astype(int)
    return ("x1,x2,label\n" + "\n".join(f"{float(a)!r},{float(b)!r},{c}" for (a, b), c in zip(X, label))).encode()


def saved_file(at, files) -> bytes:
    """The bytes the browser gets on a click of Save (the file is built at the click, from the state then)."""
    proto = at.download_button(key="share_save").proto
    data = files[proto.deferred_file_id] if proto.deferred_file_id else files[proto.url.rsplit("/", 1)[1].split(".")[0]]
    data = data() if callable(data) else data
    return data.encode() if isinstance(data, str) else data


def load(at, name, content):
    at.file_uploader(key="share_upload").set_value((name, content, "application/json")).run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def run_of(at):
    return at.session_state["playground"].run


def test_playground_on_uploaded_points_saves_and_loads_exactly_in_a_fresh_session(files):
    at = playground()
    at.file_uploader(key="pg_csv").set_value(("class.csv", csv_points(), "text/csv")).run()
    at.text_input(key="pg_hidden").input("5, 3").run()
    for _ in range(4):
        at.button(key="pg_step").click().run()
    run = run_of(at)
    assert run.settings.dataset == "csv" and run.dataset.task == "multiclass" and run.trainer.step_count == 4
    assert not any("Save unavailable" in c.value for c in at.sidebar.caption)
    warnings = [w.value for w in at.warning]   # the address keeps the rest; the page says what it cannot keep
    assert any("cannot be restored after a restart: save the scenario file" in w and "uploaded points" in w
               for w in warnings), warnings
    assert "ds" not in at.query_params and at.query_params["s"] == "2-5-3-1"
    text = saved_file(at, files)
    doc = json.loads(text)
    assert doc["data"]["dataset"] == "csv" and len(doc["data"]["points"]["train"]["x"]) == len(run.dataset.X_train)

    fresh = load(playground(), "class.json", text)
    again = run_of(fresh)
    assert any("Loaded 'class.json'" in m.value for m in fresh.info)
    assert fresh.selectbox(key="pg_dataset").value == "csv", "the selector shows the uploaded data"
    assert again.settings == run.settings and again.trainer.step_count == 4
    for name in SPLIT:
        got, want = getattr(again.dataset, name), getattr(run.dataset, name)
        assert got.dtype == want.dtype and np.array_equal(got, want), name
    assert again.uploaded is again.dataset, "the same state as after uploading the CSV"
    assert again.dataset.extent == run.dataset.extent
    for a, b in zip(again.net.parameters(), run.net.parameters()):
        assert np.array_equal(a, b)
    for page in (at, fresh):  # both go on training to the same numbers
        for _ in range(3):
            page.button(key="pg_step").click().run()
    for a, b in zip(run_of(fresh).net.parameters(), run_of(at).net.parameters()):
        assert np.array_equal(a, b)
    assert not fresh.exception and not fresh.error


@pytest.mark.parametrize("edit,message", [
    (lambda p: p["train"]["x"][2].__setitem__(1, 5000.0),
     "data.points.train.x[2][1]: expected a finite number in [-1000, 1000], got 5000.0"),
    (lambda p: p["test"]["y"].__setitem__(0, 7),
     "data.points.test.y[0]: expected a class label: an integer from 0 to 2"),
    (lambda p: p.update(n_classes=2), "data.points.n_classes: expected an integer from 3 to 6 for a multiclass task"),
])
def test_a_bad_points_file_names_the_field_and_changes_nothing(files, edit, message):
    at = playground()
    at.file_uploader(key="pg_csv").set_value(("class.csv", csv_points(), "text/csv")).run()
    doc = json.loads(saved_file(at, files))
    edit(doc["data"]["points"])
    fresh = playground()
    fresh.button(key="pg_step").click().run()
    before, settings = run_of(fresh), fresh.session_state["playground"].settings
    weights = [p.copy() for p in before.net.parameters()]
    load(fresh, "bad.json", json.dumps(doc).encode())
    errors = [e.value for e in fresh.error]
    assert len(errors) == 1 and message in errors[0] and "Nothing was changed" in errors[0], errors
    assert run_of(fresh) is before and fresh.session_state["playground"].settings == settings
    assert before.settings.dataset == "circles" and before.trainer.step_count == 1
    assert all(np.array_equal(a, b) for a, b in zip(before.net.parameters(), weights))
