"""Compiled time-stepping core: AgFilament device physics inside an SMU, series-resistor or
membrane (capacitor node) circuit.

The device and circuit equations are integrated with adaptive steps (exponential integrators
for the relaxations, explicit steps bounded by how much a drive may change the state), so µs
edges are resolved inside seconds-long experiments. Everything here is numba-compiled; the
Python-facing classes are in ``device.model`` and ``bench.circuit``. The device step, the
circuit loop that inlines it and the dense sampling inside a step stay in one module (about
600 lines): numba compiles them as one unit, and splitting them would spread one set of
equations over several files.
"""

from __future__ import annotations

import math

import numba
import numpy as np

from labmem.simulated_instruments.device.params import G0_S, PARAM_INDEX

# Parameter indices (compile-time constants for numba).
_GHRS = PARAM_INDEX["g_hrs_s"]
_GREM = PARAM_INDEX["g_remnant_s"]
_LAM = PARAM_INDEX["lambda_nm"]
_VT = PARAM_INDEX["v_t"]
_MTIP = PARAM_INDEX["m_tip"]
_NU = PARAM_INDEX["nu_hz"]
_VA0 = PARAM_INDEX["v_a_fresh"]
_VAC = PARAM_INDEX["v_a_conditioning"]
_VA1 = PARAM_INDEX["v_a_trained"]
_VN0 = PARAM_INDEX["v_n_untrained"]
_VN1 = PARAM_INDEX["v_n_trained"]
_SA0 = PARAM_INDEX["sigma_a_untrained"]
_SA1 = PARAM_INDEX["sigma_a_trained"]
_TAUH = PARAM_INDEX["tau_h_s"]
_VHN = PARAM_INDEX["v_h_neg"]
_GR0 = PARAM_INDEX["g_rest_untrained_nm"]
_GR1 = PARAM_INDEX["g_rest_trained_nm"]
_GMAX = PARAM_INDEX["g_max_nm"]
_VG0 = PARAM_INDEX["v_g_untrained_nm_s"]
_VG1 = PARAM_INDEX["v_g_trained_nm_s"]
_VGS = PARAM_INDEX["v_g"]
_SG = PARAM_INDEX["sigma_g"]
_TAUGAP = PARAM_INDEX["tau_gap_s"]
_TAUNUC = PARAM_INDEX["tau_nucleus_s"]
_VGT = PARAM_INDEX["v_gt"]
_KTH = PARAM_INDEX["k_th_per_c"]
_TAUION = PARAM_INDEX["tau_ion_s"]
_VR = PARAM_INDEX["v_r_nm_s"]
_VRS = PARAM_INDEX["v_r"]
_KR = PARAM_INDEX["k_r_nm_per_c"]
_KA = PARAM_INDEX["k_a_per_c"]
_TAUA = PARAM_INDEX["tau_a_s"]
_KOX = PARAM_INDEX["k_ox_hz"]
_VOX = PARAM_INDEX["v_ox"]
_MNECK = PARAM_INDEX["m_neck"]
_TAUR1 = PARAM_INDEX["tau_r1_s"]
_KF0 = PARAM_INDEX["k_f_untrained"]
_KF1 = PARAM_INDEX["k_f_trained"]
_VC = PARAM_INDEX["v_c"]
_VM = PARAM_INDEX["v_m"]
_KD = PARAM_INDEX["k_d_hz"]
_VD = PARAM_INDEX["v_d"]
_MREF = PARAM_INDEX["m_ref"]
_SW = PARAM_INDEX["sigma_w"]
_IS = PARAM_INDEX["i_s_a"]
_ETAS = PARAM_INDEX["eta_s_per_j"]
_TAUS = PARAM_INDEX["tau_s_s"]
_TAUCUP = PARAM_INDEX["tau_c_up_s"]
_TAUC = PARAM_INDEX["tau_c_s"]
_WON = PARAM_INDEX["w_onset_g0"]
_GPERC = PARAM_INDEX["g_perc_s"]
_TPERC = PARAM_INDEX["perc_exponent"]
_ARTN = PARAM_INDEX["rtn_amplitude"]
_TCRTN = PARAM_INDEX["rtn_tau_capture_s"]
_TERTN = PARAM_INDEX["rtn_tau_emission_s"]
_AFL = PARAM_INDEX["flicker_amplitude"]
_TFL0 = PARAM_INDEX["flicker_tau_min_s"]
_TFL1 = PARAM_INDEX["flicker_tau_max_s"]

# State vector layout.
ST_T = 0  # time in s
ST_H = 1  # nucleation hazard accumulator
ST_EPS = 2  # hazard needed for the next nucleation (Exp(1) draw)
ST_NUC = 3  # 1 while a nucleus exists
ST_G = 4  # tip-electrode gap in nm
ST_M = 5  # bridge (neck) size in G0 units
ST_S = 6  # training memory (preferred path), 0..1
ST_C = 7  # residual-cluster conditioning, 0..1
ST_VA = 8  # activation voltage drawn for this cycle in V
ST_FG = 9  # closure-velocity factor drawn at nucleation
ST_FW = 10  # write-efficiency factor drawn at each bias onset
ST_VOUT = 11  # SMU terminal voltage (lags its target), or last device voltage
ST_IF = 12  # read-out (TIA / ammeter) filtered current in A
ST_ON = 13  # 1 while the source is biased (for onset detection)
ST_A = 14  # Ag-ion supply at the tip, 0..1 (depleted by a firing contact)
ST_VM = 15  # membrane-node (capacitor) voltage in V (MODE_MEMBRANE only)
ST_W = 16  # Ag turnover: bridge growth summed over all writes, G0 units (wear-out)
ST_TRAP = 17  # occupancy of the noise traps, a bit per trap (bit 0: the RTN trap)
ST_D = 18  # thickening of the tip by the Ag its contact current deposited, 0..1
ST_P = 19  # Ag-ion pile-up at the tip left by forward bias (cancels a nucleus's dissolution)
N_STATE = 20

N_FLICKER = 6  # flicker traps, correlation times log-spaced (one per decade by default)
N_TRAPS = 1 + N_FLICKER
_FEW_FLIPS = 0.05  # below this many expected trap flips per step, at most one is drawn

MODE_SMU = 0
MODE_SERIES = 1
MODE_MEMBRANE = 2
NODE_C = 0  # node[NODE_C]: membrane capacitance in F
NODE_RIN = 1  # input resistance from the source to the node in Ω
NODE_GLEAK = 2  # leak conductance from the node to ground in S (0: no leak resistor)

_ONSET_V = 0.02  # |V| above which a bias counts as applied (write-event onset)
_DENUC_V = 0.05  # below this device voltage a fully retracted nucleus dissolves
_DV_STEP = 1e-3  # largest source change per step in V
_CLOCK_ULPS = 4.5e-16  # shortest step relative to the clock's absolute time (2-4 ulps)
_DT_EDGE = 1e-9  # shortest step the source change forces (a ns edge is crossed in ns steps)
_FAST_EDGE_S = 100e-9  # longest source ramp crossed in one step (an AWG's 8-40 ns edges)
_DG_STEP = 0.01  # largest gap change per step in nm
_DLNM_STEP = 0.05  # largest relative bridge change per step
_DH_STEP = 0.05  # largest hazard gain per step, relative to the threshold
_DP_STEP = 0.1  # largest release of the ion pile-up per step, in units of its time constant
_G_FIELD_MIN = 0.3  # gap (nm) below which the field across it stops growing (atomic scale)
_DVM_STEP = 2e-3  # largest membrane-node voltage change per step in V
_KT_E = 0.0257  # thermal voltage kT/e at room temperature in V


@numba.njit(cache=True)
def lerp(a: float, b: float, s: float) -> float:
    """Linear interpolation between untrained (a) and trained (b) values."""
    return a + (b - a) * s


@numba.njit(cache=True)
def gerp(a: float, b: float, s: float) -> float:
    """Geometric interpolation between untrained (a) and trained (b) positive values."""
    return a * (b / a) ** s


@numba.njit(cache=True)
def trap_rates(k: int, P: np.ndarray) -> tuple:
    """(capture, emission) rate of trap k in 1/s: k = 0 the RTN trap, else a flicker trap
    (symmetric, correlation time log-spaced between flicker_tau_min_s and flicker_tau_max_s)."""
    if k == 0:
        return 1.0 / P[_TCRTN], 1.0 / P[_TERTN]
    tau = P[_TFL0] * (P[_TFL1] / P[_TFL0]) ** ((k - 1) / max(N_FLICKER - 1, 1))
    return 0.5 / tau, 0.5 / tau


@numba.njit(cache=True)
def _traps_charged(P: np.ndarray) -> bool:
    """True when a noise trap changes the conductance (amplitudes set to 0: a noiseless device)."""
    return P[_ARTN] != 0.0 or P[_AFL] != 0.0


@numba.njit(cache=True)
def trap_charge(mask: float, P: np.ndarray) -> float:
    """Zero-mean trapped-charge fluctuation ξ = Σ a_k (o_k − p_k) of the occupancy bit mask
    (0 at once when the traps are off)."""
    if not _traps_charged(P):
        return 0.0
    bits = int(mask)
    kc, ke = trap_rates(0, P)
    xi = P[_ARTN] * (float(bits & 1) - kc / (kc + ke))
    for k in range(1, N_TRAPS):  # a symmetric flicker trap is charged half the time
        xi += P[_AFL] * (float((bits >> k) & 1) - 0.5)
    return xi


@numba.njit(cache=True)
def channel_conductances(g: float, m: float, xi: float, P: np.ndarray) -> tuple:
    """(tip prefactor, bridge conductance) in S of the filament: G0 m_tip and G0 m, both times
    (1 − ξ/(1 + m)) exp(−g/λ). The tip tunnels (sinh); the bridge is a metallic constriction
    (ohmic). Trapped charge ξ blocks about one conduction channel's worth of the path."""
    common = G0_S * (1.0 - xi / (1.0 + m)) * math.exp(-g / P[_LAM])
    return common * P[_MTIP], common * m


@numba.njit(cache=True)
def wear_conductance(w: float, P: np.ndarray) -> float:
    """Conductance in S of the residual Ag once it percolates: g_perc · min(W/W_on − 1, 1)^t."""
    x = w / P[_WON] - 1.0
    if x <= 0.0:
        return 0.0
    return P[_GPERC] * min(x, 1.0) ** P[_TPERC]


@numba.njit(cache=True)
def leak_conductance(w: float, s: float, xi: float, P: np.ndarray) -> float:
    """Ohmic branch in S: insulator leakage and the remnant Ag of the trained path
    (g_hrs + g_remnant·s, trap-modulated by 1 − ξ) plus the worn-out path."""
    return (P[_GHRS] + P[_GREM] * s) * (1.0 - xi) + wear_conductance(w, P)


@numba.njit(cache=True)
def conductances(S: np.ndarray, P: np.ndarray) -> tuple:
    """(G_tip, G_lin) of the state S: the tip's tunnelling prefactor, and the ohmic branches
    (bridge, leakage, remnant and worn-out paths) together."""
    xi = trap_charge(S[ST_TRAP], P)
    g_tip, g_bridge = channel_conductances(S[ST_G], S[ST_M], xi, P)
    return g_tip, g_bridge + leak_conductance(S[ST_W], S[ST_S], xi, P)


@numba.njit(cache=True)
def device_current(v: float, gf: float, gl: float, P: np.ndarray) -> float:
    """Device current in A at voltage v: the ohmic branches plus the tip's tunnelling."""
    vt = P[_VT]
    return gl * v + gf * vt * math.sinh(v / vt)


@numba.njit(cache=True)
def _device_slope(v: float, gf: float, gl: float, P: np.ndarray) -> float:
    return gl + gf * math.cosh(v / P[_VT])


@numba.njit(cache=True)
def init_traps(S: np.ndarray, P: np.ndarray, noise_rng: np.random.Generator) -> None:
    """Draw each trap's occupancy from its stationary probability."""
    bits = 0
    for k in range(N_TRAPS):
        kc, ke = trap_rates(k, P)
        if noise_rng.random() < kc / (kc + ke):
            bits |= 1 << k
    S[ST_TRAP] = float(bits)


@numba.njit(cache=True)
def _flip_rate(bits: int, P: np.ndarray) -> float:
    """Total rate in 1/s at which the occupancy bits leave their present state (any trap)."""
    total = 0.0
    for k in range(N_TRAPS):
        kc, ke = trap_rates(k, P)
        total += ke if (bits >> k) & 1 else kc
    return total


@numba.njit(cache=True)
def advance_traps(S: np.ndarray, P: np.ndarray, noise_rng: np.random.Generator,
                  dt: float) -> None:
    """Propagate the trap occupancies over dt (two-state Markov chains): exact per trap, or,
    when fewer than _FEW_FLIPS flips are expected, at most one flip drawn from their rates.
    Traps that carry no charge (amplitudes 0) are not propagated: their stream is their own."""
    if dt <= 0.0 or not _traps_charged(P):
        return
    bits = int(S[ST_TRAP])
    total = _flip_rate(bits, P)
    if total * dt < _FEW_FLIPS:
        u = noise_rng.random() / dt
        if u < total:
            for k in range(N_TRAPS):
                kc, ke = trap_rates(k, P)
                u -= ke if (bits >> k) & 1 else kc
                if u < 0.0:
                    bits ^= 1 << k
                    break
    else:
        for k in range(N_TRAPS):
            kc, ke = trap_rates(k, P)
            p_inf = kc / (kc + ke)
            o = float((bits >> k) & 1)
            p = p_inf + (o - p_inf) * math.exp(-(kc + ke) * dt)
            if noise_rng.random() < p:
                bits |= 1 << k
            else:
                bits &= ~(1 << k)
    S[ST_TRAP] = float(bits)


@numba.njit(cache=True)
def _solve_monotonic(
    a: float, b: float, c: float, v_end: float, guess: float, gf: float, gl: float,
    P: np.ndarray
) -> float:
    """Root of a·V + b·I(V) = c between 0 and v_end (increasing in V): safeguarded Newton.
    A Newton step below 1e-13 V ends it before the bracket test: at a root (residual 0 or one
    rounding off) v is a bracket end, and bisecting away from it cost ~30 more iterations."""
    lo = min(0.0, v_end)
    hi = max(0.0, v_end)
    v = min(max(guess, lo), hi)
    for _ in range(80):
        f = a * v + b * device_current(v, gf, gl, P) - c
        if f > 0.0:
            hi = v
        else:
            lo = v
        vn = v - f / (a + b * _device_slope(v, gf, gl, P))
        if abs(vn - v) < 1e-13:
            return vn
        if vn <= lo or vn >= hi:
            vn = 0.5 * (lo + hi)
        v = vn
    return v


@numba.njit(cache=True)
def solve_clamp(i_target: float, v_limit: float, gf: float, gl: float, P: np.ndarray) -> float:
    """Voltage between 0 and v_limit at which the device carries i_target (same sign)."""
    return _solve_monotonic(0.0, 1.0, i_target, v_limit, 0.5 * v_limit, gf, gl, P)


@numba.njit(cache=True)
def solve_series(v_src: float, r: float, gf: float, gl: float, guess: float,
                 P: np.ndarray) -> float:
    """Device voltage when v_src drives the device through resistance r (KCL, monotonic)."""
    return _solve_monotonic(1.0, r, v_src, v_src, guess, gf, gl, P)


@numba.njit(cache=True)
def _draw_activation(S: np.ndarray, P: np.ndarray, rng: np.random.Generator) -> None:
    """Draw the activation voltage of the present Ag-cluster configuration (cycle to cycle)."""
    s = S[ST_S]
    va_mean = lerp(P[_VA0] - P[_VAC] * S[ST_C], P[_VA1], s)
    S[ST_VA] = va_mean + gerp(P[_SA0], P[_SA1], s) * rng.standard_normal()


@numba.njit(cache=True)
def _draw_cycle(S: np.ndarray, P: np.ndarray, rng: np.random.Generator) -> None:
    """Start a new cycle: reset the hazard and draw its threshold and activation voltage."""
    S[ST_H] = 0.0
    S[ST_EPS] = rng.standard_exponential()
    S[ST_NUC] = 0.0
    S[ST_D] = 0.0
    _draw_activation(S, P, rng)


@numba.njit(cache=True)
def init_state(S: np.ndarray, P: np.ndarray, rng: np.random.Generator) -> None:
    """Fresh (virgin, rested) device at t = 0."""
    S[:] = 0.0
    S[ST_G] = P[_GR0]
    S[ST_A] = 1.0
    S[ST_FG] = 1.0
    S[ST_FW] = 1.0
    _draw_cycle(S, P, rng)


@numba.njit(cache=True)
def pile_up(v: float, P: np.ndarray) -> float:
    """Ag-ion pile-up at the tip that a forward bias v holds, as a fraction of the nucleus's
    Gibbs–Thomson potential v_gt: 1 − (1 − e^(−(v_gt − v)/(kT/e)))⁺ / (1 − e^(−v_gt/(kT/e))),
    0 at 0 V and 1 from v_gt (the flux-force factor of the dissolution)."""
    force = max(-math.expm1(-(P[_VGT] - v) / _KT_E), 0.0) / -math.expm1(-P[_VGT] / _KT_E)
    return max(1.0 - force, 0.0)


@numba.njit(cache=True)
def retraction_rate(d: float, pile: float, P: np.ndarray) -> float:
    """Spontaneous retraction rate of the tip in 1/s: a tip thickened by a contact (d = 1) by
    surface diffusion (1/tau_gap), a thin nucleus (d = 0) by dissolution (1/tau_nucleus),
    which the Ag-ion pile-up at the tip (0..1) cancels."""
    return d / P[_TAUGAP] + (1.0 - d) * (1.0 - pile) / P[_TAUNUC]


@numba.njit(cache=True)
def _advance(
    S: np.ndarray,
    P: np.ndarray,
    rng: np.random.Generator,
    v: float,
    i: float,
    gf: float,
    gl: float,
    r: float,
    dt_cap: float,
    dt_event: float,
) -> float:
    """Advance the device by at most dt_cap at device voltage v and current i (conductances
    gf, gl); return dt.

    r is the resistance in series with the device (0 when a source holds its voltage over the
    step): the bridge's feedback on its own growth goes through it. A step that would nucleate
    or move a driven gap is also kept within dt_event, so the event lands where a step of that
    length (e.g. to the next sample) would put it."""
    s = S[ST_S]
    g = S[ST_G]
    m = S[ST_M]
    nuc = S[ST_NUC] > 0.5
    i_fil = abs(i - leak_conductance(S[ST_W], s, trap_charge(S[ST_TRAP], P), P) * v)
    lam = P[_LAM]
    g_rest = lerp(P[_GR0], P[_GR1], s)

    # Nucleation hazard: rate grows exponentially with forward bias.
    rate = 0.0
    if not nuc and v > 0.0:
        vn = gerp(P[_VN0], P[_VN1], s)
        rate = P[_NU] * math.exp(min((v - S[ST_VA]) / vn, 300.0))
    # Sub-critical clusters dissolve once the forward bias is gone (faster under reverse bias);
    # under forward bias the hazard accumulates without loss, so the onset stays Poissonian.
    tau_h = P[_TAUH]
    if v < 0.0:
        tau_h *= math.exp(v / P[_VHN])

    # Gap: field-driven closure of a nucleated tip, reverse-bias retraction, relaxation to rest.
    hold = math.exp(-m / P[_MNECK])  # a grown neck pins the tip
    drive_g = 0.0
    if v > 0.0 and nuc:
        # Ion hopping across the gap: the field V/g grows as the tip approaches (runaway).
        x = min(v * P[_GR0] / (P[_VGS] * max(g, _G_FIELD_MIN)), 50.0)
        drive_g = -gerp(P[_VG0], P[_VG1], s) * S[ST_FG] * S[ST_A] * math.sinh(x)
    elif v < 0.0 and g < g_rest:
        # Reverse bias retracts the tip (back to its rest gap, not beyond) by field and, through
        # the filament's current, by electrochemical dissolution of the tip atoms.
        drive_g = (P[_VR] * math.sinh(-v / P[_VRS]) + P[_KR] * i_fil) * hold
    k_gap = hold * retraction_rate(S[ST_D], S[ST_P], P)
    pile = pile_up(v, P)

    # Bridge: Faradaic growth near contact above the overpotential, dissolution under reverse bias.
    drive_m = 0.0
    if v > P[_VC]:
        eff = 1.0 - math.exp(-(v - P[_VC]) / P[_VM])
        drive_m = gerp(P[_KF0], P[_KF1], s) * S[ST_FW] * abs(i) * eff * math.exp(-g / lam)
    elif v < 0.0:
        ratio = m / P[_MREF]
        drive_m = -P[_KD] * S[ST_FW] * math.sinh(-v / P[_VD]) * m * ratio * ratio

    # Bridge rate f = drive - m/τ_R and its slope df/dm, through the device's current (and,
    # behind a series resistor, its voltage): growth raises the current and lowers the voltage
    # towards v_c, which is what settles the bridge.
    u = m / P[_MNECK]
    tau_r = P[_TAUR1] * (1.0 + u) ** 2
    net_m = drive_m - m / tau_r
    jac_m = -(1.0 - u) / ((1.0 + u) * tau_r)
    if drive_m > 0.0:
        di_dm = G0_S * math.exp(-g / lam) * v / (1.0 + r * _device_slope(v, gf, gl, P))
        eff_slope = math.exp(-(v - P[_VC]) / P[_VM]) / P[_VM]
        jac_m += drive_m * (di_dm / abs(i) - eff_slope * r * di_dm / eff) if i != 0.0 else 0.0
    elif drive_m < 0.0 and m > 0.0:
        jac_m += 3.0 * drive_m / m

    # Step size: bounded by how far each rate may move the state.
    dt = dt_cap
    if rate > 0.0:
        dt = min(dt, _DH_STEP * S[ST_EPS] / rate)
    net_g = drive_g + k_gap * (g_rest - g)  # relaxation is exact; only net motion limits dt
    pinned = (g <= 0.0 and net_g < 0.0) or (g >= P[_GMAX] and net_g > 0.0)
    if net_g != 0.0 and not pinned:
        dt = min(dt, _DG_STEP / abs(net_g))
    if S[ST_P] > pile and g < g_rest:  # the pile-up diffusing away releases a nucleus
        dt = min(dt, _DP_STEP * P[_TAUION] / (S[ST_P] - pile))
    if net_m != 0.0:
        dt = min(dt, _DLNM_STEP * (m + P[_MTIP]) / abs(net_m))
    if jac_m > 0.0:  # a bridge that feeds its own growth: resolve the runaway
        dt = min(dt, 0.5 / jac_m)
    # Nucleation and a driven gap move with the step's length (explicit drive); those steps
    # end at the next sample too (dt_event). The bridge's step does not depend on it.
    nucleates = v > _DENUC_V and not nuc and S[ST_H] + rate * dt >= S[ST_EPS]
    if nucleates or (drive_g != 0.0 and not pinned):
        dt = min(dt, dt_event)
    # Never shorter than the clock can tell apart (a few ulps of the absolute time: at 3e5 s
    # of virtual time a 1 ps step would not move it, and the run would never end).
    dt = max(dt, 1e-12, _CLOCK_ULPS * S[ST_T])

    # Hazard: accumulates under forward bias, otherwise decays (exact over the step).
    if v > _DENUC_V:
        S[ST_H] += rate * dt
    else:
        S[ST_H] *= math.exp(-dt / tau_h)

    # Gap and the tip's Ag-ion supply: each relaxes exactly over the step with its drive held
    # (exponential integrator). The supply is consumed by forward filament current, refilled by
    # diffusion and, under reverse bias, by re-oxidation of the deposited Ag (exponential in the
    # overpotential).
    a_ion = S[ST_A]
    k_use = P[_KA] * i_fil if v > 0.0 else 0.0
    k_fill = 1.0 / P[_TAUA]
    if v < 0.0:
        k_fill += P[_KOX] * math.expm1(min(-v / P[_VOX], 300.0))
    k_a = k_use + k_fill
    frac_g = -math.expm1(-k_gap * dt) / k_gap if k_gap * dt > 1e-09 else dt
    frac_a = -math.expm1(-k_a * dt) / k_a
    net_a = k_fill - k_a * a_ion
    dg = net_g * frac_g
    j_ag = 0.0
    if drive_g != 0.0 and not pinned and v > 0.0 and g <= _G_FIELD_MIN:
        # A closing tip and its supply are a stiff pair: closure is proportional to a, and a
        # closer tip draws more current, which depletes a. Their coupling is taken linearly
        # implicit, (diag(1/frac) − J_coupling)·Δ = f, so a step near their balance
        # (closure = retraction, depletion = refill) can be long and stays stable; without
        # coupling this is the exponential step. Only below _G_FIELD_MIN, where the field no
        # longer grows as the tip closes, is that Jacobian the pair's whole one; further out the
        # runaway of closure dominates it and the steps stay explicit (bounded by _DG_STEP).
        j_ga = drive_g / a_ion  # ∂(dg/dt)/∂a ≤ 0 (drive_g ∝ a, so a > 0 here)
        # ∂(da/dt)/∂g ≥ 0: the filament current falls as exp(−g/λ) (behind r, its voltage rises)
        j_ag = k_use * a_ion / (lam * (1.0 + r * _device_slope(v, gf, gl, P)))
        dg = frac_g * (net_g + frac_a * j_ga * net_a) / (1.0 - frac_g * frac_a * j_ga * j_ag)
    g_new = min(max(g + dg, 0.0), P[_GMAX])
    # The supply answers to the gap's actual move (a tip stops at contact).
    S[ST_A] = min(max(a_ion + frac_a * (net_a + j_ag * (g_new - g)), 0.0), 1.0)
    g = g_new
    # Thickening: the forward current of a contact deposits Ag on the tip (saturating).
    if v > 0.0:
        S[ST_D] = 1.0 - (1.0 - S[ST_D]) * math.exp(-P[_KTH] * i_fil * dt)
    # Pile-up: a forward bias drives Ag ions to the tip at once (drift); they diffuse away.
    S[ST_P] = pile + (S[ST_P] - pile) * math.exp(-dt / P[_TAUION]) if S[ST_P] > pile else pile

    # Bridge: surface-diffusion decay with τ_R = τ_R1 (1 + m/m_neck)² (τ ∝ r⁴ ∝ m² for a
    # grown bridge), exact for τ frozen over the step when nothing drives it; a driven bridge
    # takes a linearly implicit step, whose fixed point (growth = decay) does not depend on
    # the step's length and which stays stable however steeply growth falls with m.
    if drive_m == 0.0:
        m *= math.exp(-dt / tau_r)
    else:
        m_new = max(m + dt * net_m / (1.0 - dt * jac_m), 0.0)
        if m_new > m:  # Ag turnover: what the bridge grows, it later leaves partly behind
            S[ST_W] += m_new - m
        m = m_new

    # Training memory: only high-current events build the preferred path.
    a = 0.0
    if abs(i) > P[_IS]:
        a = P[_ETAS] * abs(i * v)
    k_s = a + 1.0 / P[_TAUS]
    s_inf = a / k_s
    S[ST_S] = s_inf + (S[ST_S] - s_inf) * math.exp(-k_s * dt)

    # Residual-cluster conditioning: builds while a filament conducts, redissolves slowly.
    up = 1.0 / P[_TAUCUP] if nuc and g < 5.0 * lam else 0.0
    k_c = up + 1.0 / P[_TAUC]
    c_inf = up / k_c
    S[ST_C] = c_inf + (S[ST_C] - c_inf) * math.exp(-k_c * dt)

    S[ST_G] = g
    S[ST_M] = m
    S[ST_T] += dt

    # Events: nucleation when the hazard reaches its threshold; dissolution of the nucleus.
    if not nuc and S[ST_H] >= S[ST_EPS]:
        S[ST_NUC] = 1.0
        S[ST_FG] = math.exp(P[_SG] * rng.standard_normal())
    elif nuc and v < _DENUC_V and g >= g_rest - 0.02 and m < P[_MNECK]:
        _draw_cycle(S, P, rng)
    return dt


@numba.njit(cache=True)
def _source(t: float, k: int, kt: np.ndarray, kv: np.ndarray) -> tuple:
    """Knot segment index (advanced from k) holding time t, and the source voltage there."""
    while k < kt.shape[0] - 2 and kt[k + 1] <= t:
        k += 1
    t0 = kt[k]
    t1 = kt[k + 1]
    if t1 <= t0:
        return k, kv[k + 1]
    return k, kv[k] + (kv[k + 1] - kv[k]) * (t - t0) / (t1 - t0)


@numba.njit(cache=True)
def _segment_value(t: float, k: int, kt: np.ndarray, kv: np.ndarray) -> float:
    """Source voltage at t on knot segment k (at the segment's end, its left limit)."""
    t0 = kt[k]
    t1 = kt[k + 1]
    if t1 > t0:
        return kv[k] + (kv[k + 1] - kv[k]) * (t - t0) / (t1 - t0)
    return kv[k + 1]


@numba.njit(cache=True)
def _loop_voltage(v_a: float, target_a: float, target_b: float, t: float, dt: float,
                  tau: float) -> float:
    """SMU terminal voltage t into a step of length dt that starts at v_a: the loop (time
    constant tau) follows a target moving linearly from target_a to target_b over the step,
    so it lags a ramp by rate·tau, not by the ramp's change over a whole step."""
    rate = (target_b - target_a) / dt
    lag = rate * tau
    return target_a + rate * t - lag + (v_a - target_a + lag) * math.exp(-t / tau)


@numba.njit(cache=True)
def _edge_step(v_src: float, v_knot: float, slope: float) -> float:
    """Longest step the source's change allows: _DV_STEP of change, but at least _DT_EDGE on
    a fast edge, except where that step would reach the bias-onset window |V| <= _ONSET_V
    (a zero crossing is a new bias event, which _DV_STEP steps never jump over)."""
    step = _DV_STEP / slope
    if step >= _DT_EDGE:
        return step
    v_next = v_src + math.copysign(slope * _DT_EDGE, v_knot - v_src)
    if v_src * v_next > 0.0 and min(abs(v_src), abs(v_next)) > _ONSET_V:
        return _DT_EDGE
    return step


@numba.njit(cache=True)
def _edge_jump(t: float, k: int, kt: np.ndarray, kv: np.ndarray, cap: float) -> tuple:
    """(step, source level it is taken at) on the fast edge k: the device sees it as a jump
    from its first level to its last at its middle, or at its zero crossing when it passes
    through 0 V (a step then starts inside the onset window: a new bias event). The step
    ends at the jump or at the edge's end (or at cap)."""
    t0 = kt[k]
    t1 = kt[k + 1]
    v0 = kv[k]
    v1 = kv[k + 1]
    t_jump = t0 + (t1 - t0) * (v0 / (v0 - v1) if v0 * v1 < 0.0 else 0.5)
    if t_jump - t > max(1e-15, _CLOCK_ULPS * t):
        return min(cap, t_jump - t), v0
    return min(cap, t1 - t), v1


@numba.njit(cache=True)
def _smu_target(v_src: float, i_cc: float, gf: float, gl: float, P: np.ndarray) -> float:
    """Voltage the SMU loop regulates towards: v_src, or where the device carries the limit
    i_cc when v_src would drive more."""
    if abs(device_current(v_src, gf, gl, P)) > i_cc:
        return solve_clamp(math.copysign(i_cc, v_src), v_src, gf, gl, P)
    return v_src


@numba.njit(cache=True)
def _traps_under_loop(S: np.ndarray, P: np.ndarray, noise_rng: np.random.Generator,
                      dt: float, v_src: float, i_cc: float, gf: float, gl: float, traps: float,
                      lag: float, shift: float, tau: float) -> tuple:
    """Advance the traps over dt with the SMU loop (time constant tau) answering them: (lag,
    shift) after dt, the loop voltage's offset from its trap-free solution (conductances gf, gl
    at occupancy traps) and the target shift it relaxes towards. A change of occupancy is
    taken at the last flip, its age drawn from the reversible chains' time since their last
    transition, Exp(flip rate out of the new occupancy), within dt."""
    before = S[ST_TRAP]
    advance_traps(S, P, noise_rng, dt)
    if S[ST_TRAP] == before:
        return shift + (lag - shift) * math.exp(-dt / tau), shift
    shift_new = 0.0
    if S[ST_TRAP] != traps:
        gf_n, gl_n = conductances(S, P)
        shift_new = (_smu_target(v_src, i_cc, gf_n, gl_n, P)
                     - _smu_target(v_src, i_cc, gf, gl, P))
    rate = _flip_rate(int(S[ST_TRAP]), P)
    age = -math.log1p(-noise_rng.random() * -math.expm1(-rate * dt)) / rate
    lag = shift + (lag - shift) * math.exp(-(dt - age) / tau)
    return shift_new + (lag - shift_new) * math.exp(-age / tau), shift_new


@numba.njit(cache=True)
def _operating_point(
    S: np.ndarray, P: np.ndarray, mode: int, v_src: float, r: float, i_cc: float
) -> tuple:
    """Device voltage now, the SMU target voltage (equal to v_src unless clamping) and the
    conductances (G_f, G_leak). In the membrane circuit the device hangs from the node
    (voltage ST_VM) through r."""
    gf, gl = conductances(S, P)
    if mode == MODE_SMU:
        return S[ST_VOUT], _smu_target(v_src, i_cc, gf, gl, P), gf, gl
    v = solve_series(S[ST_VM] if mode == MODE_MEMBRANE else v_src, r, gf, gl, S[ST_VOUT], P)
    return v, v, gf, gl


@numba.njit(cache=True)
def _node_rate(v_src: float, vm: float, v_dev: float, i: float, gf: float, gl: float,
               r_load: float, node: np.ndarray, P: np.ndarray) -> tuple:
    """Membrane node: dV_m/dt = ((V_src − V_m)/R_in − V_m·G_leak − I_dev)/C and its slope in
    V_m (the device's current answers to V_m through the load resistor)."""
    c = node[NODE_C]
    g_in = 1.0 / node[NODE_RIN]
    f = ((v_src - vm) * g_in - vm * node[NODE_GLEAK] - i) / c
    sl = _device_slope(v_dev, gf, gl, P)
    jac = -(g_in + node[NODE_GLEAK] + sl / (1.0 + r_load * sl)) / c
    return f, jac


@numba.njit(cache=True)
def _node_step(f: float, jac: float) -> float:
    """Longest step whose linearly implicit node update dt·f/(1 − dt·jac) (jac < 0) moves V_m
    by at most _DVM_STEP: unbounded when the node settles within that (|f/jac| ≤ _DVM_STEP)."""
    excess = abs(f) + _DVM_STEP * jac
    return _DVM_STEP / excess if excess > 0.0 else np.inf


@numba.njit(cache=True)
def simulate(
    S: np.ndarray,
    P: np.ndarray,
    rng: np.random.Generator,
    noise_rng: np.random.Generator,
    knot_t: np.ndarray,
    knot_v: np.ndarray,
    sample_t: np.ndarray,
    mode: int,
    r_series: float,
    node: np.ndarray,
    i_cc: float,
    tau_cc: float,
    tau_ro: float,
    stop_current: float,
    dense: bool,
    out: np.ndarray,
    steps: np.ndarray,
) -> int:
    """Run a piecewise-linear source (knots) through the circuit; sample into out[5, n];
    count the steps taken in steps[0] (the integration's cost, for benchmarks and tests).
    rng draws the device's switching randomness, noise_rng its read-noise traps (a stream of
    their own, so that read noise leaves the switching draws as they were).

    out rows: source voltage, device voltage, device current, read-out (filtered) current,
    membrane-node voltage (MODE_MEMBRANE; else the device voltage). In MODE_MEMBRANE the
    source drives the node (capacitor node[NODE_C], input resistor, leak) and the device hangs
    from it through r_series (the load resistor); the node takes a linearly implicit step
    (stiff when the device conducts), bounded to _DVM_STEP, and the device its own step at the
    node's voltage at the step's start.
    Without dense, a step ends at every sample time. With dense, the device takes its own
    steps (bounded by the knots and the state's rates) and samples inside a step are read off
    that step's solution (sample_interior); only a step that would nucleate is cut at the next
    sample. With stop_current > 0 the run ends as soon as |read-out| reaches it at a step's
    end (a trigger): the last sample written is taken at that instant. Returns the number of
    samples written, negated when the trigger ended the run.
    """
    n = sample_t.shape[0]
    k = 0
    j = 0
    while j < n:
        t_end = sample_t[j]
        if S[ST_T] >= t_end - 1e-15:
            _sample(S, P, mode, r_series, i_cc, tau_ro, knot_t, knot_v, k, out, j)
            j += 1
            continue
        t = S[ST_T]
        k, v_src = _source(t, k, knot_t, knot_v)
        cap = (sample_t[n - 1] if dense else t_end) - t
        v_step = v_src  # the source level the step is taken at
        if knot_t[k + 1] > t:
            cap = min(cap, knot_t[k + 1] - t)
            slope = abs(knot_v[k + 1] - knot_v[k]) / (knot_t[k + 1] - knot_t[k])
            if slope > 0.0 and knot_t[k + 1] - knot_t[k] <= _FAST_EDGE_S:
                cap, v_step = _edge_jump(t, k, knot_t, knot_v, cap)
            elif slope > 0.0:
                cap = min(cap, _edge_step(v_src, knot_v[k + 1], slope))
        vm = S[ST_VM]
        if abs(vm if mode == MODE_MEMBRANE else v_src) <= _ONSET_V:
            S[ST_ON] = 0.0  # a step from inside the onset window (e.g. a fast edge's zero)
        biased = abs(vm if mode == MODE_MEMBRANE else v_step) > _ONSET_V
        if biased and S[ST_ON] < 0.5:
            # A new bias event: fresh write efficiency; an idle device's clusters rearrange.
            S[ST_FW] = math.exp(P[_SW] * rng.standard_normal())
            if S[ST_NUC] < 0.5:
                _draw_activation(S, P, rng)
        S[ST_ON] = 1.0 if biased else 0.0
        v_dev, target, gf, gl = _operating_point(S, P, mode, v_step, r_series, i_cc)
        i = device_current(v_dev, gf, gl, P)
        v_rec, i_rec = v_dev, i  # the record's values at the step's start
        if v_step != v_src and mode == MODE_SERIES:
            v_rec = _operating_point(S, P, mode, v_src, r_series, i_cc)[0]
            i_rec = device_current(v_rec, gf, gl, P)
        if mode == MODE_SMU and abs(S[ST_VOUT] - target) > 1e-4:
            cap = min(cap, tau_cc)
        f_m = jac_m = 0.0
        if mode == MODE_MEMBRANE:
            f_m, jac_m = _node_rate(v_step, vm, v_dev, i, gf, gl, r_series, node, P)
            cap = min(cap, _node_step(f_m, jac_m))
        i_f = S[ST_IF]
        steps[0] += 1
        dt = _advance(S, P, rng, v_dev, i, gf, gl, 0.0 if mode == MODE_SMU else r_series, cap,
                      t_end - t)

        if mode == MODE_SMU:
            # The target at the step's end (source there, state after the step): the loop
            # follows the target's change over the step, a ramp's or a growing bridge's.
            v_src_b = _segment_value(S[ST_T], k, knot_t, knot_v)
            _v, target_b, gf_b, gl_b = _operating_point(S, P, mode, v_src_b, r_series, i_cc)
            S[ST_VOUT] = _loop_voltage(S[ST_VOUT], target, target_b, dt, dt, tau_cc)
        else:
            S[ST_VOUT] = v_dev
        if mode == MODE_MEMBRANE:
            S[ST_VM] = vm + dt * f_m / (1.0 - dt * jac_m)
        if dense and t_end < S[ST_T] - 1e-15:
            j = sample_interior(S, P, noise_rng, mode, r_series, node, i_cc, tau_ro, knot_t,
                                knot_v, k, sample_t, j, t, v_rec, i_rec, vm, i_f, target,
                                tau_cc, out)
        else:
            if mode == MODE_SMU:
                S[ST_VOUT] += _traps_under_loop(S, P, noise_rng, dt, v_src_b, i_cc, gf_b,
                                                gl_b, S[ST_TRAP], 0.0, 0.0, tau_cc)[0]
            else:
                advance_traps(S, P, noise_rng, dt)
            S[ST_IF] = i + (i_f - i) * math.exp(-dt / tau_ro) if tau_ro > 0.0 else i
        if stop_current > 0.0 and abs(S[ST_IF]) >= stop_current:
            _sample(S, P, mode, r_series, i_cc, tau_ro, knot_t, knot_v, k, out, j)
            return -(j + 1)
    return n


@numba.njit(cache=True)
def sample_interior(
    S: np.ndarray,
    P: np.ndarray,
    noise_rng: np.random.Generator,
    mode: int,
    r_series: float,
    node: np.ndarray,
    i_cc: float,
    tau_ro: float,
    knot_t: np.ndarray,
    knot_v: np.ndarray,
    k: int,
    sample_t: np.ndarray,
    j: int,
    t_a: float,
    v_a: float,
    i_a: float,
    vm_a: float,
    i_f: float,
    target: float,
    tau_cc: float,
    out: np.ndarray,
) -> int:
    """Write the samples from j that lie inside the step just taken from t_a; return the next j.

    Device voltage and current go linearly from their values at t_a to those at the step's
    end (the state moved little: the step is bounded by its rates). An SMU's voltage instead
    follows the loop (time constant tau_cc) towards the target moving from the step's start
    (target) to its end, as a step ending at the sample would have it (a settled loop takes
    long steps, and up to 0.1 mV of settling read linearly off one is 7 % of a 1 µA current's
    0.35 mV in a 345 Ω LRS); its current is the end state's I(V) there, plus the change of
    state taken linearly. A membrane node's
    voltage goes linearly from vm_a to its value at the step's end. The read-out filter
    (read-out i_f at t_a) holds each sample's current to the next sample, as it does when a
    step ends at every sample; its state at the step's end is left in S.
    The noise traps are propagated from sample to sample (then to the step's end): each
    sample adds the current change their occupancy makes at its voltage (behind r_series, the
    share the loop lets through); an SMU's loop answers the target shift they make
    (_traps_under_loop), and the offset it has reached at the step's end is left in S.
    """
    t_b = S[ST_T]
    # Source at the step's end on the segment the step started on (its left limit at a knot).
    v_b, target_b, gf, gl = _operating_point(S, P, mode, _segment_value(t_b, k, knot_t, knot_v),
                                             r_series, i_cc)
    i_b = device_current(v_b, gf, gl, P)
    vm_b = S[ST_VM]
    state_change_a = i_a - device_current(v_a, gf, gl, P)
    t_prev = t_a
    i_prev = i_a
    traps = S[ST_TRAP]
    lag = shift = 0.0
    n = sample_t.shape[0]
    while j < n and sample_t[j] < t_b - 1e-15:
        ts = sample_t[j]
        w = (ts - t_a) / (t_b - t_a)
        _k, v_src = _source(ts, k, knot_t, knot_v)
        if mode == MODE_SMU:
            lag, shift = _traps_under_loop(S, P, noise_rng, ts - t_prev, v_src, i_cc, gf, gl,
                                           traps, lag, shift, tau_cc)
        else:
            advance_traps(S, P, noise_rng, ts - t_prev)
        gf_s, gl_s = conductances(S, P)
        if mode == MODE_SMU:
            v_s = _loop_voltage(v_a, target, target_b, ts - t_a, t_b - t_a, tau_cc) + lag
            i_s = device_current(v_s, gf_s, gl_s, P) + (1.0 - w) * state_change_a
        else:
            v_s = v_a + (v_b - v_a) * w
            di = device_current(v_s, gf_s, gl_s, P) - device_current(v_s, gf, gl, P)
            di /= 1.0 + r_series * _device_slope(v_s, gf, gl, P)
            v_s -= r_series * di
            i_s = i_a + (i_b - i_a) * w + di
        i_f = i_prev + (i_f - i_prev) * math.exp(-(ts - t_prev) / tau_ro) if tau_ro > 0.0 else i_s
        out[0, j] = v_src
        out[1, j] = v_s
        out[2, j] = i_s
        out[3, j] = i_f
        out[4, j] = vm_a + (vm_b - vm_a) * w if mode == MODE_MEMBRANE else v_s
        t_prev = ts
        i_prev = i_s
        j += 1
    if mode == MODE_SMU:
        S[ST_VOUT] += _traps_under_loop(S, P, noise_rng, t_b - t_prev,
                                        _segment_value(t_b, k, knot_t, knot_v), i_cc, gf, gl,
                                        traps, lag, shift, tau_cc)[0]
    else:
        advance_traps(S, P, noise_rng, t_b - t_prev)
    if tau_ro > 0.0:
        S[ST_IF] = i_prev + (i_f - i_prev) * math.exp(-(t_b - t_prev) / tau_ro)
    else:
        S[ST_IF] = i_b
    return j


@numba.njit(cache=True)
def _sample(
    S: np.ndarray,
    P: np.ndarray,
    mode: int,
    r_series: float,
    i_cc: float,
    tau_ro: float,
    knot_t: np.ndarray,
    knot_v: np.ndarray,
    k: int,
    out: np.ndarray,
    j: int,
) -> None:
    """Write sample j (source V, device V, device I, read-out I, node V) at the present time."""
    _k, v_src = _source(S[ST_T], k, knot_t, knot_v)
    v_dev, _target, gf, gl = _operating_point(S, P, mode, v_src, r_series, i_cc)
    out[0, j] = v_src
    out[1, j] = v_dev
    out[2, j] = device_current(v_dev, gf, gl, P)
    out[3, j] = S[ST_IF] if tau_ro > 0.0 else out[2, j]
    out[4, j] = S[ST_VM] if mode == MODE_MEMBRANE else v_dev
