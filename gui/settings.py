"""What the window remembers between sessions (QSettings, an INI file under the user's
configuration folder, e.g. ~/.config/labmem/gui.ini): the last parameters of each procedure,
the data folder, the window's geometry and layout, the splitter sizes, and the measured
instrument overhead of each procedure per station."""

from __future__ import annotations

import json
from typing import Any

from PyQt5 import QtCore, QtWidgets

ORGANISATION, APPLICATION = "labmem", "gui"


def settings() -> QtCore.QSettings:
    """The GUI's settings file (tests point it elsewhere with QSettings.setPath)."""
    return QtCore.QSettings(QtCore.QSettings.IniFormat, QtCore.QSettings.UserScope,
                            ORGANISATION, APPLICATION)


def load_json(key: str, default: Any = None) -> Any:
    """A value stored as JSON under key (default when absent or unreadable)."""
    text = settings().value(key, None)
    if not isinstance(text, str):
        return default
    try:
        return json.loads(text)
    except ValueError:
        return default


def save_json(key: str, value: Any) -> None:
    """Store value as JSON under key (one type for every platform's settings backend)."""
    settings().setValue(key, json.dumps(value))


def save_layout(window: QtWidgets.QMainWindow, splitters: tuple[QtWidgets.QSplitter, ...]) -> None:
    """Store the window's geometry, its docks and toolbars, and the splitters' sizes."""
    store = settings()
    store.setValue("window/geometry", window.saveGeometry())
    store.setValue("window/state", window.saveState())
    save_json("window/splitters", {s.objectName(): s.sizes() for s in splitters})


def restore_layout(window: QtWidgets.QMainWindow,
                   splitters: tuple[QtWidgets.QSplitter, ...]) -> None:
    """Put the window, its docks and splitters back as the last session left them."""
    store = settings()
    for key, restore in (("window/geometry", window.restoreGeometry),
                         ("window/state", window.restoreState)):
        value = store.value(key)
        if isinstance(value, QtCore.QByteArray):
            restore(value)
    sizes = load_json("window/splitters", {})
    for splitter in splitters:
        stored = sizes.get(splitter.objectName()) if isinstance(sizes, dict) else None
        if isinstance(stored, list) and len(stored) == splitter.count():
            splitter.setSizes([int(n) for n in stored])
