"""The station panel: each role's instrument, resource, *IDN?, connection state, simulated or
real, and the active set-up."""

from __future__ import annotations

import pyqtgraph as pg
from PyQt5 import QtWidgets

from labmem.station import Station

COLUMNS = ("Role", "Driver", "Resource", "*IDN?", "State", "Kind")


def describe_active_setup(station: Station) -> str:
    """The wiring in force, e.g. "pulse path · series 2 MΩ · FEMTO DHPCA-100 at 1e+05 V/A"."""
    if station.setup != "pulse":
        return "SMU-direct (SMU force HI/LO ↔ device)"
    series = "?" if station.series_ohm is None else pg.siFormat(station.series_ohm, suffix="Ω")
    return f"pulse path: AWG → {series} → device → TIA {station.tia.describe()} → scope"


class StationPanel(QtWidgets.QWidget):
    """Instruments of the station and the set-up; refresh() re-reads them."""

    def __init__(self, station: Station, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.station = station
        self.header = QtWidgets.QLabel()
        self.header.setWordWrap(True)
        self.table = QtWidgets.QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setEditTriggers(QtWidgets.QAbstractItemView.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(22)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.setup_label = QtWidgets.QLabel()
        self.setup_label.setWordWrap(True)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(6, 2, 6, 2)
        layout.addWidget(self.header)
        layout.addWidget(self.table)
        layout.addWidget(self.setup_label)
        self.refresh()

    def refresh(self, instruments: bool = True) -> None:
        """Re-read the set-up and, when instruments is true, every role's identity (opening
        roles not yet open, so only call that while no run is going)."""
        if instruments:
            station = self.station
            kind = "simulated bench" if station.simulated else "real instruments"
            self.header.setText(f"{station.config.source} · VISA library "
                                f"'{station.config.visa_library}' · {kind}")
            rows = station.instruments()
            self.table.setRowCount(len(rows))
            for n, row in enumerate(rows):
                found = not row["idn"].startswith("not found")
                state = ("declared" if row["role"] == "tia" else
                         "connected" if found else "not connected")
                for col, text in enumerate((row["role"], row["driver"], row["resource"],
                                            row["idn"], state, row["kind"])):
                    item = QtWidgets.QTableWidgetItem(text)
                    item.setToolTip(text)
                    self.table.setItem(n, col, item)
            self.table.resizeColumnsToContents()
            header = self.table.horizontalHeader().sizeHint().height()
            self.table.setFixedHeight(header + sum(self.table.rowHeight(n)
                                                   for n in range(len(rows))) + 4)
        self.setup_label.setText(f"<b>Set-up:</b> {describe_active_setup(self.station)}")

    def states(self) -> dict[str, str]:
        """Role → connection state, as shown."""
        return {self.table.item(n, 0).text(): self.table.item(n, 4).text()
                for n in range(self.table.rowCount())}
