"""Sound in step with the picture (issue #6), tested without a sound device.

Qt Multimedia plays a file with no sound device here: ``QMediaPlayer.position()`` advances in
real time and "No audio device detected" is only logged. The clip is a small H.264 + AAC
synthetic trailer (64x48, 3 s) whose sound depends on its genres. Bounds are loose (CI
machines are shared and slow); the benchmark ``tests/benchmarks/bench_audio.py`` measures.
"""

from __future__ import annotations

import pytest

from trailer_gui.demo.synth import write_trailer

FPS = 24.0


# ---- with Qt Multimedia -----------------------------------------------------------------------
@pytest.fixture(scope="module")
def multimedia():
    from trailer_gui.widgets.playback.audio import multimedia as load

    mm = load()
    if mm is None:
        pytest.skip("Qt Multimedia cannot be loaded here (see the log)")
    return mm


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    path = tmp_path_factory.mktemp("audio") / "sound.mp4"
    labels = write_trailer(path, seed=11, seconds=3.0, fps=FPS, size=(48, 64), codec="h264",
                           audio=True)
    return str(path), len(labels)


@pytest.fixture
def pair(qtbot, multimedia):
    from trailer_gui.widgets.playback.audio import AudioTrack
    from trailer_gui.widgets.playback.player import Player

    player = Player()
    qtbot.addWidget(player)
    player.resize(320, 240)
    player.show()
    track = AudioTrack()
    track.attach(player)
    yield player, track
    player.shutdown()
    track.shutdown()


def open_pair(qtbot, pair, clip, has_audio=True):
    player, track = pair
    path, frames = clip
    player.open(path, frames, FPS)
    track.open(path, FPS, has_audio)
    qtbot.waitUntil(lambda: player.shown_frame() == 0, timeout=20000)
    if has_audio:
        qtbot.waitUntil(lambda: track.status() == "ready", timeout=20000)
    return player, track


def audio_near(track, seconds, tol=0.012):
    pos = track.position_s()
    return pos is not None and abs(pos - seconds) <= tol


def wait_together(qtbot, player, track, tol=0.15):
    """Picture and sound within ``tol`` seconds of each other. Not at one instant: on a
    starved machine the sound may stall for a moment, the picture then runs on by itself
    (no freeze) and waits for the sound when it comes back."""
    def together():
        pos = track.position_s()
        return pos is not None and abs(pos - player.shown_frame() / FPS) < tol

    qtbot.waitUntil(together, timeout=20000)


def test_the_sound_drives_the_picture_and_stays_within_a_frame(qtbot, pair, clip):
    player, track = open_pair(qtbot, pair, clip)
    assert player.clock_factory == track.clock_factory
    player.play()
    qtbot.wait(1200)
    assert player.is_playing()
    clock = track.clock()
    assert clock is not None and clock.samples > 5 and not clock.timed_out
    assert player.frame() > 15  # frames advance
    # the picture is where the sound is
    wait_together(qtbot, player, track)
    s = track.offset_stats()
    assert s["frames"] >= 15
    assert s["mean_abs_frames"] < 1.0
    assert s["p95_abs_frames"] < 2.0
    player.pause()


def test_pause_seek_and_step_keep_sound_and_picture_together(qtbot, pair, clip, multimedia):
    player, track = open_pair(qtbot, pair, clip)
    player.play()
    qtbot.wait(500)
    player.pause()
    mp = track.media_player()
    # commands reach Qt Multimedia through the event loop (see AudioTrack._command)
    qtbot.waitUntil(lambda: mp.playbackState() != multimedia.QMediaPlayer.PlaybackState.PlayingState,
                    timeout=20000)
    shown = player.frame()
    qtbot.waitUntil(lambda: audio_near(track, shown / FPS), timeout=20000)
    player.seek(40)
    qtbot.waitUntil(lambda: player.shown_frame() == 40, timeout=20000)
    qtbot.waitUntil(lambda: audio_near(track, 40 / FPS), timeout=20000)
    player.step(-1)
    qtbot.waitUntil(lambda: player.shown_frame() == 39, timeout=20000)
    qtbot.waitUntil(lambda: audio_near(track, 39 / FPS), timeout=20000)
    qtbot.wait(100)
    assert audio_near(track, 39 / FPS)  # paused: no sound moves on
    # playing again starts both from there
    player.play()
    qtbot.wait(400)
    assert player.frame() > 39
    wait_together(qtbot, player, track)
    player.pause()


def test_a_seek_while_playing_moves_the_sound_too(qtbot, pair, clip):
    player, track = open_pair(qtbot, pair, clip)
    player.play()
    qtbot.wait(300)
    player.seek(48)
    qtbot.wait(400)
    assert player.is_playing() and player.frame() >= 48
    wait_together(qtbot, player, track)
    player.pause()


def test_speed_changes_keep_them_together_and_mute_above_2x(qtbot, pair, clip):
    player, track = open_pair(qtbot, pair, clip)
    out = track.audio_output()
    player.play()
    qtbot.wait(300)
    player.set_speed(2.0)
    qtbot.waitUntil(lambda: track.media_player().playbackRate() == pytest.approx(2.0), timeout=20000)
    assert not out.isMuted()
    qtbot.wait(400)
    wait_together(qtbot, player, track, 0.2)
    player.set_speed(4.0)
    assert out.isMuted() and not track.is_muted()  # muted for speed, not by the user
    player.set_speed(1.0)
    assert not out.isMuted()
    player.pause()


def test_mute_toggles_the_output(qtbot, pair, clip):
    player, track = open_pair(qtbot, pair, clip)
    out = track.audio_output()
    with qtbot.waitSignal(track.sigMutedChanged):
        track.set_muted(True)
    assert out.isMuted() and track.is_muted()
    track.set_muted(False)
    assert not out.isMuted()


def test_a_video_without_sound_plays_as_before(qtbot, pair, tmp_path):
    path = tmp_path / "silent.mp4"
    frames = len(write_trailer(path, seed=2, seconds=2.0, fps=FPS, size=(48, 64)))
    player, track = open_pair(qtbot, pair, (str(path), frames), has_audio=False)
    assert track.status() == "off" and player.clock_factory is None
    player.play()
    qtbot.wait(500)
    assert player.frame() >= 6


def test_without_qt_multimedia_the_picture_plays_alone(qtbot, pair, clip, monkeypatch):
    from trailer_gui.widgets.playback import audio

    monkeypatch.setattr(audio, "_MULTIMEDIA", False)
    player, track = open_pair(qtbot, pair, clip, has_audio=False)
    assert not track.open(clip[0], FPS, True)
    assert track.status() == "unavailable" and player.clock_factory is None
    player.play()
    qtbot.wait(400)
    assert player.frame() >= 5


def test_a_sound_that_cannot_load_falls_back_to_the_player_clock(qtbot, pair, clip, tmp_path):
    player, track = pair
    path, frames = clip
    player.open(path, frames, FPS)
    track.open(tmp_path / "gone.mp4", FPS, True)  # the sound's file is missing
    qtbot.waitUntil(lambda: track.status() == "failed", timeout=20000)
    assert track.error() and player.clock_factory is None
    qtbot.waitUntil(lambda: player.shown_frame() == 0, timeout=20000)
    player.play()
    qtbot.wait(400)
    assert player.frame() >= 5


def test_play_before_the_sound_is_loaded_does_not_freeze(qtbot, pair, clip):
    player, track = pair
    path, frames = clip
    player.open(path, frames, FPS)
    track.open(path, FPS, True)
    qtbot.waitUntil(lambda: player.shown_frame() == 0, timeout=20000)
    player.play()  # possibly still loading: the clock holds, then the sound leads
    qtbot.wait(900)
    assert player.frame() >= 10
    assert track.status() == "ready"
    wait_together(qtbot, player, track)
    player.pause()


def test_the_window_plays_sound_mutes_with_m_and_shows_statistics(make_window, qtbot, tmp_path,
                                                                  multimedia, fresh_settings):
    from PySide6 import QtWidgets

    from trailer_gui.core.store import Project

    folder = tmp_path / "project"
    project = Project.create(folder)
    write_trailer(folder / "videos" / "sound.mp4", seed=5, seconds=2.0, fps=FPS, size=(72, 128),
                  codec="h264", audio=True)
    project.add_video(folder / "videos" / "sound.mp4")
    project.close()
    window = make_window(folder)
    track = window.playback.audio
    qtbot.waitUntil(lambda: track.status() == "ready", timeout=20000)
    assert window.player.clock_factory == track.clock_factory
    mute = window.actions.toggle_mute
    assert mute.isCheckable() and not mute.isChecked()
    window.activateWindow()
    qtbot.keyClick(window, "m")
    assert track.is_muted() and track.audio_output().isMuted() and mute.isChecked()
    assert fresh_settings.muted
    mute.trigger()
    assert not track.is_muted() and not fresh_settings.muted
    window.transport.toggle_play()
    qtbot.wait(700)
    assert window.player.frame() > 5
    s = track.offset_stats()
    assert s["frames"] > 5 and s["mean_abs_frames"] < 1.0
    window.actions.playback_stats.trigger()
    dialog = window.playback.stats_dialog
    assert isinstance(dialog, QtWidgets.QDialog) and dialog.isVisible()
    assert "offset" in dialog.label.text()
    window.transport.toggle_play()
    dialog.close()
