"""The command line starts without its heavy libraries: the parser reads the procedures'
names and docstrings from their source and imports a procedure only when a run chooses it."""

from __future__ import annotations

import subprocess
import sys

import pytest

from labmem.cli.main import build_parser
from labmem.procedures.base import parameters_in_order
from labmem.procedures.names import PROCEDURE_MODULES, procedure_doc
from labmem.procedures.registry import PROCEDURES

HEAVY = ("pandas", "pyvisa", "numba", "matplotlib", "pint", "pymeasure", "h5py", "dask")

PROBE = """
import sys
from labmem.cli.main import main
try:
    main({argv!r})
except SystemExit:
    pass
print(" ".join(m for m in {heavy!r} if m in sys.modules))
"""


@pytest.mark.parametrize("argv", [["--help"], ["run", "--help"], ["campaign", "--help"]])
def test_help_imports_no_heavy_library(argv):
    probe = PROBE.format(argv=argv, heavy=HEAVY)
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          check=True)
    assert done.stdout.splitlines()[-1] == ""


def test_procedure_docs_read_from_source_are_the_classes_docstrings():
    assert list(PROCEDURE_MODULES) == list(PROCEDURES)
    for name, cls in PROCEDURES.items():
        assert cls.__module__ == PROCEDURE_MODULES[name]
        assert procedure_doc(name) == " ".join((cls.__doc__ or "").split())


@pytest.mark.parametrize("name", list(PROCEDURE_MODULES))
def test_a_chosen_procedure_takes_each_of_its_parameters(name):
    names = list(parameters_in_order(PROCEDURES[name]))
    argv = ["run", name, *(f"--{p}=1" for p in names)]
    args = build_parser().parse_args(argv)
    assert all(getattr(args, p) == "1" for p in names)
