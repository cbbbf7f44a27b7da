"""Issue 17 item 3: the pinned qiskit-aer accepts ``executor`` / ``max_job_size`` and ignores them
(docs/sweeps.md cites the source lines). If a future Aer honours them this fails: update the docs."""

from concurrent.futures import ThreadPoolExecutor

import qiskit_aer
from qiskit import QuantumCircuit

from qnet_circuits.run import AerRunner


class CountingExecutor(ThreadPoolExecutor):
    def __init__(self):
        super().__init__(max_workers=1)
        self.submitted = 0

    def submit(self, *args, **kwargs):
        self.submitted += 1
        return super().submit(*args, **kwargs)


def test_aer_never_submits_to_a_custom_executor():
    qc = QuantumCircuit(2, 2)
    qc.h(0)
    qc.cx(0, 1)
    qc.measure([0, 1], [0, 1])
    with CountingExecutor() as pool:
        runner = AerRunner(executor=pool, max_job_size=1)
        counts = runner.counts([qc, qc, qc], shots=200, seed=4)
        rows = runner.run_bindings(qc, {}, shots=50, seed=4)
    assert all(set(c) <= {"00", "11"} and sum(c.values()) == 200 for c in counts)
    assert rows[0].shots == 50
    assert pool.submitted == 0, f"qiskit-aer {qiskit_aer.__version__} now uses the executor"
