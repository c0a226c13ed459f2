"""What one ``Player.play()`` showed and dropped (Playback statistics, the lag tests).

A play session lasts from ``play()`` to the pause or the end, across speed changes, seeks and
switches between the exact decoder and the proxy; each of those starts a new playback
*command* in the decoder, and frames are counted per session. The drops are the decoder's own
count (``FrameSource.playback_stats``), taken only when it belongs to this session.
"""

from __future__ import annotations


class PlaybackTally:
    def __init__(self):
        self.session = 0  # the play session's number, passed to the decoder with each command
        self.shown = 0
        self._newest = -1  # the newest frame shown by the current command

    def new_session(self) -> None:
        self.session += 1
        self.shown = 0

    def new_command(self) -> None:
        self._newest = -1

    def take(self, index: int) -> bool:
        """Count frame ``index`` as shown; False (not counted) if it is not newer than the
        last one (cannot happen: the decoder plays forward; the picture never goes back)."""
        if index <= self._newest:
            return False
        self._newest = index
        self.shown += 1
        return True

    def stats(self, source) -> dict:
        """``{"shown", "dropped"}`` of this session; ``source``: the decoder playing (or None)."""
        dropped = 0
        if source is not None:
            s = source.playback_stats()
            if s["session"] == self.session:
                dropped += s["dropped"]
        return {"shown": self.shown, "dropped": dropped}
