"""The safe state is bounded in time: an instrument whose session hangs or dies is reported by
role, the run is closed failed, and `labmem run` exits 1 instead of spinning forever."""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
import time

import pytest

from labmem.catalog import Catalog

IDN = b"KEITHLEY INSTRUMENTS,MODEL 2450,04412345,1.7.0\n"


@pytest.fixture
def answers_once():
    """A loopback TCP server that answers each connection's first message with a Keithley
    2450 IDN line, then closes it; yields its port."""
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(0.2)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except TimeoutError:
                continue
            with conn:
                conn.settimeout(5)
                data = b""
                while b"\n" not in data:
                    chunk = conn.recv(1024)
                    if not chunk:
                        break
                    data += chunk
                conn.sendall(IDN)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield server.getsockname()[1]
    stop.set()
    thread.join(timeout=5)
    server.close()


def test_a_dropped_tcp_smu_ends_the_run_failed_and_names_the_role(tmp_path, answers_once):
    pytest.importorskip("pyvisa_py")
    station = tmp_path / "station.yaml"
    station.write_text(f'visa_library: "@py"\nroles:\n  smu: {{driver: keithley2450, '
                       f'resource: "TCPIP0::127.0.0.1::{answers_once}::SOCKET"}}\n')
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "labmem.cli.main", "run", "IVSweep", "--cycles", "1",
         "--station", str(station), "--data", str(tmp_path / "data"), "--quiet"],
        capture_output=True, text=True, timeout=60)
    assert time.monotonic() - started < 60
    assert done.returncode == 1, done.stderr
    assert "NOT SAFE: smu:" in done.stderr
    (run,) = Catalog(tmp_path / "data" / "catalog.sqlite").runs()
    assert run.status == "failed"
    assert "safe state not reached: smu:" in run.error


def test_a_hanging_safe_off_is_abandoned_at_its_deadline_and_not_tried_again(new_station):
    station = new_station()
    station.safe_off_timeout_s = 0.2
    smu = station.smu
    release = threading.Event()
    smu.safe_off = lambda: release.wait(30)  # a safe_off stuck on a dead session
    try:
        started = time.monotonic()
        (error,) = station.safe_off()
        assert time.monotonic() - started < 5
        assert error.startswith("smu: safe state not confirmed")
        assert station.safe_off() == [error]  # known dead: answered at once
    finally:
        release.set()


def test_a_lost_session_is_reopened_to_reach_the_safe_state(new_station, assert_safe):
    station = new_station()
    station.awg.safe_off()  # (opened, so that the bench's check covers it)
    station.smu.apply(0.5)
    station.smu.close()  # the session is gone; the instrument is still on
    assert station.safe_off() == []
    assert_safe(station)
