"""The client's side of a batch of UBQC runs: its secrets (theta, r, roles, dummy bits, the
server's deviation), the parameter values of the server's circuit, decoding, trap checks, and
the angles the server sees.

>>> import numpy as np
>>> from qnet_circuits.library.blind.program import line_program
>>> prog = line_program(math.pi / 2, math.pi / 4)
>>> zeros = np.zeros((1, 3), dtype=np.int64)
>>> runs = ClientRuns(prog, zeros, zeros, zeros, zeros, zeros)
>>> runs.angle_values()["base"].tolist()  # delta = phi for theta = r = 0
[[2, 1]]
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from qiskit.circuit import QuantumCircuit

from qnet_circuits.library.blind.base import QUARTER, ROLE_COMPUTE, ROLE_DUMMY, ROLE_TRAP
from qnet_circuits.library.blind.pattern import z_dep_slots
from qnet_circuits.library.blind.program import BlindProgram


@dataclass(frozen=True)
class ClientRuns:
    """The client's secrets for a batch of runs (arrays over runs x node index).

    Attributes:
        program: the program.
        theta: k of theta = k pi/4 (int, shape (R, n)).
        r: one-time-pad bits (shape (R, n)).
        role: 0 computation, 1 trap, 2 dummy (shape (R, n)).
        d: dummy bits (shape (R, n); 0 where not a dummy).
        dummy_delta: k of the random delta sent for dummies (shape (R, n)).
        attack: the server's deviation (None, "x", "y", "z", "misreport").
        attack_node: attacked node index per run (shape (R,), -1 for none).
    """

    program: BlindProgram
    theta: np.ndarray
    r: np.ndarray
    role: np.ndarray
    d: np.ndarray
    dummy_delta: np.ndarray
    attack: str | None = None
    attack_node: np.ndarray | None = None

    @property
    def runs(self) -> int:
        return int(self.theta.shape[0])

    def traps(self, run: int) -> tuple[int, ...]:
        """Trap node indices of one run."""
        return tuple(int(i) for i in np.flatnonzero(self.role[run] == ROLE_TRAP))

    def angle_values(self) -> dict[str, np.ndarray]:
        """k-valued (units of pi/4) base, flip per measured node and w per Z-dependency."""
        p = self.program.pattern
        n, m, runs = p.num_nodes, p.num_measured, self.runs
        comp = self.role == ROLE_COMPUTE
        dummy = self.role == ROLE_DUMMY
        # D_i: xor of d over dummy neighbours
        dsum = np.zeros((runs, n), dtype=np.int64)
        for i in range(n):
            for k in p.neighbours(i):
                dsum[:, i] ^= self.d[:, k] & dummy[:, k]
        base = np.zeros((runs, m), dtype=np.int64)
        flip = np.zeros((runs, m), dtype=np.int64)
        zslots = z_dep_slots(p)
        n_w = sum(len(z) for z in zslots)
        w = np.zeros((runs, n_w), dtype=np.int64)
        for i in range(m):
            phi = p.angles[i]
            xd = p.x_dep(i)
            x_comp = comp[:, xd] if xd >= 0 else np.zeros(runs, dtype=bool)
            xr = np.where(x_comp, self.r[:, xd] if xd >= 0 else 0, 0)
            zr = np.zeros(runs, dtype=np.int64)
            for j, widx in zslots[i]:
                use = comp[:, i] & comp[:, j]
                w[:, widx] = use
                zr ^= np.where(use, self.r[:, j], 0)
            c = np.where(xr == 1, -phi, phi) % 8
            pad = (self.r[:, i] + zr + dsum[:, i]) % 2
            b_comp = (self.theta[:, i] + 4 * pad + c) % 8
            b_trap = (self.theta[:, i] + 4 * ((self.r[:, i] + dsum[:, i]) % 2)) % 8
            base[:, i] = np.where(
                comp[:, i], b_comp, np.where(dummy[:, i], self.dummy_delta[:, i], b_trap)
            )
            flip[:, i] = np.where(comp[:, i] & x_comp, (2 * c) % 8, 0)
        return {"base": base, "flip": flip, "w": w}

    def parameter_values(self) -> dict[str, np.ndarray]:
        """Values (radians or 0/1) of every ParameterVector of :func:`blind_circuit`."""
        p = self.program.pattern
        m = p.num_measured
        dummy = self.role == ROLE_DUMMY
        ang = self.angle_values()
        out = {
            "alpha": np.where(dummy, math.pi * self.d, math.pi / 2),
            "beta": np.where(dummy, 0.0, self.theta * QUARTER),
            "base": ang["base"] * QUARTER,
            "flip": ang["flip"] * QUARTER,
            "w": ang["w"].astype(float),
        }
        runs = self.runs
        dx = np.zeros((runs, m))
        dz = np.zeros((runs, m))
        dm = np.zeros((runs, m))
        if self.attack is not None and self.attack_node is not None:
            rows = np.flatnonzero(self.attack_node >= 0)
            cols = self.attack_node[rows]
            if self.attack in ("x", "y"):
                dx[rows, cols] = 1.0
            if self.attack in ("z", "y"):
                dz[rows, cols] = 1.0
            if self.attack == "misreport":
                dm[rows, cols] = 1.0
        out.update({"dev_x": dx, "dev_z": dz, "dev_m": dm})
        return out

    def bindings(self, circuit: QuantumCircuit) -> dict:
        """``{Parameter: [value per run]}`` for Aer ``parameter_binds`` (every circuit parameter)."""
        values = self.parameter_values()
        out = {}
        for param in circuit.parameters:
            vec = param.vector.name
            if vec not in values:
                raise ValueError(f"circuit parameter {param.name} is not a UBQC client parameter")
            out[param] = values[vec][:, param.index].astype(float).tolist()
        return out

    # ---- decoding (b: reported bits, shape (R, S, n) or (R, n)) ----

    def _bits(self, b: np.ndarray) -> np.ndarray:
        b = np.asarray(b, dtype=np.int64)
        if b.ndim == 2:
            b = b[:, None, :]
        if b.shape[0] != self.runs or b.shape[2] != self.program.pattern.num_nodes:
            raise ValueError(
                f"bits must have shape (runs={self.runs}, shots, nodes="
                f"{self.program.pattern.num_nodes}), got {b.shape}"
            )
        return b

    def decode(self, b: np.ndarray) -> np.ndarray:
        """Output bits (R, S, num_outputs): m_o xor s^X_o with s_j = b_j xor r_j."""
        b = self._bits(b)
        p = self.program.pattern
        outs = []
        for o in self.program.output_nodes:
            bit = b[:, :, o].copy()
            xd = p.x_dep(o)
            if xd >= 0:
                bit ^= b[:, :, xd] ^ self.r[:, None, xd]
            outs.append(bit)
        if not outs:
            return np.zeros(b.shape[:2] + (0,), dtype=np.uint8)
        return np.stack(outs, axis=-1).astype(np.uint8)

    def trap_failures(self, b: np.ndarray) -> np.ndarray:
        """Number of failed traps per shot (R, S): trap outcome != r."""
        b = self._bits(b)
        trap = (self.role == ROLE_TRAP)[:, None, :]
        wrong = (b != self.r[:, None, :]) & trap
        return wrong[:, :, : self.program.pattern.num_measured].sum(axis=-1)

    def accepted(self, b: np.ndarray) -> np.ndarray:
        """Boolean (R, S): the client accepts (every trap gave b = r)."""
        return self.trap_failures(b) == 0

    def deltas(self, b: np.ndarray) -> np.ndarray:
        """The server's view: delta_i as k (units of pi/4) per shot, shape (R, S, measured)."""
        b = self._bits(b)
        p = self.program.pattern
        ang = self.angle_values()
        m = p.num_measured
        out = np.zeros((b.shape[0], b.shape[1], m), dtype=np.int64)
        for i, zs in enumerate(z_dep_slots(p)):
            delta = np.repeat(ang["base"][:, i : i + 1], b.shape[1], axis=1)
            xd = p.x_dep(i)
            if xd >= 0:
                delta -= ang["flip"][:, i : i + 1] * b[:, :, xd]
            for j, widx in zs:
                delta += 4 * ang["w"][:, widx : widx + 1] * b[:, :, j]
            out[:, :, i] = delta % 8
        return out


__all__ = ["ClientRuns"]
