"""The layers of the app (issue #11), checked by import-linter from pyproject.toml's contracts:
core is the Qt-free domain and never reaches `model`; services orchestrate core and model without
Qt; model stands alone; widgets reach the model only through services and workers;
widgets -> workers -> services -> core; and no two sibling modules import each other.

Imports inside functions count (a lazy `import model` in core breaks the contract), unlike the
run-time check of tests/core/test_qt_free.py, which this complements."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LINT = "import sys; from importlinter.cli import lint_imports_command; sys.exit(lint_imports_command())"


def lint_imports(cwd: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(cwd))
    return subprocess.run([sys.executable, "-c", LINT, "--no-cache"], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)


def contracts() -> list[dict]:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"]


def test_every_layer_contract_is_kept():
    out = lint_imports(ROOT)
    assert out.returncode == 0, out.stdout + out.stderr
    names = [c["name"] for c in contracts()]
    for name in names:
        assert f"{name} KEPT" in out.stdout
    kinds = {c["type"] for c in contracts()}
    assert {"forbidden", "layers", "acyclic_siblings"} <= kinds
    assert f"Contracts: {len(names)} kept, 0 broken." in out.stdout


def test_the_contracts_catch_a_lazy_model_import_in_core_and_a_cycle(tmp_path):
    """The same contracts on a small tree that breaks them: the check must fail, naming both."""
    (tmp_path / "pyproject.toml").write_text((ROOT / "pyproject.toml").read_text())
    files = {
        "model/__init__.py": "",
        "trailer_gui/__init__.py": "",
        "trailer_gui/app.py": "",
        "trailer_gui/cli/__init__.py": "",
        "trailer_gui/demo/__init__.py": "",
        "trailer_gui/services/__init__.py": "",
        "trailer_gui/workers/__init__.py": "",
        "trailer_gui/widgets/__init__.py": "",
        **{f"trailer_gui/widgets/{feature}/__init__.py": ""
           for feature in ("timeline", "playback", "labels", "model", "project", "dialogs")},
        "trailer_gui/widgets/main_window.py": "",
        "trailer_gui/core/__init__.py": "",
        "trailer_gui/core/store.py": "def f():\n    import model  # lazy, invisible at run time\n",
        "trailer_gui/core/a.py": "from . import b\n",
        "trailer_gui/core/b.py": "from . import a\n",
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    out = lint_imports(tmp_path)
    assert out.returncode != 0
    assert "core is the Qt-free domain: no Qt, no model, nothing above it BROKEN" in out.stdout
    assert "trailer_gui.core.store -> model" in out.stdout
    assert "no import cycles between sibling modules BROKEN" in out.stdout


def test_facts_across_the_core_model_boundary_agree():
    """core may not import model, so the manifest's name is spelt on each side of the dataset
    format (the writer, core.export; the reader, model.data): they must agree."""
    from model.data import MANIFEST as read_by_model
    from trailer_gui.core.export import MANIFEST as written_by_core

    assert written_by_core == read_by_model == "manifest.json"


def test_the_facts_of_model_the_app_spells_match_their_home():
    """The window starts without importing model, so services.training spells the run-file
    names, the precisions and the training defaults; they must be model's own. The Model
    dock's settings form shows the service's keys and precisions."""
    import dataclasses

    from model import files
    from model.config import PRECISIONS, TrainConfig
    from trailer_gui.services import training
    from trailer_gui.widgets.model.settings_form import PRECISION_CHOICES, SETTING_KEYS

    assert (training.MODEL_FILE, training.CONFIG_FILE, training.HISTORY_FILE,
            training.METRICS_FILE) == (files.MODEL_FILE, files.CONFIG_FILE, files.HISTORY_FILE,
                                       files.METRICS_FILE)
    assert training.PRECISIONS == PRECISIONS == PRECISION_CHOICES
    defaults = {f.name: f.default for f in dataclasses.fields(TrainConfig)}
    for key, (_, default) in training.CONFIG_KEYS.items():
        if key not in ("size", "stride"):  # those follow the export, not the model
            assert default == defaults[key], key
    assert SETTING_KEYS == tuple(training.CONFIG_KEYS)
