"""Lets the examples run straight from a source checkout.

``python3 examples/python/server_with_auth.py`` should work right after
``./setup.sh``, as the seed README's ``uv run`` commands do, without
installing the library or entering ``meson devenv``. When the NorthMcp
typelib is not installed, this finds the build tree (``$NORTH_MCP_BUILD_DIR``
or ``build/`` at the top of the checkout) and points PyGObject at the
uninstalled typelib, shared library and override module. When NorthMcp is
installed, it does nothing.
"""
import ctypes
import os

import gi

_TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _use_build_tree():
    from gi.repository import GIRepository

    if GIRepository.Repository.get_default().enumerate_versions("NorthMcp"):
        return
    build = os.environ.get("NORTH_MCP_BUILD_DIR", os.path.join(_TOP, "build"))
    library_dir = os.path.join(build, "north-mcp-glib")
    library = os.path.join(library_dir, "libnorth-mcp-glib-1.0.so.0")
    if not os.path.exists(os.path.join(library_dir, "NorthMcp-1.0.typelib")):
        return  # gi.require_version() will say what is missing
    GIRepository.Repository.prepend_search_path(library_dir)
    # The typelib names the library by soname; loading it first by path
    # makes that name resolve without LD_LIBRARY_PATH.
    ctypes.CDLL(library, mode=ctypes.RTLD_GLOBAL)
    import gi.overrides
    gi.overrides.__path__.insert(0, os.path.join(_TOP, "bindings", "python", "gi", "overrides"))


def _check_override():
    """A clear error when the NorthMcp typelib is found but not the
    PyGObject override that gives it its Python API (Server.tool()…)."""
    import importlib.util

    if importlib.util.find_spec("gi.overrides.NorthMcp") is None:
        raise ImportError("the PyGObject override of NorthMcp (gi/overrides/NorthMcp.py) "
                          "is missing: install north-mcp-glib with `meson install`, or put "
                          "bindings/python of the source tree on PYTHONPATH")


if not hasattr(gi, "require_version"):
    raise ImportError("'gi' is not PyGObject here (%s): run with a Python that has "
                      "PyGObject (Debian: /usr/bin/python3 with python3-gi)"
                      % getattr(gi, "__path__", "?"))
gi.require_version("GIRepository", "2.0")
_use_build_tree()
_check_override()
