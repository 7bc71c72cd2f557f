"""Every procedure a user can choose by name, the module that defines it, and its docstring
read from the source: the command line lists procedures without loading PyMeasure (pandas,
pint) until one of them runs."""

from __future__ import annotations

import ast
import importlib.util
from functools import cache

PROCEDURE_MODULES: dict[str, str] = {
    "IVSweep": "labmem.procedures.switching.iv",
    "ComplianceLadderTraining": "labmem.procedures.switching.iv",
    "RegimeSwitching": "labmem.procedures.switching.iv",
    "PulseTrain": "labmem.procedures.neuron.pulse_responses",
    "AllOrNone": "labmem.procedures.neuron.pulse_responses",
    "Integrate": "labmem.procedures.neuron.pulse_responses",
    "IntegrateAndFire": "labmem.procedures.neuron.pulse_responses",
    "SynapticWeight": "labmem.procedures.synapse.weight",
    "PrePostPairing": "labmem.procedures.synapse.pairing",
    "SwitchingDelay": "labmem.procedures.switching.delay",
    "Retention": "labmem.procedures.synapse.retention",
    "RatePlasticity": "labmem.procedures.neuron.rate_plasticity",
    "RepetitionRetention": "labmem.procedures.neuron.repetition",
    "DendriticFilter": "labmem.procedures.neuron.dendritic_filter",
    "ThresholdSwitching": "labmem.procedures.neuron.threshold_switching",
    "TurnOnRelaxation": "labmem.procedures.neuron.relaxation",
    "EPSC": "labmem.procedures.neuron.epsc",
    "PairedPulse": "labmem.procedures.neuron.paired_pulse",
    "LeakyIntegrateFire": "labmem.procedures.neuron.leaky_integrate_fire",
    "Forming": "labmem.procedures.switching.forming",
    "LevelRetention": "labmem.procedures.synapse.level_retention",
    "ReadDisturb": "labmem.procedures.synapse.read_disturb",
    "ProgramVerify": "labmem.procedures.synapse.program_verify",
    "SelfOscillation": "labmem.procedures.neuron.self_oscillation",
    "UpdateLinearity": "labmem.procedures.synapse.linearity",
    "STDP": "labmem.procedures.synapse.stdp",
    "Endurance": "labmem.procedures.synapse.endurance",
    "PulsedEndurance": "labmem.procedures.synapse.pulsed_endurance",
    "ReadNoise": "labmem.procedures.synapse.read_noise",
    "ManualRead": "labmem.procedures.synapse.manual",
    "ManualPulse": "labmem.procedures.synapse.manual",
}
"""Module of each procedure class, by the class name (as the run catalog records it), in the
reference programme's order, then the manual panel's actions."""


@cache
def _class_docs(module: str) -> dict[str, str]:
    """Docstring of every class the module's source defines, by class name (not imported)."""
    spec = importlib.util.find_spec(module)
    assert spec is not None and spec.origin is not None, module
    with open(spec.origin, encoding="utf-8") as source:
        tree = ast.parse(source.read(), spec.origin)
    return {node.name: ast.get_docstring(node) or "" for node in tree.body
            if isinstance(node, ast.ClassDef)}


def procedure_doc(name: str) -> str:
    """The procedure's docstring on one line (whitespace collapsed), read from its source."""
    return " ".join(_class_docs(PROCEDURE_MODULES[name])[name].split())
