"""Distributed circuits (issue 16 item 1): qubit placement and the Eisert et al. cat-entangler rewrite."""

from qnet_circuits.library.distributed.partition import interaction_graph, nonlocal_count, place
from qnet_circuits.library.distributed.rewrite import DistributedCircuit, distribute

__all__ = ["DistributedCircuit", "distribute", "interaction_graph", "nonlocal_count", "place"]
