"""The window's parts on their own: parameter forms, durations, the operator prompt at a
real station, the log pane's traffic switch, and the `labmem gui` command."""

from __future__ import annotations

import logging
import threading

import pytest
from PyQt5 import QtWidgets

from labmem.cli.main import build_parser, main
from labmem.gui.log_pane import LogPane
from labmem.gui.parameter_form import ParameterForm
from labmem.gui.procedure_panel import format_duration
from labmem.gui.setup_prompt import SetupPrompt
from labmem.procedures.base import parameters_in_order
from labmem.procedures.neuron.pulse_responses import IntegrateAndFire
from labmem.procedures.registry import PROCEDURES, procedure_class


def test_form_lists_parameters_in_definition_order_with_units_and_ranges(qtbot):
    form = ParameterForm(IntegrateAndFire)
    qtbot.addWidget(form)
    names = list(parameters_in_order(IntegrateAndFire))
    assert names[:3] == ["series_ohm", "tia_gain", "sample_interval_s"]
    assert names[-1] == "packages"
    layout = form.layout()
    assert layout.labelForField(form.edits["high_v"]).text() == "High level [V]"
    assert form.edits["duty"].toolTip() == "duty: allowed 0.001 to 0.999"
    form.set_values({"packages": 5, "high_v": 2.5})
    procedure = form.procedure()
    assert (procedure.packages, procedure.high_v) == (5, 2.5)
    assert isinstance(procedure.packages, int)


def test_every_procedure_has_a_form_that_builds_it_with_its_defaults(qtbot):
    for cls in PROCEDURES.values():
        form = ParameterForm(cls)
        qtbot.addWidget(form)
        assert set(form.edits) == set(cls()._parameters)
        procedure = form.procedure()
        assert procedure.parameter_values() == cls().parameter_values(), cls.__name__


def test_form_refuses_text_that_is_no_number_naming_the_field(qtbot):
    form = ParameterForm(IntegrateAndFire)
    qtbot.addWidget(form)
    form.set_values({"packages": "many"})
    with pytest.raises(ValueError, match=r"Packages \(packages\) = 'many' is not allowed: "
                                         r"allowed 1 to 200"):
        form.procedure()


@pytest.mark.parametrize(("seconds", "text"), [
    (0.00152, "1.52 ms"), (0.432, "0.432 s"), (12.4, "12 s"), (200, "3 min 20 s"),
    (7500, "2 h 05 min")])
def test_durations_read_as_people_say_them(seconds, text):
    assert format_duration(seconds) == text


def test_at_a_real_station_the_run_waits_for_the_operator(qtbot, new_station, monkeypatch):
    parent = QtWidgets.QWidget()
    qtbot.addWidget(parent)
    station = new_station()
    prompt = SetupPrompt(station, parent)
    answers = iter([QtWidgets.QMessageBox.Ok, QtWidgets.QMessageBox.Cancel])
    monkeypatch.setattr(QtWidgets.QMessageBox, "question",
                        lambda *args: next(answers))
    outcomes = []

    def worker() -> None:  # what use_setup() does on the run's thread at a real station
        for message in ("Connect A", "Connect B"):
            try:
                station.operator(message)
                outcomes.append("connected")
            except RuntimeError as err:
                outcomes.append(str(err))

    thread = threading.Thread(target=worker)
    thread.start()
    qtbot.waitUntil(lambda: not thread.is_alive(), timeout=10_000)
    assert outcomes == ["connected",
                        "the operator did not confirm the set-up: Connect B"]
    assert prompt.messages == ["Connect A", "Connect B"]


def test_log_pane_shows_instrument_traffic_only_when_asked(qtbot, new_station):
    pane = LogPane()
    qtbot.addWidget(pane)
    station = new_station()
    try:
        logging.getLogger("labmem.test").info("hello")
        station.smu.output_enabled  # noqa: B018 (a query: one write, one read)
        qtbot.wait(50)
        assert "hello" in pane.text.toPlainText()
        assert "WRITE:" not in pane.text.toPlainText()
        pane.traffic.setChecked(True)
        station.smu.output_enabled  # noqa: B018
        qtbot.waitUntil(lambda: "WRITE::OUTP?" in pane.text.toPlainText(), timeout=2000)
    finally:
        pane.detach()
    assert logging.getLogger("Adapter").level == logging.NOTSET


def test_registry_names_every_procedure_by_its_class_name():
    assert procedure_class("IVSweep").__name__ == "IVSweep"
    assert all(name == cls.__name__ for name, cls in PROCEDURES.items())
    with pytest.raises(KeyError, match="unknown procedure 'Nope'; known: IVSweep"):
        procedure_class("Nope")


def test_gui_command_takes_a_station_file_and_a_data_directory():
    args = build_parser().parse_args(["gui", "--station", "lab.yaml", "--data", "runs"])
    assert (args.station, args.data, args.func.__name__) == ("lab.yaml", "runs", "_gui")
    assert build_parser().parse_args(["gui"]).station is None


def test_gui_refuses_a_bad_station_file_with_2_and_a_missing_one_with_3(tmp_path, capsys):
    station = tmp_path / "lab.yaml"
    station.write_text("roles:\n  smu: {driver: keithley9999, resource: X}\n")
    assert main(["gui", "--station", str(station), "--data", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"labmem gui: {station}, line 2: role 'smu': unknown driver "
                          "'keithley9999'")
    assert main(["gui", "--station", str(tmp_path / "none.yaml")]) == 3
    assert "labmem gui: cannot open the station" in capsys.readouterr().err
