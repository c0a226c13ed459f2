"""trailer_gui.core, services, demo and model stay free of Qt at run time (napari's rule,
checked in a clean interpreter). tests/test_layers.py checks the same statically, lazy imports
included, with import-linter."""

import subprocess
import sys

CHECK = """
import sys, importlib, pkgutil
import trailer_gui.core as core, trailer_gui.services as services, trailer_gui.demo as demo
for pkg in (core, services, demo):
    for m in pkgutil.iter_modules(pkg.__path__):
        importlib.import_module(pkg.__name__ + '.' + m.name)
import model
for m in pkgutil.iter_modules(model.__path__):
    importlib.import_module('model.' + m.name)
bad = sorted(n for n in sys.modules if n.split('.')[0] in {'PySide6', 'PyQt5', 'PyQt6', 'pyqtgraph', 'shiboken6'})
print(','.join(bad))
"""


def test_core_services_and_model_import_no_qt():
    out = subprocess.run([sys.executable, "-c", CHECK], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "", f"Qt pulled in by core/services/model: {out.stdout}"
