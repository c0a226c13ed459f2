"""Proxy then exact (issue #14): which decoder the player asks, and which picture it keeps.

With a proxy (the video's small all-intra copy, ``core.proxy``) a second decoder thread reads
it. A seek asks both: the proxy frame comes at once (a few ms) and is shown, then the exact
full-size frame replaces it when ready. Playback at ``PROXY_SPEED`` and above plays from the
proxy, every frame; pausing there brings the exact frame. Without a proxy only the exact
decoder is asked. The rules are plain functions of what is on screen, so the player's state
machine stays in one place (``player.Player``) and the rules can be read on their own.
"""

from __future__ import annotations

PROXY_SPEED = 2.0  # from this speed on, playback decodes the proxy (every frame shown)
PROXY_MAX_DISPLAY_FPS = 120.0  # 4x of 30 fps: every frame of a 24-30 fps video at 4x


def source_for_speed(exact, proxy, speed: float):
    """The decoder playback at ``speed`` reads: the proxy when there is one and it is fast."""
    if proxy is not None and speed >= PROXY_SPEED:
        return proxy
    return exact


def ask_proxy_too(has_proxy: bool, frame: int, shown: int, shown_exact: bool) -> bool:
    """A paused seek to ``frame`` asks the proxy for a picture at once, unless the exact one
    is already on screen."""
    return has_proxy and not (shown == frame and shown_exact)


def keep_paused_picture(index: int, exact: bool, asked: int, shown: int,
                        shown_exact: bool) -> bool:
    """Whether a decoded picture of frame ``index`` goes on screen while paused, ``asked``
    being the frame asked for last and ``shown`` (-1: none) the one on screen.

    The frame asked for is shown unless it is the proxy's and the exact one is already there.
    An older seek finishing while a newer one waits is shown as scrubbing feedback only on the
    way from the frame on screen to the one asked for: progress, never a flash back.
    """
    if index == asked:
        return exact or not (shown == index and shown_exact)
    lo, hi = sorted((shown, asked))
    return shown < 0 or lo < index < hi
