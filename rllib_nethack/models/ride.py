"""Where RIDE's networks sit in the RLModule (Raileanu & Rocktäschel 2020).

RIDE's embedding is the inverse-dynamics one E3B uses too, with a forward
model beside it (:mod:`rllib_nethack.models.dynamics`); the env runners
compute the impact bonus from it (:mod:`rllib_nethack.algorithms.exploration.ride`).
"""

from __future__ import annotations

#: Attributes of the RLModule holding RIDE's
#: :class:`~rllib_nethack.models.dynamics.DynamicsEmbedding` and its inverse-
#: and forward-dynamics heads (absent without RIDE). The heads are top level:
#: RLlib's inference-only modules drop top-level attributes only.
RIDE_ATTRIBUTE = "ride"
RIDE_INVERSE = "ride_inverse"
RIDE_FORWARD = "ride_forward"
