# gi/__init__.py: not PyGObject. This folder (bindings/python) only adds the
# NorthMcp override to PyGObject's gi/overrides/ when it is on PYTHONPATH
# (meson devenv, the test suite). Being first on sys.path, this file is what
# `import gi` finds: it runs PyGObject's own gi/__init__.py in its place, or
# says clearly that PyGObject is missing, rather than leaving an empty
# namespace package whose gi.require_version does not exist. It is not
# installed; the installed override goes into PyGObject's own folder.
#
# SPDX-License-Identifier: MIT
import importlib.machinery as _machinery
import os as _os
import sys as _sys


def _find_pygobject():
    here = _os.path.dirname(_os.path.dirname(_os.path.abspath(__file__)))
    path = [entry for entry in _sys.path
            if _os.path.abspath(entry or _os.curdir) != here]
    spec = _machinery.PathFinder.find_spec("gi", path)
    if spec is None or spec.origin in (None, "namespace") or \
            not spec.origin.endswith("__init__.py"):
        raise ImportError(
            "PyGObject (the 'gi' module) is not installed for this Python (%s); "
            "%s only holds the NorthMcp override for it. Run the program with a Python "
            "that has PyGObject (Debian: /usr/bin/python3 with python3-gi)."
            % (_sys.executable, here), name="gi")
    return spec


_spec = _find_pygobject()
__file__ = _spec.origin
__path__ = list(_spec.submodule_search_locations)
with open(_spec.origin, "rb") as _source:
    _code = compile(_source.read(), _spec.origin, "exec")
del _find_pygobject, _spec, _source
exec(_code)
del _code
