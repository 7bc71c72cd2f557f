"""What every labmem procedure shares: the station it runs on, parameter checks that name the
parameter and its range, the set-up request, trace storage and the safe state at the end."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from pymeasure.experiment import (
    FloatParameter,
    IntegerParameter,
    Metadata,
    Parameter,
    Procedure,
)

from labmem.metrics import Metrics
from labmem.records import table_rows
from labmem.station import Station
from labmem.traces import TraceStore

log = logging.getLogger(__name__)


class AbortedError(Exception):
    """Raised inside execute() when should_stop() turns true, to leave long loops at once."""


TraceCallback = Callable[[str, np.ndarray, dict[str, np.ndarray]], None]
"""Told of a stored trace: (name, t, channels)."""


def parameter_label(parameter: Parameter) -> str:
    """Name and unit, e.g. "Compliance [A]" (plain Parameters have no unit)."""
    units = getattr(parameter, "units", None)
    return parameter.name + (f" [{units}]" if units else "")


def allowed_range(parameter: Parameter) -> str:
    """A parameter's range in words, e.g. "1e-09 to 1.05 A" ("" when it has none)."""
    lo, hi = getattr(parameter, "minimum", None), getattr(parameter, "maximum", None)
    if lo is None or hi is None:
        return ""
    return f"{lo:g} to {hi:g} {parameter.units or ''}".strip()


def parameters_in_order(cls: type[Procedure]) -> dict[str, Parameter]:
    """A procedure class's parameters by attribute name, in the order they are defined (base
    classes first), which is the order a reader of the procedure expects."""
    found: dict[str, Parameter] = {}
    for klass in reversed(cls.__mro__):
        for name, value in vars(klass).items():
            if isinstance(value, Parameter):
                found[name] = value
    return {name: getattr(cls, name) for name in found}


def parameter_value(name: str, parameter: Parameter, value: Any) -> Any:
    """value as the parameter's type (text as typed by a user, or a number); ValueError naming
    the parameter, why and the allowed range. Numbers must be finite and not true/false; an
    integer parameter takes any integral number (1e3, 1000.0) but refuses 1.5."""
    try:
        return parameter.convert(_plain_number(parameter, value))
    except (ValueError, TypeError, OverflowError) as err:
        reason = str(err) if isinstance(err, _NumberError) else ""
        allowed = allowed_range(parameter) or str(err)
        raise ValueError(f"{parameter.name} ({name}) = {value!r} is not allowed: "
                         f"{reason + '; ' if reason else ''}allowed {allowed}") from None


class _NumberError(ValueError):
    """A number refused for what it is (not finite, not whole, a boolean), said in words."""


def _plain_number(parameter: Parameter, value: Any) -> Any:
    """A value for a numeric parameter as a finite number (an int for IntegerParameter);
    anything else, or a value for another parameter, as it is."""
    if not isinstance(parameter, FloatParameter | IntegerParameter):
        return value
    if isinstance(value, bool | np.bool_):
        raise _NumberError("a number is needed, not true/false")
    try:
        number = float(value.strip() if isinstance(value, str) else value)
    except (TypeError, ValueError):
        return value  # e.g. text with its unit ("5 V"): convert() decides
    if not np.isfinite(number):
        raise _NumberError("not a finite number")
    if isinstance(parameter, IntegerParameter):
        if not number.is_integer():
            raise _NumberError("a whole number is needed")
        return int(number)
    return number


def parameter_problem(name: str, parameter: Parameter, value: Any) -> str | None:
    """Why value is refused for the parameter called name, naming it and the allowed range;
    None when the value is allowed."""
    try:
        parameter_value(name, parameter, value)
    except ValueError as err:
        return str(err)
    return None


def build_procedure(cls: type[StationProcedure], values: dict[str, Any]) -> StationProcedure:
    """A cls with these parameter values (typed, or text as typed by a user); ValueError
    naming the first unknown parameter or refused value."""
    procedure = cls()
    parameters = procedure._parameters
    for name, value in values.items():
        if name not in parameters:
            raise ValueError(f"{cls.__name__} has no parameter {name!r}; known: "
                             f"{', '.join(parameters)}")
        setattr(procedure, name, parameter_value(name, parameters[name], value))
    return procedure


class StationProcedure(Procedure):
    """A labmem experiment on a Station's roles. The runner sets `station` and `traces`,
    calls check() before anything is output, then startup/execute/shutdown."""

    SETUP: ClassVar[str] = "smu"
    """The set-up the procedure needs first: "smu" (SMU-direct) or "pulse"."""
    ROLES: ClassVar[tuple[str, ...]] = ()
    """The station roles the procedure talks to; each must answer before a run starts."""
    METRICS: ClassVar[tuple[str, ...]] = ()
    """Names of the figures of merit run_metrics() gives (what campaign conditions test)."""

    instrument_idns = Metadata("Instruments", fget="describe_instruments")
    device_id = Metadata("Device id", default="")
    run_id = Metadata("Run id", default=0)
    started_utc = Metadata("Started (UTC)", default="")
    """The run's identity in the results header (the runner sets it from the catalog)."""

    station: Station | None = None
    traces: TraceStore | None = None
    emit_table: Callable[[dict[str, Any]], None] | None = None
    """The runner's sink for rows given a column at a time (see emit_columns())."""
    on_trace: TraceCallback | None = None
    """Told of every stored trace, e.g. for live plots."""
    safe_off_errors: list[str] | None = None
    """What shutdown() could not put in the safe state ([] once all of it is safe)."""

    # -- checks (no instrument output) ----------------------------------------------------

    def check(self) -> None:
        """Refuse bad parameters before any output: ValueError naming the parameter and the
        allowed range; then the procedure's own plan check against the station's roles."""
        for name, parameter in self._parameters.items():
            problem = parameter_problem(name, parameter, getattr(self, name))
            if problem is not None:
                raise ValueError(problem)
        self.check_plan()

    def roles_on(self, station: Station) -> tuple[str, ...]:
        """The roles the procedure talks to on this station (ROLES unless it has another path
        there)."""
        return self.ROLES

    def check_plan(self) -> None:
        """Procedure-specific checks of the whole plan against the instruments (override)."""

    def run_metrics(self, rows: pd.DataFrame) -> Metrics:
        """The figures of merit of a finished run from its stored rows (a procedure with
        METRICS overrides this with its function of labmem.metrics)."""
        return {}

    # -- life cycle -----------------------------------------------------------------------

    def describe_instruments(self) -> str:
        """Role → *IDN? of the station's instruments (metadata in the results file)."""
        assert self.station is not None
        return "; ".join(f"{role}={idn}" for role, idn in self.station.idns().items())

    def startup(self) -> None:
        """Ask the station for the set-up this procedure starts in."""
        self.use_setup()

    def use_setup(self) -> None:
        """Request SETUP from the station (override for set-up settings)."""
        assert self.station is not None
        self.station.use_setup(self.SETUP)

    def shutdown(self) -> None:
        """Every opened instrument to its safe state, whatever happened before."""
        if self.station is not None:
            self.safe_off_errors = self.station.safe_off()
            if self.safe_off_errors:
                log.error("safe state not reached on %s", self.safe_off_errors)

    # -- helpers for execute() ------------------------------------------------------------

    def stop_point(self) -> None:
        """Raise AbortedError when the operator asked to stop (call between steps)."""
        if self.should_stop():
            raise AbortedError

    def store_trace(self, name: str, t: np.ndarray, channels: dict[str, np.ndarray],
                    units: dict[str, str], **attrs: Any) -> None:
        """Keep a full-resolution record in the run's HDF5 file (if the runner gave one)."""
        if self.traces is not None:
            self.traces.add(name, t, channels, units, **attrs)
        if self.on_trace is not None:
            self.on_trace(name, t, channels)

    def emit_columns(self, columns: dict[str, Any]) -> None:
        """Emit rows measured together (one SMU buffer, one burst), given a column at a time:
        each value an array with one entry per row, or a scalar shared by every row. The
        runner writes them in one go; without it they are emitted as results one by one."""
        if self.emit_table is not None:
            self.emit_table(columns)
            return
        for row in table_rows(columns):
            self.emit("results", row)


class FloatListParameter(Parameter):
    """A list of numbers typed as text ("1e-5, 1e-4, 1e-3"), each within [minimum, maximum]
    in units; the value stays text (as the GUI, the results header and the catalog keep it),
    values() gives the numbers. For procedures that sweep a quantity over chosen values."""

    def __init__(self, name: str, units: str | None = None, minimum: float = -np.inf,
                 maximum: float = np.inf, **kwargs: Any) -> None:
        self.units, self.minimum, self.maximum = units, minimum, maximum
        super().__init__(name, **kwargs)

    def parse(self, value: Any) -> list[float]:
        """The numbers of value (text, or a sequence of numbers); ValueError saying why."""
        items = value.split(",") if isinstance(value, str) else list(np.atleast_1d(value))
        try:
            numbers = [float(str(item).strip()) for item in items if str(item).strip()]
        except ValueError:
            raise _NumberError("write numbers separated by commas, e.g. 1e-5, 1e-4") from None
        if not numbers:
            raise _NumberError("at least one value is needed")
        for x in numbers:
            if not np.isfinite(x) or not self.minimum <= x <= self.maximum:
                raise _NumberError(f"{x:g} is outside the range")
        return numbers

    def convert(self, value: Any) -> str:
        """The values as canonical text ("1e-05, 0.0001")."""
        return ", ".join(f"{x:.12g}" for x in self.parse(value))


def list_values(procedure: Procedure, name: str) -> list[float]:
    """The numbers of the procedure's FloatListParameter called name."""
    return procedure._parameters[name].parse(getattr(procedure, name))
