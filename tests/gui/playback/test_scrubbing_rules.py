"""The proxy-then-exact rules on their own: which picture a paused player keeps."""

from trailer_gui.widgets.playback.scrubbing import (ask_proxy_too, keep_paused_picture,
                                                    source_for_speed)


def test_the_frame_asked_for_is_shown_but_a_proxy_never_replaces_the_exact_picture():
    assert keep_paused_picture(10, exact=False, asked=10, shown=3, shown_exact=True)
    assert keep_paused_picture(10, exact=True, asked=10, shown=10, shown_exact=False)
    assert not keep_paused_picture(10, exact=False, asked=10, shown=10, shown_exact=True)


def test_an_older_seek_is_shown_only_on_the_way_to_the_frame_asked_for():
    assert keep_paused_picture(5, exact=True, asked=9, shown=2, shown_exact=True)
    assert not keep_paused_picture(1, exact=True, asked=9, shown=2, shown_exact=True)  # back
    assert not keep_paused_picture(12, exact=True, asked=9, shown=2, shown_exact=True)  # past
    assert keep_paused_picture(7, exact=False, asked=9, shown=-1, shown_exact=False)  # nothing yet


def test_the_proxy_is_asked_unless_the_exact_picture_is_there_and_plays_fast_playback():
    assert ask_proxy_too(True, 4, shown=3, shown_exact=True)
    assert not ask_proxy_too(True, 4, shown=4, shown_exact=True)
    assert not ask_proxy_too(False, 4, shown=3, shown_exact=False)
    exact, proxy = object(), object()
    assert source_for_speed(exact, proxy, 1.0) is exact
    assert source_for_speed(exact, proxy, 2.0) is proxy
    assert source_for_speed(exact, None, 4.0) is exact
