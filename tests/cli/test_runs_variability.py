"""`labmem runs variability`: fits per device and over all devices from catalogued I(V) runs
chosen by id or campaign; runs without I(V) cycles are left out, unknown ids refused."""

from __future__ import annotations

import json

from labmem.cli.main import main
from labmem.procedures.runner import run_procedure
from labmem.procedures.switching.iv import IVSweep
from labmem.procedures.synapse.pairing import PrePostPairing


def test_fits_per_device_and_across_devices(new_station, tmp_path, capsys):
    data = tmp_path / "data"
    for seed, device in ((1, "D1"), (2, "D2")):
        outcome = run_procedure(IVSweep(cycles=6, compliance_a=1e-4), new_station(seed=seed),
                                data, device_id=device)
        assert outcome.status == "finished", outcome.error
    assert main(["runs", "--data", str(data), "variability", "1", "2", "--json",
                 "--bootstrap", "20"]) == 0
    fits = json.loads(capsys.readouterr().out)
    assert list(fits) == ["D1", "D2", "all devices"]
    vset = fits["all devices"]["vset_v"]
    assert 8 <= vset["n"] <= 12 and 0.1 < vset["median"] < 3.0  # a cycle may not set
    assert vset["median_low"] <= vset["median"] <= vset["median_high"]
    assert fits["D1"]["r_lrs_ohm"]["median"] < fits["D1"]["r_hrs_ohm"]["median"]
    assert main(["runs", "--data", str(data), "variability", "1", "--bootstrap", "10"]) == 0
    assert "vset (V)" in capsys.readouterr().out


def test_runs_without_iv_cycles_and_unknown_ids(new_station, tmp_path, capsys):
    data = tmp_path / "data"
    run_procedure(PrePostPairing(drive="pulse"), new_station(), data)
    assert main(["runs", "--data", str(data), "variability", "1"]) == 2
    assert "left out runs without I(V) cycles: 1 (PrePostPairing)" in capsys.readouterr().err
    assert main(["runs", "--data", str(data), "variability", "9"]) == 3
    assert main(["runs", "--data", str(data), "variability"]) == 2
    assert "needs run ids or --campaign" in capsys.readouterr().err
