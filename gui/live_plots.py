"""Live plots chosen per procedure: I(V) on log|I| with faint cycles, the running median and
the compliance; the Vset histogram; applied voltage and device current vs time with spike
markers; a figure of merit per row (peak current, conductance, delay, retention).

Every update costs the rows that arrived, not everything shown so far: finished cycles and
full chunks of a growing line are frozen as curves of their own and never re-sent."""

from __future__ import annotations

import itertools
from collections import deque
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyqtgraph as pg
from PyQt5 import QtCore, QtWidgets

from labmem import analysis
from labmem.gui.curves import COLOURS, ChunkedCurve, GrowingArray, plot_widget
from labmem.procedures.base import StationProcedure
from labmem.procedures.neuron.dendritic_filter import DendriticFilter
from labmem.procedures.neuron.epsc import EPSC
from labmem.procedures.neuron.leaky_integrate_fire import LeakyIntegrateFire
from labmem.procedures.neuron.paired_pulse import PairedPulse
from labmem.procedures.neuron.pulse_responses import (
    AllOrNone,
    Integrate,
    IntegrateAndFire,
    PulseTrain,
)
from labmem.procedures.neuron.rate_plasticity import RatePlasticity
from labmem.procedures.neuron.relaxation import TurnOnRelaxation
from labmem.procedures.neuron.repetition import RepetitionRetention
from labmem.procedures.neuron.self_oscillation import SelfOscillation
from labmem.procedures.pulse import PulseProcedure
from labmem.procedures.sweep import IVProcedure
from labmem.procedures.switching.delay import SwitchingDelay
from labmem.procedures.switching.forming import Forming
from labmem.procedures.synapse.endurance import EnduranceReads
from labmem.procedures.synapse.level_retention import LevelRetention
from labmem.procedures.synapse.linearity import UpdateLinearity
from labmem.procedures.synapse.manual import ManualPulse, ManualRead
from labmem.procedures.synapse.pairing import PrePostPairing
from labmem.procedures.synapse.program_verify import ProgramVerify
from labmem.procedures.synapse.read_disturb import ReadDisturb
from labmem.procedures.synapse.read_noise import ReadNoise
from labmem.procedures.synapse.retention import Retention
from labmem.procedures.synapse.stdp import STDP
from labmem.procedures.synapse.weight import SynapticWeight
from labmem.summaries import OVER_RANGE

pg.setConfigOptions(background="w", foreground="k")

CURRENT_FLOOR_A = 1e-14
CLIPPED_COLOUR = (214, 39, 40)
"""Red: the cross over a reading the scope clipped."""
"""|I| below this is drawn at it, so log axes never meet zero."""
VSET_BIN_V = 0.02
"""Bin width of the live Vset histogram (as in the report's histograms)."""
def _abs_floor(i: np.ndarray) -> np.ndarray:
    return np.maximum(np.abs(i), CURRENT_FLOOR_A)


class LivePanel(QtWidgets.QWidget):
    """Plots of one procedure's run; fed with the rows and traces as they arrive."""

    def start(self, procedure: StationProcedure) -> None:
        """Forget the previous run; the procedure's parameters set limits and thresholds."""

    def add_rows(self, rows: list[dict[str, Any]]) -> None:
        """Rows that arrived since the last call."""

    def add_trace(self, name: str, t: np.ndarray, channels: dict[str, np.ndarray]) -> None:
        """A trace that was stored."""

    def finish(self) -> None:
        """The run ended: draw what waited for more data."""


class IVPanel(LivePanel):
    """I(V) on log|I| (cycles faint, the running median of the block's last cycles bold, the
    compliance dashed) beside the Vset histogram that grows as cycles end."""

    MEDIAN_CYCLES = 20
    """Cycles the running median is taken over (the latest of the current block)."""
    MERGE_CYCLES = 25
    """Closed cycles drawn as curves of their own before they are merged into one (fewer
    items paint faster; the merge costs those cycles only)."""

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.iv = plot_widget("I(V): cycles faint, running median bold", ("Voltage", "V"),
                              ("|Current|", "A"), log_y=True)
        self.hist = plot_widget("Vset histogram", ("Vset at 90 % of compliance", "V"),
                                ("Cycles", ""))
        layout = QtWidgets.QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.iv, 3)
        layout.addWidget(self.hist, 2)
        self.start(None)

    def start(self, procedure: StationProcedure | None) -> None:
        """Empty plots for a new run."""
        item = self.iv.getPlotItem()
        item.clear()
        self.merged_items: list[pg.PlotDataItem] = []
        self.cycle_items: list[pg.PlotDataItem] = []
        self.cycles = 0
        self.compliance_line = pg.InfiniteLine(
            angle=0, movable=False, pen=pg.mkPen((200, 0, 0), width=1, style=QtCore.Qt.DashLine),
            label="compliance", labelOpts={"position": 0.02, "color": (200, 0, 0),
                                          "anchors": [(0, 0), (0, 0)]})
        self.compliance_line.hide()
        item.addItem(self.compliance_line, ignoreBounds=True)
        self.current = item.plot([], [], pen=pg.mkPen((255, 127, 14), width=1.5))
        self.median = item.plot([], [], pen=pg.mkPen((31, 119, 180), width=3))
        self.hist.getPlotItem().clear()
        self.hist_curve = self.hist.getPlotItem().plot(
            [0.0, VSET_BIN_V], [0], stepMode="center", fillLevel=0,
            brush=(31, 119, 180, 120), pen=pg.mkPen((31, 119, 180)))
        self.hist.getPlotItem().setTitle("Vset histogram")
        self.vsets: list[float] = []
        self._key: tuple[int, int] | None = None
        self._compliance_a = float("nan")
        self._v, self._i = GrowingArray(), GrowingArray()
        self._recent: deque[tuple[np.ndarray, np.ndarray]] = deque(maxlen=self.MEDIAN_CYCLES)

    def add_rows(self, rows: list[dict[str, Any]]) -> None:
        """Extend the open cycle; a new (block, cycle) closes the previous one."""
        if not rows:
            return
        for key, group in itertools.groupby(rows, key=lambda r: (r["Block"], r["Cycle"])):
            part = list(group)
            if key != self._key:
                self._close_cycle()
                self._key = key
                self._set_compliance(float(part[0]["Compliance (A)"]))
            self._v.extend([r["Voltage (V)"] for r in part])
            self._i.extend([r["Current (A)"] for r in part])
        self.current.setData(self._v.values, _abs_floor(self._i.values))

    def finish(self) -> None:
        """Close the last cycle."""
        self._close_cycle()

    def _set_compliance(self, compliance_a: float) -> None:
        if compliance_a != self._compliance_a:
            self._recent.clear()  # the running median is per compliance
        self._compliance_a = compliance_a
        self.compliance_line.setValue(np.log10(compliance_a))
        self.compliance_line.label.setFormat(f"compliance {pg.siFormat(compliance_a, suffix='A')}")
        self.compliance_line.show()

    def _close_cycle(self) -> None:
        if self._v.size == 0:
            return
        v, i = self._v.values.copy(), self._i.values.copy()
        self._v, self._i = GrowingArray(), GrowingArray()
        self.current.setData([], [])
        self.cycle_items.append(self._faint(v, _abs_floor(i)))
        self.cycles += 1
        if len(self.cycle_items) == self.MERGE_CYCLES:
            self._merge_cycles()
        if self._recent and self._recent[-1][0].shape != v.shape:
            self._recent.clear()
        self._recent.append((v, i))
        median = analysis.median_abs_cycle(np.stack([c for _, c in self._recent]))
        self.median.setData(v, np.maximum(median, CURRENT_FLOOR_A))
        self.vsets.append(analysis.vset(v, i, self._compliance_a))
        self._draw_histogram()

    def _faint(self, v: np.ndarray, i: np.ndarray) -> pg.PlotDataItem:
        item = self.iv.getPlotItem().plot(v, i, pen=pg.mkPen((90, 90, 90, 70)),
                                          connect="finite")
        item.setZValue(-1)
        return item

    def _merge_cycles(self) -> None:
        """Replace the single-cycle curves by one, cycles separated by NaN (not joined)."""
        parts = [item.getOriginalDataset() for item in self.cycle_items]
        gap = np.array([np.nan])
        v = np.concatenate([piece for x, _ in parts for piece in (x, gap)])
        i = np.concatenate([piece for _, y in parts for piece in (y, gap)])
        for item in self.cycle_items:
            self.iv.getPlotItem().removeItem(item)
        self.cycle_items = []
        self.merged_items.append(self._faint(v, i))

    def _draw_histogram(self) -> None:
        edges, counts = analysis.histogram(np.array(self.vsets), VSET_BIN_V)
        if counts.size:
            self.hist_curve.setData(edges, counts)
            step = max(1, int(np.ceil(counts.max() / 5)))  # whole cycles on the count axis
            self.hist.getPlotItem().getAxis("left").setTickSpacing(step, step)
        mean, std = analysis.mean_std(np.array(self.vsets))
        missed = int(np.count_nonzero(~np.isfinite(self.vsets)))
        stats = f"{mean:.3f} ± {std:.3f} V, " if np.isfinite(std) else ""
        self.hist.getPlotItem().setTitle(
            f"Vset: {stats}{len(self.vsets)} cycles" + (f", {missed} without set" if missed
                                                        else ""))

    def plotted(self) -> tuple[np.ndarray, np.ndarray]:
        """(V, |I|) of every cycle drawn, in order, the open one last."""
        items = [*self.merged_items, *self.cycle_items, self.current]
        parts = [item.getOriginalDataset() for item in items]
        parts = [(x, y) for x, y in parts if x is not None and len(x)]
        if not parts:
            return np.empty(0), np.empty(0)
        v, i = np.concatenate([x for x, _ in parts]), np.concatenate([y for _, y in parts])
        drawn = np.isfinite(v)
        return v[drawn], i[drawn]


@dataclass(frozen=True)
class RowView:
    """Which columns of a procedure's rows to plot against each other."""

    x: str
    y: str
    x_axis: tuple[str, str]
    y_axis: tuple[str, str]
    title: str
    log_x: bool = False
    log_y: bool = False
    group: str | None = None
    """Column whose value starts a new curve (e.g. the run of a synapse)."""
    faint: str | None = None
    """Column that, when non-zero, draws the row's curve faint (e.g. conditioning runs)."""


class RowPlot:
    """One figure of merit per row, a curve per group, grown in chunks; readings the scope
    clipped (OVER_RANGE) get a red cross over their point."""

    def __init__(self, view: RowView) -> None:
        self.view = view
        self.widget = plot_widget(view.title, view.x_axis, view.y_axis, view.log_x, view.log_y)
        self.curves: dict[Any, ChunkedCurve] = {}
        self._clipped_x, self._clipped_y = GrowingArray(), GrowingArray()
        self.clipped = self._clipped_item()

    def _clipped_item(self) -> pg.PlotDataItem:
        item = pg.PlotDataItem(pen=None, symbol="x", symbolSize=11, symbolPen=None,
                               symbolBrush=CLIPPED_COLOUR, name="over range")
        item.setZValue(10)
        self.widget.getPlotItem().addItem(item)
        return item

    def reset(self) -> None:
        """Remove every curve."""
        self.widget.getPlotItem().clear()
        self.curves = {}
        self._clipped_x, self._clipped_y = GrowingArray(), GrowingArray()
        self.clipped = self._clipped_item()

    def add_rows(self, rows: list[dict[str, Any]]) -> None:
        """Extend each row's group curve."""
        view = self.view
        for key, group in itertools.groupby(rows, key=lambda r: r.get(view.group or "", 0)):
            part = list(group)
            faint = bool(view.faint and part[0].get(view.faint))
            curve = self.curves.get(key) or self._new_curve(key, faint)
            x = np.array([r[view.x] for r in part], dtype=float)
            y = np.array([r[view.y] for r in part], dtype=float)
            y = np.abs(y) if view.log_y else y
            curve.extend(x, y)
            flagged = np.array([bool(r.get(OVER_RANGE, 0)) for r in part])
            if flagged.any():
                self._clipped_x.extend(x[flagged])
                self._clipped_y.extend(y[flagged])
                self.clipped.setData(self._clipped_x.values, self._clipped_y.values)

    def clipped_points(self) -> tuple[np.ndarray, np.ndarray]:
        """The (x, y) of every reading drawn as over range."""
        return self._clipped_x.values, self._clipped_y.values

    def _new_curve(self, key: Any, faint: bool) -> ChunkedCurve:
        colour = COLOURS[len(self.curves) % len(COLOURS)]
        alpha = 60 if faint else 255
        curve = ChunkedCurve(self.widget.getPlotItem(), pen=pg.mkPen((*colour, alpha)),
                             symbol="o", symbolSize=5, symbolPen=None,
                             symbolBrush=(*colour, alpha), connect="finite")
        self.curves[key] = curve
        return curve

    def data(self) -> tuple[np.ndarray, np.ndarray]:
        """Every plotted point (x, y), curves in order of appearance."""
        parts = [c.data() for c in self.curves.values()]
        if not parts:
            return np.empty(0), np.empty(0)
        return np.concatenate([x for x, _ in parts]), np.concatenate([y for _, y in parts])


class RowsPanel(LivePanel):
    """A procedure whose rows are the whole story (e.g. retention reads)."""

    def __init__(self, view: RowView, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.rows = RowPlot(view)
        layout = QtWidgets.QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.rows.widget, 2)

    def start(self, procedure: StationProcedure | None) -> None:
        """Empty plot."""
        self.rows.reset()

    def add_rows(self, rows: list[dict[str, Any]]) -> None:
        """Extend the curves."""
        self.rows.add_rows(rows)


class PulsePanel(RowsPanel):
    """The latest burst: applied voltage and device current vs time (spikes marked), beside
    the procedure's figure of merit per row."""

    def __init__(self, view: RowView, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(view, parent)
        axis_t = ("Time from AWG sync", "s")
        self.voltage = plot_widget("Applied voltage (AWG, scope CH1)", axis_t, ("Voltage", "V"))
        self.current = plot_widget("Device current (TIA, scope CH2)", axis_t, ("Current", "A"))
        self.current.setXLink(self.voltage)
        for plot in (self.voltage, self.current):
            plot.getPlotItem().setDownsampling(auto=True, mode="peak")
            plot.getPlotItem().setClipToView(True)
        column = QtWidgets.QVBoxLayout()
        column.addWidget(self.voltage, 1)
        column.addWidget(self.current, 1)
        self.layout().insertLayout(0, column, 3)
        self.v_curve = self.voltage.getPlotItem().plot([], [], pen=pg.mkPen((31, 119, 180)))
        self.i_curve = self.current.getPlotItem().plot([], [], pen=pg.mkPen((214, 39, 40)))
        self.spikes = pg.ScatterPlotItem(size=9, symbol="t", pen=None, brush=(0, 0, 0))
        self.current.getPlotItem().addItem(self.spikes)
        self.spike_threshold_a: float | None = None

    def start(self, procedure: StationProcedure | None) -> None:
        """Empty plots; a procedure that detects spikes lends its threshold to the markers."""
        super().start(procedure)
        self.v_curve.setData([], [])
        self.i_curve.setData([], [])
        self.spikes.setData([], [])
        threshold = getattr(procedure, "spike_threshold_a", None)
        self.spike_threshold_a = threshold() if callable(threshold) else None

    def add_trace(self, name: str, t: np.ndarray, channels: dict[str, np.ndarray]) -> None:
        """Show a captured burst (other traces, e.g. SMU forming sweeps, are left out)."""
        if "i_device" not in channels:
            return
        i = np.asarray(channels["i_device"])
        self.v_curve.setData(t, channels["v_source"])
        self.i_curve.setData(t, i)
        title = f"Device current (TIA, scope CH2) · {name}"
        if self.spike_threshold_a is not None:
            onsets = analysis.rising_edges(i, self.spike_threshold_a)
            self.spikes.setData(t[onsets], i[onsets])
            title += f" · {onsets.size} spikes ▲"
        self.current.getPlotItem().setTitle(title)


_CURRENT = ("Peak current", "A")
# Titles stay short: a pyqtgraph title sets its plot's minimum width.
ROW_VIEWS: dict[type, RowView] = {
    PulseTrain: RowView("Pulse", "Peak current (A)", ("Pulse", ""), _CURRENT,
                        "Peak current per pulse"),
    AllOrNone: RowView("Amplitude (V)", "Peak current (A)", ("Pulse amplitude", "V"),
                       _CURRENT, "Peak current vs amplitude", log_y=True),
    Integrate: RowView("Pulse", "Peak current (A)", ("Pulse", ""), _CURRENT,
                       "Peak current per pulse"),
    IntegrateAndFire: RowView("Start (s)", "Peak current (A)", ("Pulse start", "s"), _CURRENT,
                              "Peak current per pulse", log_y=True),
    UpdateLinearity: RowView("Read", "Conductance (S)", ("Read (potentiation, then depression)",
                                                         ""),
                             ("Conductance", "S"), "G per pulse, a curve per cycle",
                             group="Run", faint="Conditioning"),
    SynapticWeight: RowView("Pulse", "Conductance (S)", ("Pulse index", ""),
                            ("Conductance", "S"),
                            "Conductance per read",
                            group="Run", faint="Conditioning"),
    STDP: RowView("Delay (s)", "Conductance change (S)", ("Δt = t_post − t_pre", "s"),
                  ("ΔG", "S"), "ΔG per pair, a curve per repeat", group="Repeat"),
    PrePostPairing: RowView("Delay (s)", "Conductance change (S)", ("Delay Δt", "s"),
                            ("Conductance change", "S"), "Conductance change per pair"),
    SwitchingDelay: RowView("Amplitude (V)", "Delay (s)", ("Pulse amplitude", "V"),
                            ("Switching delay", "s"), "Switching delay per trial", log_y=True),
    Retention: RowView("Time (s)", "Current (A)", ("Time after set", "s"), ("Read current", "A"),
                       "Retention: volatile, then nonvolatile", log_x=True, log_y=True,
                       group="Regime"),
    RatePlasticity: RowView("Frequency (Hz)", "Delta G (S)", ("Train frequency", "Hz"),
                            ("ΔG = G after − G before", "S"), "ΔG per train, a curve per G0",
                            log_x=True, group="Preparation"),
    RepetitionRetention: RowView("Time (s)", "Conductance (S)", ("Time after the last stimulus",
                                                                 "s"),
                                 ("Read conductance", "S"), "Retention, a curve per k and "
                                 "interval", log_x=True, log_y=True, group="Block"),
    DendriticFilter: RowView("Pulse", "Response (A)", ("Pulse", ""), _CURRENT,
                             "Response per pulse, a curve per amplitude (off, then on)",
                             log_y=True, group="Train"),
    TurnOnRelaxation: RowView("Amplitude (V)", "Relaxation tau (s)", ("Set amplitude", "V"),
                              ("Relaxation time", "s"), "Relaxation time per trial",
                              log_y=True, group="Series resistance (ohm)"),
    EPSC: RowView("Trial", "Decay time (s)", ("Trial", ""), ("EPSC decay time", "s"),
                  "EPSC decay time per trial", log_y=True),
    PairedPulse: RowView("Interval (s)", "PPF index", ("Interval", "s"), ("A2 / A1", ""),
                         "PPF index per pair", log_x=True),
    LeakyIntegrateFire: RowView("Amplitude (V)", "Pulses to fire", ("Pulse amplitude", "V"),
                                ("Pulses to fire", ""), "Pulses to fire per train",
                                group="Capacitance (F)"),
    Forming: RowView("Voltage (V)", "Current (A)", ("Voltage", "V"), ("Current", "A"),
                     "Forming ramp, then the read of the formed state", log_y=True,
                     group="Phase"),
    LevelRetention: RowView("Time (s)", "Conductance (S)", ("Time after the set", "s"),
                            ("Read conductance", "S"), "Retention, a curve per level",
                            log_x=True, log_y=True, group="Level"),
    ReadDisturb: RowView("Read", "Conductance (S)", ("Read count", ""),
                         ("Read conductance", "S"), "Conductance per read", log_x=True,
                         log_y=True),
    ProgramVerify: RowView("Time (s)", "Conductance (S)", ("Time", "s"),
                           ("Verify-read conductance", "S"),
                           "Program-verify reads, a curve per target", log_y=True,
                           group="Target (S)"),
    SelfOscillation: RowView("Bias (V)", "Frequency (Hz)", ("DC bias", "V"),
                             ("Oscillation frequency", "Hz"), "Frequency per bias, a curve per C",
                             group="Capacitance (F)"),
    EnduranceReads: RowView("Cycle", "Window", ("Cycle", ""), ("R_HRS / R_LRS", ""),
                            "Memory window per read cycle", log_x=True, log_y=True),
    ReadNoise: RowView("Time (s)", "Current (A)", ("Time in the read series", "s"),
                       ("Read current", "A"), "Repeated reads, LRS then HRS", log_y=True,
                       group="State"),
    ManualRead: RowView("Read bias (V)", "Resistance (ohm)", ("Read bias", "V"),
                        ("Resistance", "Ω"), "Resistance read", log_y=True),
    ManualPulse: RowView("Pulse", "Peak current (A)", ("Pulse", ""), _CURRENT,
                         "Peak current per pulse"),
}
"""The per-row plot of each procedure that is not an I(V) procedure (ThresholdSwitching is
one: the I(V) panel shows its cycles and its Vth histogram)."""


def panel_for(cls: type[StationProcedure]) -> LivePanel:
    """The live plots that suit a procedure class."""
    if issubclass(cls, IVProcedure):
        return IVPanel()
    view = next((v for c, v in ROW_VIEWS.items() if issubclass(cls, c)), None)
    if view is None:  # a procedure without a chosen view: its first two columns
        x, y = cls.DATA_COLUMNS[:2]
        view = RowView(x, y, (x, ""), (y, ""), cls.__name__)
    return PulsePanel(view) if issubclass(cls, PulseProcedure) else RowsPanel(view)
