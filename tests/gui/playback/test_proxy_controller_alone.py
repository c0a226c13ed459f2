"""The proxy controller without a window: handed the state, a player and a reporter, it follows
the state's project by itself (issue #11: helpers get narrow interfaces, not the window)."""

from __future__ import annotations

import shutil

from trailer_gui.core.project_layout import PROXY_DIR
from trailer_gui.core.proxy import proxy_state
from trailer_gui.core.store import Project
from trailer_gui.widgets.playback.proxy_controller import ProxyController
from trailer_gui.widgets.workspace import WorkspaceState


class FakePlayer:
    def __init__(self):
        self.proxies = []

    def set_proxy(self, path) -> None:
        self.proxies.append(path)


def test_a_project_opened_in_the_state_gets_its_missing_proxies_and_closing_stops_the_work(
        demo_project, qtbot):
    shutil.rmtree(demo_project / PROXY_DIR)
    state, player, reports = WorkspaceState(), FakePlayer(), []
    proxies = ProxyController(state, player, lambda text, ms=0: reports.append(text))
    project = Project.open(demo_project)
    try:
        state.set_project(project, project.genres(), "me")
        assert proxies.busy()  # queued the moment the state announced the project
        state.set_project(None)
        assert not proxies.busy()  # closed: the queue and the running job are dropped

        state.set_project(project, project.genres(), "me")
        qtbot.waitUntil(lambda: not proxies.busy(), timeout=60_000)
        ids = [v.id for v in project.videos()]
        assert sorted(proxies.made) == ids and reports == []
        assert all(proxy_state(demo_project, v).ok for v in project.videos())
        assert player.proxies == []  # no trailer was current: nothing to hand the player
    finally:
        state.set_project(None)
        project.close()
