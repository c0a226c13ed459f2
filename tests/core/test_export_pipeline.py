"""The export decodes, resizes, detects shots and writes in overlapping threads: what the
user gets must be exactly what one thread doing it step by step gives, and an error or a
cancel must end every thread with nothing half-written."""

import threading

import cv2
import numpy as np
import pytest

from trailer_gui.cli import main
from trailer_gui.core import video_reader as video_module
from trailer_gui.core.downscale import area_shrink, halvings
from trailer_gui.core.errors import Cancelled, TrailerError, VideoError
from trailer_gui.core.export import ExportSettings, export_dataset
from trailer_gui.core.frame_pipeline import THREAD_PREFIX, export_frames
from trailer_gui.core.progress import Progress
from trailer_gui.core.shots import ShotDetector
from trailer_gui.core.store import Project

from .conftest import write_mp4v


def pipeline_threads():
    return [t for t in threading.enumerate() if t.name.startswith(THREAD_PREFIX) and t.is_alive()]


def sequential_reference(path, size, stride):
    """The export as one loop would do it: decode each frame, area_shrink, BGR -> RGB."""
    cap = cv2.VideoCapture(str(path))
    frames, i = [], 0
    while True:
        ok, bgr = cap.read()
        if not ok:
            break
        if i % stride == 0:
            small = area_shrink(bgr, *size)
            frames.append(cv2.cvtColor(small, cv2.COLOR_BGR2RGB))
        i += 1
    cap.release()
    return np.stack(frames)


def write_shots(path, frames=90, size=(72, 128)):
    """A clip with three shots (cuts at 30 and 60) and motion inside each."""
    rows, cols = size
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), 24.0, (cols, rows))
    rng = np.random.default_rng(3)
    backgrounds = [rng.integers(0, 256, (rows // 8, cols // 8, 3), dtype=np.uint8) for _ in range(3)]
    for i in range(frames):
        img = cv2.resize(backgrounds[i // 30], (cols, rows), interpolation=cv2.INTER_NEAREST)
        x = (i * 4) % (cols - 10)
        img[rows // 3: rows // 3 + 10, x: x + 10] = 255
        writer.write(img)
    writer.release()
    return path


@pytest.fixture
def shots_project(tmp_path):
    proj = Project.create(tmp_path / "proj")
    clip = write_shots(proj.folder / "videos" / "shots.mp4")
    proj.add_video(clip)
    proj.set_cuts(0, None)  # as a video added before shots were detected: the export finds them
    return proj


@pytest.mark.parametrize("stride", [1, 3])
def test_the_threaded_export_is_bit_identical_to_a_sequential_one(shots_project, stride):
    proj = shots_project
    size = (48, 64)
    export_dataset(proj, ExportSettings(size=size, stride=stride))
    scene = np.load(proj.folder / "dataset" / "scene_0.npy", allow_pickle=False)
    want = sequential_reference(proj.video(0).path, size, stride)
    assert scene.shape == (len(want), 3, *size)
    assert np.array_equal(scene, want.transpose(0, 3, 1, 2))
    if stride == 1:  # shot detection ran on the same frames, in the same order
        detector = ShotDetector()
        for rgb in want:
            detector.feed(rgb)
        assert proj.cuts(0) == detector.finish()
        assert proj.cuts(0) == [30, 60]
    else:  # a strided export does not see every frame: it detects nothing
        assert proj.cuts(0) is None
    assert not pipeline_threads()


@pytest.mark.parametrize("workers", [1, 3])
def test_frames_arrive_in_order_whatever_the_number_of_workers(tmp_path, workers):
    clip = write_mp4v(tmp_path / "v.mp4", frames=50, size=(96, 128))
    assert halvings(96, 128, 10, 14) == 1  # the workers halve before the uneven area resize
    want = sequential_reference(clip, (10, 14), 2)
    with export_frames(clip, 50, 2, (10, 14), workers=workers, depth=2) as frames:
        got = np.stack(list(frames))
    assert np.array_equal(got, want)
    assert not pipeline_threads()


def fail_at_frame(monkeypatch, where):
    """Decoding stops at frame ``where`` (as a file cut short on disk would)."""
    real_grab = video_module._Decoder.grab

    def grab(self):
        if self.cur + 1 == where:
            raise VideoError(self.path, f"decoding stopped at frame {where}")
        real_grab(self)

    monkeypatch.setattr(video_module._Decoder, "grab", grab)


def test_a_decoding_error_in_the_thread_is_the_readers_error_and_nothing_is_left(
        project_with_videos, monkeypatch):
    proj = project_with_videos
    fail_at_frame(monkeypatch, 20)
    with pytest.raises(VideoError, match=r"a\.mp4: cannot be read \(decoding stopped at frame 20\)"):
        export_dataset(proj, ExportSettings(size=(8, 8)))
    out = proj.folder / "dataset"
    assert not list(out.glob("*.npy")) and not list(out.glob(".*")), "a half-written file stayed"
    assert not pipeline_threads()


def test_the_cli_reports_a_decoding_error_in_one_line_naming_the_file(
        project_with_videos, monkeypatch, capsys):
    proj = project_with_videos
    fail_at_frame(monkeypatch, 20)
    assert main(["export", str(proj.folder), "--size", "8"]) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "a.mp4" in err and "decoding stopped at frame 20" in err
    assert not list((proj.folder / "dataset").glob("*.npy"))
    assert not pipeline_threads()


@pytest.mark.parametrize("scale_in_decoder", [False, True])
def test_cancelling_stops_the_decoding_thread_and_the_workers(tmp_path, scale_in_decoder):
    proj = Project.create(tmp_path / "proj")
    proj.add_video(write_mp4v(proj.folder / "videos" / "long.mp4", frames=200, size=(96, 128)))
    running = []

    def listener(done, total, stage):
        if done >= 32:
            running.append(len(pipeline_threads()))
            progress.cancel()

    progress = Progress(listener)
    settings = ExportSettings(size=(16, 16), scale_in_decoder=scale_in_decoder)
    with pytest.raises(Cancelled):
        export_dataset(proj, settings, progress=progress)
    assert running and running[0] >= 1, "the export did not run in threads"
    assert not pipeline_threads(), "a thread kept running after the cancel"
    out = proj.folder / "dataset"
    assert not list(out.glob("scene_*.npy")) and not list(out.glob(".*"))


def test_leaving_the_frames_early_stops_the_threads(tmp_path):
    clip = write_mp4v(tmp_path / "v.mp4", frames=120, size=(96, 128))
    with export_frames(clip, 120, 1, (8, 8), workers=2) as frames:
        for k, _frame in enumerate(frames):
            if k == 5:
                break
        assert pipeline_threads()
    assert not pipeline_threads()


def test_scaling_in_the_decoder_gives_nearly_the_same_frames_and_its_own_export(shots_project):
    """The opt-in fast path (PyAV + swscale area): same frames, same cuts, pixels a little
    different; switching between the two re-exports the frames."""
    proj = shots_project
    out = proj.folder / "dataset"
    exact = ExportSettings(size=(48, 64))
    export_dataset(proj, exact)
    reference = np.load(out / "scene_0.npy", allow_pickle=False)
    cuts = proj.cuts(0)
    proj.set_cuts(0, None)
    report = export_dataset(proj, ExportSettings(size=(48, 64), scale_in_decoder=True))
    assert report.written == [0], "the other pixel source did not re-export the frames"
    scaled = np.load(out / "scene_0.npy", allow_pickle=False)
    assert scaled.shape == reference.shape and scaled.dtype == np.uint8
    # hard-edged random colours, shrunk 1.5x: the two area filters differ most here
    # (a channel swap or an offset would be tens of levels)
    assert np.abs(scaled.astype(np.int16) - reference).mean() < 10
    assert proj.cuts(0) == cuts == [30, 60]
    assert export_dataset(proj, exact).written == [0]
    assert np.array_equal(np.load(out / "scene_0.npy", allow_pickle=False), reference)
    assert not pipeline_threads()


def test_a_file_the_decoder_cannot_read_is_one_line_naming_it(project_with_videos, monkeypatch,
                                                              capsys):
    import av

    def unreadable(*args, **kwargs):
        raise av.InvalidDataError(1094995529, "Invalid data found when processing input")

    monkeypatch.setattr(av, "open", unreadable)
    proj = project_with_videos
    assert main(["export", str(proj.folder), "--size", "8", "--scale-in-decoder"]) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "a.mp4" in err and "Invalid data" in err, err
    out = proj.folder / "dataset"
    assert not list(out.glob("*.npy")) and not list(out.glob(".*"))
    assert not pipeline_threads()


@pytest.mark.parametrize("stride", [1, 3])
def test_scaling_in_the_decoder_is_within_a_level_or_two_on_a_trailer_like_clip(tmp_path, stride):
    from trailer_gui.demo import synth
    from trailer_gui.core.video_reader import VideoReader

    clip = tmp_path / "trailer.mp4"
    synth.write_trailer(clip, seed=1, seconds=2, size=(144, 256))
    with VideoReader(clip) as reader:
        frames = reader.info.frames
    with export_frames(clip, frames, stride, (64, 64)) as exact:
        exact = np.stack(list(exact)).astype(np.int16)
    with export_frames(clip, frames, stride, (64, 64), scale_in_decoder=True, workers=3) as scaled:
        scaled = np.stack(list(scaled))
    difference = np.abs(scaled - exact)
    assert scaled.shape == exact.shape == (len(range(0, frames, stride)), 64, 64, 3)
    assert difference.mean() < 1.5 and np.percentile(difference, 99) <= 4


@pytest.mark.parametrize("counted", [29, 31])
def test_scaling_in_the_decoder_refuses_a_video_whose_frames_it_counts_otherwise(
        project_with_videos, counted):
    """Labels belong to OpenCV's frame numbers: if PyAV's frames do not line up one for one,
    the export says so instead of shifting the frames against their labels."""
    proj = project_with_videos
    with proj.transaction() as db:  # as if OpenCV had counted another number of frames
        db.execute("UPDATE videos SET frames = ? WHERE id = 0", (counted,))
    with pytest.raises(TrailerError, match="a\\.mp4.*without scaling in the decoder"):
        export_dataset(proj, ExportSettings(size=(8, 8), scale_in_decoder=True), ids=[0])
    out = proj.folder / "dataset"
    assert not list(out.glob("scene_*.npy")) and not list(out.glob(".*"))
    assert not pipeline_threads()
