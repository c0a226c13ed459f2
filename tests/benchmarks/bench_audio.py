"""Picture/sound offset benchmark (run by hand): ``python tests/benchmarks/bench_audio.py``.

Makes a 10 s 720p H.264 + AAC synthetic trailer (``synth.write_trailer``: genre-dependent
pictures and sound), plays it offscreen in a ``Player`` whose decoder follows the sound of an
``AudioTrack`` (Qt Multimedia; no sound device needed: the position then advances in real
time), and prints for each run:

* the picture/sound offset of every frame shown (audio position at the moment the frame is
  shown minus the frame's time; positive: picture late): mean, mean |offset|, p95 and max
  of |offset|, in ms and frames; the same against the last ``position()`` sample alone
  ("raw", which adds the 0-23 ms rounding of Qt's position);
* the clock alone: the media clock the decoder paces against minus the audio position, at
  the same moments (what is left of the offset once the decoder's lateness is taken out);
* frames shown and dropped (and, for comparison, a run with the player's own clock), frames
  shown while the sound did not lead, audio stalls.

Runs: 1x from the start, 1x with the filmstrip making thumbnails meanwhile (``--filmstrip``
adds a timeline with a filmstrip that zooms about), 2x, and seeks while playing (the offset
over the 0.8 s after each seek).

Options: ``--seconds 10 --size 720x1280 --play 9 --keep`` (``--keep`` keeps the clip as
``./bench_audio_720p.mp4`` and reuses it next time).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QT_LOGGING_RULES", "qt.multimedia.*=false")
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--size", default="720x1280", help="rows x cols")
    ap.add_argument("--fps", type=float, default=24.0)
    ap.add_argument("--play", type=float, default=9.0, help="seconds of each 1x run")
    ap.add_argument("--filmstrip", action="store_true", help="also a run with the filmstrip busy")
    ap.add_argument("--keep", action="store_true")
    args = ap.parse_args()
    rows, cols = (int(v) for v in args.size.lower().split("x"))

    from PySide6 import QtCore, QtWidgets

    from trailer_gui.demo.synth import write_trailer
    from trailer_gui.core.video_probe import probe
    from trailer_gui.widgets.playback.audio import AudioTrack, multimedia
    from trailer_gui.widgets.playback.player import Player

    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication([])
    if multimedia() is None:
        print("Qt Multimedia cannot be loaded: nothing to measure")
        return 1

    tmp = tempfile.TemporaryDirectory()
    clip = Path(f"bench_audio_{rows}p.mp4") if args.keep else Path(tmp.name) / "clip.mp4"
    if not clip.exists():
        t0 = time.perf_counter()
        write_trailer(clip, seed=21, seconds=args.seconds, fps=args.fps, size=(rows, cols),
                      codec="h264", audio=True)
        print(f"clip: {clip} written in {time.perf_counter() - t0:.1f} s")
    info = probe(clip)
    print(f"clip: {info.frames} frames {info.width}x{info.height} @ {info.fps:g} fps, "
          f"H.264 (g=240, bf=3) + AAC; sound: {info.has_audio}")

    def wait(ms: float) -> None:
        loop = QtCore.QEventLoop()
        QtCore.QTimer.singleShot(int(ms), loop.quit)
        loop.exec()

    def wait_for(pred, timeout_ms: float = 10000) -> bool:
        deadline = time.monotonic() + timeout_ms / 1000
        while not pred() and time.monotonic() < deadline:
            wait(10)
        return pred()

    player = Player()
    player.resize(1280, 760)
    player.show()
    track = AudioTrack()
    track.attach(player)
    player.open(clip, info.frames, info.fps)
    track.open(clip, info.fps, info.has_audio)
    assert wait_for(lambda: player.shown_frame() == 0 and track.status() == "ready", 30000), \
        f"not ready: frame {player.shown_frame()}, sound {track.status()} {track.error()}"

    timeline = strip = None
    if args.filmstrip:
        import numpy as np

        from trailer_gui.core.editing import LabelEditor
        from trailer_gui.core.genres import default_genres
        from trailer_gui.widgets.timeline.filmstrip import Filmstrip
        from trailer_gui.widgets.timeline.timeline import Timeline

        genres = default_genres()
        timeline = Timeline()
        timeline.resize(1280, 260)
        timeline.show()
        strip = Filmstrip(timeline)
        timeline.set_labels(LabelEditor(np.zeros((info.frames, len(genres)), bool),
                                        [g.name for g in genres]), genres, info.fps)
        strip.set_video(clip, info.frames, info.fps, info.width / info.height)
        player.sigPlayingChanged.connect(strip.set_playing)
        player.sigFrameChanged.connect(timeline.set_frame)

    def report(name: str, elapsed: float) -> None:
        o = track.offset_stats()
        r = o["raw"]
        s = player.stats()
        c = o["clock"]
        print(f"{name} ({elapsed:.1f} s): shown {s['shown']}, dropped {s['dropped']}; "
              f"offset over {o['frames']} frames: mean {o['mean_ms']:+.1f} ms, "
              f"mean |.| {o['mean_abs_ms']:.1f} ms ({o['mean_abs_frames']:.2f} frames), "
              f"p95 {o['p95_abs_ms']:.1f} ms ({o['p95_abs_frames']:.2f} frames), "
              f"max {o['max_abs_ms']:.1f} ms ({o['max_abs_frames']:.2f} frames); "
              f"raw: mean |.| {r['mean_abs_ms']:.1f} ms, p95 {r['p95_abs_ms']:.1f} ms, "
              f"max {r['max_abs_ms']:.1f} ms; clock vs sound: mean |.| {c['mean_abs_ms']:.1f} ms, "
              f"max {c['max_abs_ms']:.1f} ms; unsynced {o['unsynced']}, stalls {o['stalls']}")

    def run(name: str, speed: float, seconds: float, start: int = 0, during=None) -> None:
        player.seek(start)
        wait_for(lambda: player.shown_frame() == start and not player.is_playing())
        wait(200)
        player.set_speed(speed)
        t0 = time.monotonic()
        player.play()
        if during is not None:
            during(seconds)
        else:
            wait_for(lambda: not player.is_playing(), seconds * 1000)
        elapsed = time.monotonic() - t0
        report(name, elapsed)
        player.pause()

    run("1x", 1.0, args.play)
    # the same without the sound leading (the player's own monotonic clock): what the decoder
    # alone achieves on this machine, for comparison of shown/dropped
    factory, player.clock_factory = player.clock_factory, None
    player.seek(0)
    wait_for(lambda: player.shown_frame() == 0)
    t0 = time.monotonic()
    player.play()
    wait_for(lambda: not player.is_playing(), args.play * 1000)
    s = player.stats()
    print(f"1x, picture alone, no sound ({time.monotonic() - t0:.1f} s): shown {s['shown']}, "
          f"dropped {s['dropped']}")
    player.pause()
    player.clock_factory = factory
    if strip is not None:
        def zooming(seconds):
            t_end = time.monotonic() + seconds
            k = 0
            while time.monotonic() < t_end and player.is_playing():
                span = [info.frames, 120, 48, 240][k % 4]
                x0 = (player.frame() // max(1, span)) * span
                timeline.zoom_to(x0, x0 + span)
                k += 1
                wait(400)
            print(f"  filmstrip: {strip.worker().made if strip.worker() else 0} thumbnails made")

        run("1x, filmstrip zooming", 1.0, args.play, during=zooming)
    run("2x", 2.0, min(args.play, info.frames / info.fps / 2 - 0.5))

    # seeks while playing: the offset over the 0.8 s after each seek
    player.seek(0)
    wait_for(lambda: player.shown_frame() == 0)
    player.set_speed(1.0)
    player.play()
    wait(500)
    parts = []
    for target in (120, 24, 200, 60, 160):
        player.seek(target)
        track.reset_stats()
        wait(800)
        o = track.offset_stats()
        parts.append(f"to {target}: {o['frames']} frames, mean |.| {o['mean_abs_ms']:.0f} ms, "
                     f"max {o['max_abs_ms']:.0f} ms")
    player.pause()
    print("seeks while playing, offset over the next 0.8 s: " + "; ".join(parts))
    if strip is not None:
        strip.shutdown()
    track.shutdown()
    player.shutdown()
    del app
    return 0


if __name__ == "__main__":
    sys.exit(main())
