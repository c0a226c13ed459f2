import cv2
import numpy as np
import pytest


def write_mp4v(path, frames=30, size=(48, 64), fps=24.0):
    """A small MPEG-4 file whose frames differ visibly (a moving bar and a changing tint)."""
    rows, cols = size
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, (cols, rows))
    assert writer.isOpened()
    for i in range(frames):
        img = np.full((rows, cols, 3), (i * 7) % 255, np.uint8)
        x = (i * 3) % cols
        img[:, x : x + 4] = (0, 0, 255)
        writer.write(img)
    writer.release()
    return path


@pytest.fixture(scope="session")
def small_video(tmp_path_factory):
    return write_mp4v(tmp_path_factory.mktemp("v") / "small.mp4", frames=30)


@pytest.fixture
def project(tmp_path):
    from trailer_gui.core.store import Project

    return Project.create(tmp_path / "proj")


@pytest.fixture
def project_with_videos(tmp_path):
    """A project with two videos inside its folder (30 and 20 frames)."""
    from trailer_gui.core.store import Project

    proj = Project.create(tmp_path / "proj")
    write_mp4v(proj.folder / "videos" / "a.mp4", frames=30)
    write_mp4v(proj.folder / "videos" / "b.mp4", frames=20, size=(40, 72))
    proj.add_video(proj.folder / "videos" / "a.mp4")
    proj.add_video(proj.folder / "videos" / "b.mp4")
    return proj
