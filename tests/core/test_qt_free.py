"""trailer_gui.core and model stay free of Qt (napari's rule, checked in a clean interpreter)."""

import subprocess
import sys

CHECK = """
import sys, importlib, pkgutil
import trailer_gui.core as core
for m in pkgutil.iter_modules(core.__path__):
    importlib.import_module('trailer_gui.core.' + m.name)
import model
for m in pkgutil.iter_modules(model.__path__):
    importlib.import_module('model.' + m.name)
bad = sorted(n for n in sys.modules if n.split('.')[0] in {'PySide6', 'PyQt5', 'PyQt6', 'pyqtgraph', 'shiboken6'})
print(','.join(bad))
"""


def test_core_and_model_import_no_qt():
    out = subprocess.run([sys.executable, "-c", CHECK], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "", f"Qt pulled in by core/model: {out.stdout}"
