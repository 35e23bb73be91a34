"""Where E3B's networks sit in the RLModule (Henaff et al. 2022).

E3B's embedding is the inverse-dynamics one RIDE uses too
(:mod:`rllib_nethack.models.dynamics`); the env runners compute the
elliptical bonus from it (:mod:`rllib_nethack.algorithms.exploration.e3b`).
"""

from __future__ import annotations

#: Attributes of the RLModule holding E3B's
#: :class:`~rllib_nethack.models.dynamics.DynamicsEmbedding` and its
#: inverse-dynamics head (absent without E3B). The head is top level: RLlib's
#: inference-only modules drop top-level attributes only.
E3B_ATTRIBUTE = "e3b"
INVERSE_HEAD = "e3b_inverse"
