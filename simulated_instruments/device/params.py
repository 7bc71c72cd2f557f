"""Parameters of the AgFilament device model, with their physical meaning and units.

One parameter set serves every experiment; the values below are the calibration to the
AgSn/SiO2/Pt reference device (``shared/reference/seed004_protocols.md``).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace

import numpy as np

G0_S = 7.748091729e-5
"""Conductance quantum 2e²/h in S."""


@dataclass(frozen=True)
class AgFilamentParams:
    """Physical parameters of a filamentary Ag electrochemical-metallization memristor.

    Interpolation in the training memory ``s`` (0 = untrained, 1 = fully trained) is linear for
    voltages and geometric for widths and rates.
    """

    # --- conduction --------------------------------------------------------------------------
    g_hrs_s: float = 1.0e-11
    """Leakage conductance of the insulating stack in S (HRS floor)."""
    g_remnant_s: float = 1.0e-10
    """Conductance in S of the Ag left along the trained path (s = 1) by the dissolved
    nonvolatile filament, parallel to the leakage: G_rem = g_remnant_s · s."""
    lambda_nm: float = 0.1
    """Tunnelling decay length of the tip-electrode gap in nm."""
    v_t: float = 0.25
    """Voltage scale of the sinh I(V) nonlinearity in V."""
    m_tip: float = 2.5e-3
    """Tunnelling prefactor of the filament tip, in units of G0 (contact resistance ~5 MΩ); the
    tip tunnels (sinh), the bridge m conducts ohmically."""

    # --- nucleation (stochastic onset) -------------------------------------------------------
    nu_hz: float = 10.0
    """Nucleation rate at V = V_a in 1/s; the rate grows as exp((V - V_a)/V_n)."""
    v_a_fresh: float = 1.15
    """Activation voltage of a rested, untrained device in V."""
    v_a_conditioning: float = 0.45
    """Lowering of V_a by residual Ag clusters from recent filaments (c = 1) in V."""
    v_a_trained: float = 0.205
    """Activation voltage along the preferred path of a trained device (s = 1) in V."""
    v_n_untrained: float = 0.07
    """Exponential voltage scale of the nucleation rate, untrained, in V."""
    v_n_trained: float = 0.005
    """Exponential voltage scale of the nucleation rate, trained, in V."""
    sigma_a_untrained: float = 0.18
    """Cycle-to-cycle spread (std) of V_a, untrained, in V."""
    sigma_a_trained: float = 0.006
    """Cycle-to-cycle spread (std) of V_a, trained, in V."""
    tau_h_s: float = 10e-3
    """Leak time of the nucleation hazard once the forward bias is removed, in s."""
    v_h_neg: float = 0.2
    """Negative bias shortens the hazard leak as exp(-|V|/v_h_neg); in V."""

    # --- gap closure and tip retraction ------------------------------------------------------
    g_rest_untrained_nm: float = 2.0
    """Rest gap of the tip, untrained, in nm."""
    g_rest_trained_nm: float = 1.6
    """Rest gap along the preferred path, trained, in nm."""
    g_max_nm: float = 2.5
    """Largest gap (tip fully dissolved) in nm."""
    v_g_untrained_nm_s: float = 24.5
    """Field-driven closure velocity prefactor, untrained, in nm/s."""
    v_g_trained_nm_s: float = 2000.0
    """Closure velocity prefactor along the preferred path, trained, in nm/s."""
    v_g: float = 0.34
    """Voltage scale of closure kinetics sinh(V g_rest_untrained / (v_g g)) in V."""
    sigma_g: float = 0.08
    """Cycle-to-cycle spread (lognormal sigma) of the closure velocity."""
    tau_gap_s: float = 10e-3
    """Spontaneous retraction time of a tip thickened by a contact (surface diffusion back to
    the rest gap) in s."""
    tau_nucleus_s: float = 0.4e-3
    """Dissolution time in s of a thin nucleus that has not made contact, once no ion pile-up
    holds it: 0.4 ms lets a second 50 µs pulse fire up to ≈ 1 ms after a first, the read
    current's relaxation time (issue 17, paired pulses; docs/device_model.md)."""
    v_gt: float = 0.3
    """Gibbs–Thomson potential 2γΩ/(e·r) of a thin nucleus in V (r ≈ 0.85 nm): a forward bias
    above it piles up enough Ag ions at the tip to stop its dissolution (so E2.1's ramp still
    sets at the stochastic onset)."""
    k_th_per_c: float = 1e12
    """Thickening of the tip per forward filament charge in 1/C, d = 1 − exp(−k_th·Q): a contact
    (≥ 10 nA) saturates it within 0.5 ms, a sub-threshold pulse (≤ 5·10⁻¹⁵ C) leaves d < 0.01."""
    tau_ion_s: float = 0.3e-3
    """Time in s in which the Ag ions a forward bias piled up at the tip diffuse away: 0.3 ms
    keeps a nucleus's loss in the 90 µs gaps of a 10 kHz train at ≈ 2 % (it integrates)."""
    v_r_nm_s: float = 1.0
    """Negative-bias retraction velocity prefactor in nm/s."""
    v_r: float = 0.1
    """Voltage scale of negative-bias retraction sinh(|V|/v_r) in V."""
    k_r_nm_per_c: float = 3e17
    """Tip dissolution per reverse charge in nm/C (what makes a fired neuron refractory)."""

    k_a_per_c: float = 2e12
    """Depletion of the tip's Ag-ion supply per forward filament charge in 1/C."""
    tau_a_s: float = 2e-3
    """Refill time of the tip's Ag-ion supply by diffusion from the bulk, in s."""
    k_ox_hz: float = 3.0
    """Re-oxidation rate prefactor of the Ag a firing contact deposited, in 1/s: under reverse
    bias the supply refills at k_ox (exp(|V|/v_ox) − 1) (Butler–Volmer)."""
    v_ox: float = 0.1
    """Voltage scale of the reverse-bias re-oxidation in V."""

    # --- bridge (neck) growth, dissolution, and decay -----------------------------------------
    m_neck: float = 5e-4
    """Neck size (G0 units) above which the bridge pins the tip and tau_R grows as m²."""
    tau_r1_s: float = 1e-4
    """Surface-diffusion decay time of a vanishing neck in s; tau_R = tau_r1 (1 + m/m_neck)²."""
    k_f_untrained: float = 3.0e6
    """Faradaic growth coefficient dm/dQ, untrained, in 1/C."""
    k_f_trained: float = 8.0e7
    """Faradaic growth coefficient dm/dQ along the preferred path, trained, in 1/C (doubled
    when the bridge became ohmic: a thin ohmic bridge carries less current at ~1 V)."""
    v_c: float = 0.25
    """Growth overpotential threshold in V: growth stalls as V_dev -> v_c (R_LRS = v_c/I_cc)."""
    v_m: float = 0.2
    """Voltage scale of the growth efficiency 1 - exp(-(V - v_c)/v_m) in V."""
    k_d_hz: float = 60.0
    """Field-driven dissolution rate prefactor under negative bias in 1/s."""
    v_d: float = 0.12
    """Voltage scale of dissolution sinh(|V|/v_d) in V."""
    m_ref: float = 20.0
    """Bridge size (G0 units) that sets the soft bound of dissolution (m/m_ref)²."""
    sigma_w: float = 0.3
    """Event-to-event spread (lognormal sigma) of write efficiency (growth and dissolution)."""

    # --- memories ----------------------------------------------------------------------------
    i_s_a: float = 10e-6
    """Current above which events condition (train) the path, in A."""
    eta_s_per_j: float = 4000.0
    """Training rate per dissipated energy in 1/J."""
    tau_s_s: float = 1e6
    """Decay time of the training memory in s."""
    tau_c_up_s: float = 10e-3
    """Build-up time of residual-cluster conditioning while a filament touches, in s."""
    tau_c_s: float = 30.0
    """Redissolution time of residual clusters in s."""

    # --- wear-out (endurance): residual Ag in the gap; assumptions, see docs/device_model.md --
    w_onset_g0: float = 1.0e7
    """Ag turnover (bridge growth summed over all writes, G0 units) at which the residual
    clusters it leaves in the gap start to percolate (wear-out onset)."""
    g_perc_s: float = 1.0e-3
    """Conductance of a fully percolated residual-Ag path in S (reached at twice the onset)."""
    perc_exponent: float = 2.0
    """Percolation conductivity exponent t (about 2 in three dimensions)."""

    # --- read noise: charge traps near the conduction path; assumptions, see the docs -------
    rtn_amplitude: float = 0.1
    """Relative conductance change of a thin path when the RTN trap is charged: with the flicker
    traps σ/μ ≈ 5 % at HRS and ≈ 0.1 % at a 1 mA LRS, within the ΔR/R reported rising with R
    for filamentary cells (assumption, see the docs' read-noise section)."""
    rtn_tau_capture_s: float = 20e-3
    """Mean dwell time of the RTN trap empty (capture time) in s."""
    rtn_tau_emission_s: float = 8e-3
    """Mean dwell time of the RTN trap charged (emission time) in s."""
    flicker_amplitude: float = 0.02
    """Relative conductance change per charged flicker trap (one trap per decade of time): a
    1/f background a fifth of the RTN step (assumption, see the docs' read-noise section)."""
    flicker_tau_min_s: float = 1e-4
    """Correlation time of the fastest flicker trap in s."""
    flicker_tau_max_s: float = 10.0
    """Correlation time of the slowest flicker trap in s (1/f between the two corners)."""

    def to_array(self) -> np.ndarray:
        """Pack the parameters in field order for the compiled kernel."""
        return np.array([getattr(self, f.name) for f in fields(self)], dtype=np.float64)

    def with_(self, **changes: float) -> AgFilamentParams:
        """Return a copy with some parameters changed (for studies and tests)."""
        return replace(self, **changes)

    def as_dict(self) -> dict[str, float]:
        """Plain dict of the parameters (for provenance in summaries)."""
        return asdict(self)


PARAM_INDEX: dict[str, int] = {f.name: i for i, f in enumerate(fields(AgFilamentParams))}
"""Index of each parameter in :meth:`AgFilamentParams.to_array`."""
