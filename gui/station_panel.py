"""The station panel: each role's instrument, resource, *IDN?, connection state, simulated or
real, and the active set-up. Instruments are opened and identified on a thread of their own
(a silent instrument takes its VISA timeout), never on the GUI thread."""

from __future__ import annotations

import contextlib
import threading
from typing import Any

import pyqtgraph as pg
from PyQt5 import QtCore, QtWidgets

from labmem.station import Station

COLUMNS = ("Role", "Driver", "Resource", "*IDN?", "State", "Kind")


def describe_active_setup(station: Station) -> str:
    """The wiring in force, e.g. "pulse path · series 2 MΩ · FEMTO DHPCA-100 at 1e+05 V/A"."""
    if station.setup != "pulse":
        return "SMU-direct (SMU force HI/LO ↔ device)"
    series = "?" if station.series_ohm is None else pg.siFormat(station.series_ohm, suffix="Ω")
    return f"pulse path: AWG → {series} → device → TIA {station.tia.describe()} → scope"


def _state(row: dict[str, Any]) -> str:
    if row["role"] == "tia":
        return "declared"
    if row["idn"].startswith("not found"):
        return "not connected"
    return "wrong model" if row["problem"] else "connected"


class StationPanel(QtWidgets.QWidget):
    """Instruments of the station and the set-up; check() re-reads the instruments in the
    background, refresh() the set-up."""

    checked = QtCore.pyqtSignal(object)
    """Emitted (on the GUI thread) with the instrument rows once a check has ended."""

    def __init__(self, station: Station, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.station = station
        self.rows: list[dict[str, Any]] | None = None
        """The instrument rows of the last check; None until the station has opened."""
        self.checking = False
        self.header = QtWidgets.QLabel()
        self.header.setWordWrap(True)
        self.check_button = QtWidgets.QPushButton("Check instruments")
        self.busy = QtWidgets.QProgressBar()
        """Moves while the instruments are opened and identified (no I/O on the GUI thread)."""
        self.busy.setRange(0, 0)
        self.busy.setMaximumWidth(120)
        self.busy.hide()
        self.table = QtWidgets.QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setEditTriggers(QtWidgets.QAbstractItemView.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(22)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.setup_label = QtWidgets.QLabel()
        self.setup_label.setWordWrap(True)
        top = QtWidgets.QHBoxLayout()
        top.addWidget(self.header, 1)
        top.addWidget(self.busy)
        top.addWidget(self.check_button)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(6, 2, 6, 2)
        layout.addLayout(top)
        layout.addWidget(self.table)
        layout.addWidget(self.setup_label)
        self.checked.connect(self._show)
        self.refresh()
        self.check()

    def _describe(self, note: str) -> None:
        station = self.station
        kind = "simulated bench" if station.simulated else "real instruments"
        self.header.setText(f"{station.config.source} · VISA library "
                            f"'{station.config.visa_library}' · {kind}{note}")

    def check(self) -> None:
        """Open every role and read its identity on a worker thread ("opening…" meanwhile);
        only call it while no run is going, as it talks to the instruments."""
        if self.checking:
            return
        self.checking = True
        self.check_button.setEnabled(False)
        self.busy.show()
        self._describe(" · opening…" if self.rows is None else " · checking…")
        threading.Thread(target=self._check, name="labmem-station-check", daemon=True).start()

    def _check(self) -> None:
        rows = self.station.instruments()
        with contextlib.suppress(RuntimeError):  # the window closed while they answered
            self.checked.emit(rows)

    def _show(self, rows: list[dict[str, Any]]) -> None:
        self.rows, self.checking = rows, False
        self.check_button.setEnabled(True)
        self.busy.hide()
        problems = sum(bool(row["problem"]) for row in rows)
        self._describe(f" · {problems} role(s) not usable" if problems else "")
        self.table.setRowCount(len(rows))
        for n, row in enumerate(rows):
            texts = (row["role"], row["driver"], row["resource"], row["idn"], _state(row),
                     row["kind"])
            for col, text in enumerate(texts):
                item = QtWidgets.QTableWidgetItem(text)
                item.setToolTip(row["problem"] or text)
                self.table.setItem(n, col, item)
        self.table.resizeColumnsToContents()
        header = self.table.horizontalHeader().sizeHint().height()
        self.table.setFixedHeight(header + sum(self.table.rowHeight(n)
                                               for n in range(len(rows))) + 4)

    def refresh(self) -> None:
        """Re-read the set-up in force (no instrument I/O)."""
        self.setup_label.setText(f"<b>Set-up:</b> {describe_active_setup(self.station)}")

    def problem(self, roles: tuple[str, ...]) -> str | None:
        """Why a run on these roles cannot be queued now (from the last check, no I/O): the
        station is still opening, lacks a role, or a role's instrument is not usable."""
        if self.rows is None or self.checking:
            return "the station is still opening: wait for its instruments to answer"
        found = {row["role"]: row for row in self.rows}
        for name in roles:
            if name not in found:
                return f"the station {self.station.config.source} has no {name!r} role"
            if found[name]["problem"]:
                return found[name]["problem"]
        return None

    def states(self) -> dict[str, str]:
        """Role → connection state, as shown."""
        return {self.table.item(n, 0).text(): self.table.item(n, 4).text()
                for n in range(self.table.rowCount())}
