"""Live coding without Qt: held genre keys -> label edits, one gesture (one undo step) per hold.

Live coding as in BORIS: while the video plays, holding a genre key paints each frame the
playhead passes (gaps between shown frames are filled), and the whole hold is one undo step.
A short press on a paused video toggles the genre on the current frame; holding it and
stepping with the arrow keys paints (or erases, if the press turned the frame off) as you go.

Everything that paints a passed frame goes through ``LiveCoder._paint_passed``, so the
reaction-lag preference (shift live painting back by N ms) lives in one place. The keys
themselves (X11 auto-repeat, text fields) are ``widgets.labels.live_coding.GenreKeyFilter``'s job.
"""

from __future__ import annotations

from dataclasses import dataclass

from .editing import LabelEditor


@dataclass
class _Held:
    genre: int
    value: bool  # paint on (True) or erase (False) while held
    last: int  # the last frame painted (before the lag shift)
    suspended: bool = False  # released, maybe (a release pending: see the module docstring)


class LiveCoder:
    """Held genre keys -> label edits, one gesture (one undo step) per hold."""

    # Gaps larger than this (a seek, a loop back) are not filled: only the new frame is painted.
    MAX_FILL_S = 2.0

    def __init__(self):
        self.editor: LabelEditor | None = None
        self.fps = 24.0
        self.lag_ms = 0  # issue #6: painting while playing lands this much earlier
        self._held: dict[int, _Held] = {}

    def set_editor(self, editor: LabelEditor | None, fps: float = 24.0) -> None:
        self.release_all()
        self.editor = editor
        self.fps = fps or 24.0

    @property
    def lag_frames(self) -> int:
        return int(round(self.lag_ms * self.fps / 1000.0))

    @property
    def holding(self) -> bool:
        return bool(self._held)

    def held_genres(self) -> list[int]:
        return [h.genre for h in self._held.values()]

    # ---- key events ----------------------------------------------------------------------
    def press(self, genre: int, frame: int, playing: bool) -> None:
        """A genre key went down (not an auto-repeat)."""
        ed = self.editor
        if ed is None or genre in self._held:
            return
        ed.begin_gesture()
        if playing:
            value = True
            self._paint_passed(genre, frame, frame, value, live=True)
        else:
            value = not bool(ed.array[frame, genre]) if 0 <= frame < ed.frames else True
            ed.paint(genre, frame, frame + 1, value)
        self._held[genre] = _Held(genre, value, frame)

    def passed(self, frame: int, playing: bool) -> None:
        """The playhead moved to ``frame``: paint it, and the frames skipped since the last."""
        for h in self._held.values():
            if frame == h.last or h.suspended:
                continue
            gap = frame - h.last
            if 0 < gap <= self.MAX_FILL_S * self.fps:
                self._paint_passed(h.genre, h.last + 1, frame, h.value, live=playing)
            else:
                self._paint_passed(h.genre, frame, frame, h.value, live=playing)
            h.last = frame

    def suspend(self, genre: int, suspended: bool = True) -> None:
        """Stop (or resume) painting for a hold whose key may have been released."""
        if genre in self._held:
            self._held[genre].suspended = suspended

    def release(self, genre: int):
        """The key went up: the hold becomes one undo step (returned, or None if nothing changed)."""
        if self._held.pop(genre, None) is None or self.editor is None:
            return None
        return self.editor.end_gesture()

    def release_all(self) -> None:
        for genre in list(self._held):
            self.release(genre)

    # ---- the one place that paints passed frames -----------------------------------------
    def _paint_passed(self, genre: int, first: int, last: int, value: bool, live: bool) -> None:
        """Paint frames ``first..last`` (inclusive); during playback shifted back by the lag.

        Reaction lag (Preferences, issue #6; ELAN's "delayed" mode): with
        ``shift = lag_frames = round(lag_ms / 1000 * fps)``, a key pressed while the playhead
        shows frame ``f`` during playback starts painting at ``f - shift``; each frame ``g``
        passed while it is held paints ``g - shift`` (with the gap since the last one); so a
        hold released at frame ``r`` covers ``f - shift .. r - shift`` inclusive. Frames before
        0 are dropped (a hold ending before ``shift`` paints nothing). Not shifted: a press on
        a paused video (a toggle of the current frame) and frames passed while paused
        (stepping with the arrows): there the annotator sees the frame before deciding.
        """
        shift = self.lag_frames if live else 0
        lo, hi = max(0, first - shift), last - shift + 1
        if hi > lo:
            self.editor.paint(genre, lo, hi, value)
