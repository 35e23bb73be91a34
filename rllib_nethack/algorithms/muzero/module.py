"""MuZero's RLModule: representation, dynamics and prediction networks; acting by search.

* representation: observations -> one of our encoders (the architecture
  builders of :mod:`rllib_nethack.models.architectures`: MiniHack, Perceiver,
  ...) -> a hidden state, min-max scaled to [0, 1] per sample as in the paper
  (dynamics and representation then produce states on one scale);
* dynamics: (hidden state, action one-hot) -> next hidden state, reward logits;
* prediction: hidden state -> policy logits, value logits;
* with ``chance_outcomes > 0`` (Stochastic MuZero, Antonoglou et al. 2022):
  afterstate dynamics (hidden state, action) -> afterstate; afterstate
  prediction -> Q logits and the prior over ``C`` chance outcomes; the dynamics
  step from (afterstate, outcome one-hot) instead; and, for training only, a
  chance encoder that turns the observation actually reached into an outcome
  (a one-hot code, the codebook of the paper's VQ, with a straight-through gradient).

Values and rewards are categorical over a support (see :mod:`.scaling`).
Exploration and inference run the batched search of :mod:`.mcts` over the env
runner's whole batch of envs and return the actions themselves, with the
search policy and value that the replay buffer keeps as training targets.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any, ClassVar, cast

import gymnasium as gym
import numpy as np
import torch
from ray.rllib.core.columns import Columns
from ray.rllib.core.rl_module.torch import TorchRLModule
from torch import nn

from rllib_nethack.algorithms.muzero.mcts import (
    ChanceModel,
    SearchResult,
    SearchSettings,
    act,
    dirichlet_noise,
    search,
)
from rllib_nethack.algorithms.muzero.scaling import logits_to_scalar, support_size
from rllib_nethack.errors import ConfigError, suggestion
from rllib_nethack.models.architectures import ARCHITECTURES
from rllib_nethack.models.combined import CombinedEncoder
from rllib_nethack.models.layers import mlp
from rllib_nethack.models.module import COMMON_MODEL_KEYS

#: The ``model_config`` key under which MuZeroConfig passes its network and search settings.
MUZERO_KEY = "muzero"
#: Extra model outputs stored in the episodes (the replay buffer reads them).
SEARCH_POLICY = "search_policy"
ROOT_VALUE = "root_value"


@dataclass(frozen=True)
class NetworkSettings:
    """The sizes of MuZero's own networks (the encoder's come from ``model``)."""

    hidden_size: int = 128
    dynamics_hidden: tuple[int, ...] = (256, 256)
    prediction_hidden: tuple[int, ...] = (128,)
    projection: tuple[int, ...] = (128, 128)
    value_support: int = 20  #: half width of the value support (after scaling)
    reward_support: int = 5  #: half width of the reward support (after scaling)
    temperature: float = 0.5  #: visit-count temperature when acting to explore
    memory_size: int = 0  #: LSTM memory in the representation (0: none)
    chance_outcomes: int = 0  #: Stochastic MuZero's chance outcomes (0: plain MuZero)


def _settings(cls: type, values: Mapping[str, Any], where: str) -> Any:
    names = [f.name for f in fields(cls)]
    for key in values:
        if key not in names:
            raise ConfigError(f"{where}.{key} is not a MuZero setting{suggestion(key, names)}")
    return cls(**{k: tuple(v) if isinstance(v, list) else v for k, v in values.items()})


def scale_gradient(x: torch.Tensor, scale: float) -> torch.Tensor:
    """``x`` in the forward pass; ``scale`` times its gradient in the backward pass."""
    return x * scale + x.detach() * (1.0 - scale)


def _scale_hidden(x: torch.Tensor) -> torch.Tensor:
    """Min-max scale each hidden state to [0, 1] (MuZero, appendix G)."""
    low = x.min(-1, keepdim=True).values
    high = x.max(-1, keepdim=True).values
    return (x - low) / (high - low).clamp(min=1e-5)


class MuZeroRLModule(TorchRLModule):
    """MuZero over NetHack/MiniHack dict observations; subclasses name the encoder."""

    architecture: ClassVar[str] = ""

    def setup(self) -> None:
        arch = ARCHITECTURES[self.architecture]
        config = dict(cast(Mapping[str, Any], self.model_config or {}))
        muzero = dict(config.pop(MUZERO_KEY, None) or {})
        settings = arch.parse(config, COMMON_MODEL_KEYS)
        network = muzero.get("network", {})
        self.net = cast(NetworkSettings, _settings(NetworkSettings, network, "algo"))
        self.search_settings = cast(
            SearchSettings, _settings(SearchSettings, muzero.get("search", {}), "algo")
        )
        if not isinstance(self.observation_space, gym.spaces.Dict):
            raise ConfigError(f"MuZero reads dict observations, got {self.observation_space}")
        if not isinstance(self.action_space, gym.spaces.Discrete):
            raise ConfigError("MuZero needs a discrete action space")
        spaces = self.observation_space.spaces
        self.obs_keys = tuple(sorted(spaces))
        self.num_actions = int(self.action_space.n)
        self.encoder: CombinedEncoder = arch.build(settings, self.num_actions, spaces)
        gaps = self.encoder.missing(spaces)
        if gaps:
            part, keys = next(iter(gaps.items()))
            raise ConfigError(
                f"model {self.architecture!r} ({part} encoder) reads observation {keys[0]!r}, "
                f"which the task does not provide (it has: {', '.join(sorted(spaces))})"
            )
        n = self.net
        # The memory sits between the encoder and the hidden state: the root
        # of each search sees the history; the dynamics unroll from there.
        self.memory = nn.LSTMCell(self.encoder.out_dim, n.memory_size) if n.memory_size else None
        features = n.memory_size or self.encoder.out_dim
        self.to_hidden = nn.Linear(features, n.hidden_size)
        # With chance outcomes, the dynamics steps from (afterstate, outcome).
        edges = n.chance_outcomes or self.num_actions
        self.dynamics = mlp(n.hidden_size + edges, n.dynamics_hidden)
        width = n.dynamics_hidden[-1] if n.dynamics_hidden else n.hidden_size + edges
        self.next_hidden = nn.Linear(width, n.hidden_size)
        self.reward_head = nn.Linear(width, support_size(n.reward_support))
        self.prediction = mlp(n.hidden_size, n.prediction_hidden)
        width = n.prediction_hidden[-1] if n.prediction_hidden else n.hidden_size
        self.policy_head = nn.Linear(width, self.num_actions)
        self.value_head = nn.Linear(width, support_size(n.value_support))
        # The consistency loss (EfficientZero): a projection of hidden states and
        # a predictor on the dynamics' side only (SimSiam-style).
        self.projection = mlp(n.hidden_size, n.projection)
        proj = n.projection[-1] if n.projection else n.hidden_size
        self.predictor = nn.Sequential(nn.Linear(proj, proj), nn.ELU(), nn.Linear(proj, proj))
        heads = [self.reward_head, self.value_head]
        if n.chance_outcomes:
            self.afterstate_dynamics = mlp(n.hidden_size + self.num_actions, n.dynamics_hidden)
            width = n.dynamics_hidden[-1] if n.dynamics_hidden else n.hidden_size + self.num_actions
            self.to_afterstate = nn.Linear(width, n.hidden_size)
            self.afterstate_prediction = mlp(n.hidden_size, n.prediction_hidden)
            width = n.prediction_hidden[-1] if n.prediction_hidden else n.hidden_size
            self.q_head = nn.Linear(width, support_size(n.value_support))
            self.chance_head = nn.Linear(width, n.chance_outcomes)
            self.chance_encoder = nn.Linear(self.encoder.out_dim, n.chance_outcomes)
            heads += [self.q_head, self.chance_head]
        # A zero reward/value at the start: the search is not misled by noise.
        for head in heads:
            nn.init.zeros_(head.weight)
            nn.init.zeros_(head.bias)
        nn.init.zeros_(self.policy_head.weight)
        nn.init.zeros_(self.policy_head.bias)

    # ------------------------------------------------------------------ state
    def get_initial_state(self) -> dict[str, Any]:
        if self.memory is None:
            return {}
        zeros = np.zeros(self.net.memory_size, dtype=np.float32)
        return {"h": zeros, "c": zeros.copy()}

    # ------------------------------------------------------------------ networks
    def represent(
        self, obs: Mapping[str, torch.Tensor], state: Mapping[str, torch.Tensor] | None = None
    ) -> torch.Tensor:
        """Observations ``[B, ...]`` (and memory state ``[B, M]``) -> hidden states ``[B, H]``."""
        return self.represent_with_state(obs, state)[0]

    def represent_with_state(
        self, obs: Mapping[str, torch.Tensor], state: Mapping[str, torch.Tensor] | None = None
    ) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        """:meth:`represent`, also returning the memory's next state (``{}`` without memory)."""
        features = self.encoder(dict(obs))
        if self.memory is None:
            return _scale_hidden(self.to_hidden(features)), {}
        if state is None:
            raise ValueError("a MuZero module with memory needs the memory state")
        h, c = self.memory(features, (state["h"].to(features), state["c"].to(features)))
        return _scale_hidden(self.to_hidden(h)), {"h": h, "c": c}

    def predict(self, hidden: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Hidden states -> (policy logits ``[B, A]``, value logits ``[B, V]``)."""
        x = self.prediction(hidden)
        return self.policy_head(x), self.value_head(x)

    def _with_edge(self, state: torch.Tensor, edge: torch.Tensor, size: int) -> torch.Tensor:
        """A model step's input: ``state`` ``[B, H]`` and the edge taken from it (an
        index ``[B]`` into ``size`` choices, or already a one-hot code ``[B, size]``)."""
        onehot = nn.functional.one_hot(edge.long(), size) if edge.dim() == 1 else edge
        return torch.cat([state, onehot.to(state.dtype)], dim=-1)

    def dynamics_step(
        self, hidden: torch.Tensor, action: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """(hidden ``[B, H]``, action ``[B]``) -> (next hidden, reward logits ``[B, R]``).

        With chance outcomes the same network steps from (afterstate, chance
        outcome: an index ``[B]`` or a one-hot code ``[B, C]``) instead.
        """
        edges = self.net.chance_outcomes or self.num_actions
        x = self.dynamics(self._with_edge(hidden, action, edges))
        return _scale_hidden(self.next_hidden(x)), self.reward_head(x)

    # ------------------------------------------------------------------ chance outcomes
    def afterstate_step(self, hidden: torch.Tensor, action: torch.Tensor) -> torch.Tensor:
        """(hidden ``[B, H]``, action ``[B]``) -> afterstate ``[B, H]``: the move, before chance."""
        x = self.afterstate_dynamics(self._with_edge(hidden, action, self.num_actions))
        return _scale_hidden(self.to_afterstate(x))

    def afterstate_predict(self, after: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Afterstates -> (chance-outcome logits ``[B, C]``, Q logits ``[B, V]``)."""
        x = self.afterstate_prediction(after)
        return self.chance_head(x), self.q_head(x)

    def chance_code(self, obs: Mapping[str, torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
        """The outcome that led to observations ``obs``: (one-hot code ``[B, C]``, its
        probabilities). The code is the argmax's one-hot in the forward pass and
        passes the softmax's gradient back (straight-through)."""
        probs = torch.softmax(self.chance_encoder(self.encoder(dict(obs))), dim=-1)
        hard = nn.functional.one_hot(probs.argmax(-1), probs.shape[-1]).to(probs.dtype)
        return hard + probs - probs.detach(), probs

    def chance_model(self) -> ChanceModel | None:
        """The search's afterstate model (None without chance outcomes)."""
        if not self.net.chance_outcomes:
            return None

        def afterstate(
            hidden: torch.Tensor, action: torch.Tensor
        ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
            after = self.afterstate_step(hidden, action)
            chance_logits, q_logits = self.afterstate_predict(after)
            return after, chance_logits, logits_to_scalar(q_logits, self.net.value_support)

        return ChanceModel(afterstate, self.net.chance_outcomes)

    def recurrent(
        self, hidden: torch.Tensor, action: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        """The search's model step (an action's edge, or with chance outcomes an
        outcome's edge from an afterstate): scalars instead of logits for reward and value."""
        return self._search_outputs(*self.dynamics_step(hidden, action))

    def _search_outputs(
        self, nxt: torch.Tensor, reward_logits: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        """What the search reads after a model step: next state, scalar reward, policy
        logits and scalar value."""
        policy, value_logits = self.predict(nxt)
        return (
            nxt,
            logits_to_scalar(reward_logits, self.net.reward_support),
            policy,
            logits_to_scalar(value_logits, self.net.value_support),
        )

    def value(
        self, obs: Mapping[str, torch.Tensor], state: Mapping[str, torch.Tensor] | None = None
    ) -> torch.Tensor:
        """The prediction network's value of observations (Reanalyze's bootstrap)."""
        _, value_logits = self.predict(self.represent(obs, state))
        return logits_to_scalar(value_logits, self.net.value_support)

    def project(self, hidden: torch.Tensor, predictor: bool) -> torch.Tensor:
        """The consistency loss's projection (plus predictor on the dynamics' side)."""
        z = self.projection(hidden)
        return self.predictor(z) if predictor else z

    def state_at(
        self, batch: Mapping[str, Any], prefix: str, step: int | slice
    ) -> dict[str, torch.Tensor] | None:
        """The stored memory state ``<prefix>/h``, ``<prefix>/c`` at unroll ``step`` (or None)."""
        if self.memory is None:
            return None
        return {k: batch[f"{prefix}/{k}"][:, step] for k in ("h", "c")}

    def run_search(
        self,
        obs: Mapping[str, torch.Tensor],
        state: Mapping[str, torch.Tensor] | None = None,
        explore: bool = False,
    ) -> tuple[SearchResult, dict[str, torch.Tensor]]:
        """The search from observations ``[B, ...]`` (no gradients), and the memory's next state.

        Acting explores (Dirichlet noise at the roots); Reanalyze does not: its
        visit counts are training targets, the best estimate of the improved policy.
        """
        with torch.no_grad():
            hidden, state_out = self.represent_with_state(obs, state)
            logits, _ = self.predict(hidden)
            s = self.search_settings
            noise = (
                dirichlet_noise(len(hidden), self.num_actions, s.dirichlet_alpha).to(hidden)
                if explore and s.exploration_fraction > 0
                else None
            )
            chance = self.chance_model()
            return search(hidden, logits, self.recurrent, s, noise, chance), state_out

    # ------------------------------------------------------------------ RLlib forwards
    def _search(self, batch: Mapping[str, Any], explore: bool) -> dict[str, Any]:
        obs, state = batch[Columns.OBS], None
        if self.memory is not None:  # RLlib adds a time rank of one step for stateful modules
            obs = {k: v[:, 0] for k, v in obs.items()}
            state = batch[Columns.STATE_IN]
        result, state_out = self.run_search(obs, state, explore)
        actions = act(result.policy, self.net.temperature, explore)
        out = {
            Columns.ACTIONS: actions,
            # The search policy as logits, for anything that reads a distribution.
            Columns.ACTION_DIST_INPUTS: torch.log(result.policy.clamp(min=1e-8)),
            SEARCH_POLICY: result.policy,
            ROOT_VALUE: result.value,
        }
        if self.memory is None:
            return out
        # Outputs carry the time rank back; the state does not (RLlib's convention).
        timed: dict[str, Any] = {k: v.unsqueeze(1) for k, v in out.items()}
        timed[Columns.STATE_OUT] = state_out
        return timed

    def _forward_exploration(self, batch: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        return self._search(batch, explore=True)

    def _forward_inference(self, batch: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        return self._search(batch, explore=False)

    def _forward(self, batch: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        return self._search(batch, explore=False)

    def _forward_train(self, batch: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        """Unroll the model K steps from the first observation of each sample.

        ``batch`` holds ``obs/<key>`` ``[B, K + 1, ...]`` and ``actions`` ``[B, K]``
        (see :mod:`.replay`). Returns policy and value logits ``[B, K + 1, ...]``,
        reward logits ``[B, K, R]`` and the hidden states ``[B, K + 1, H]``. With
        memory, the LSTM starts from the state stored when acting (``state_in/h``,
        ``state_in/c``): R2D2's stored-state strategy, without burn-in.
        """
        obs0 = {k: batch[f"obs/{k}"][:, 0] for k in self.obs_keys}
        actions = batch[Columns.ACTIONS]
        hidden = self.represent(obs0, self.state_at(batch, "state_in", 0))
        hiddens, rewards = [hidden], []
        chance: dict[str, list[torch.Tensor]] = {"q": [], "prior": [], "code": [], "probs": []}
        for k in range(actions.shape[1]):
            if k > 0:
                # Halve the gradient that flows back into the previous steps through
                # the dynamics' input only (MuZero's pseudocode, after each recurrent
                # step): the losses at step k reach the networks that made state k
                # in full, each recurrent step further back halves them.
                hidden = scale_gradient(hidden, 0.5)
            if self.net.chance_outcomes:
                after = self.afterstate_step(hidden, actions[:, k])
                prior, q = self.afterstate_predict(after)
                code, probs = self.chance_code(
                    {key: batch[f"obs/{key}"][:, k + 1] for key in self.obs_keys}
                )
                for name, value in zip(chance, (q, prior, code, probs), strict=True):
                    chance[name].append(value)
                hidden, reward_logits = self.dynamics_step(after, code)
            else:
                hidden, reward_logits = self.dynamics_step(hidden, actions[:, k])
            hiddens.append(hidden)
            rewards.append(reward_logits)
        stacked = torch.stack(hiddens, dim=1)
        b, k1 = stacked.shape[:2]
        policy, value = self.predict(stacked.reshape(b * k1, -1))
        out = {
            "policy_logits": policy.reshape(b, k1, -1),
            "value_logits": value.reshape(b, k1, -1),
            "reward_logits": torch.stack(rewards, dim=1),
            "hidden": stacked,
        }
        if self.net.chance_outcomes:  # [B, K, ...] each: Q logits, outcome prior, code, probs
            out |= {f"chance_{name}": torch.stack(v, dim=1) for name, v in chance.items()}
        return out


class MuZeroMiniHackModule(MuZeroRLModule):
    """MuZero with the MiniHack encoder (the MiniHack default)."""

    architecture = "minihack"


class MuZeroPerceiverModule(MuZeroRLModule):
    """MuZero with the Perceiver-style encoder (omega's)."""

    architecture = "perceiver"


class MuZeroBaselineModule(MuZeroRLModule):
    """MuZero with the NLE paper's NetHackNet encoder."""

    architecture = "baseline"


class MuZeroChaoticDwarfModule(MuZeroRLModule):
    """MuZero with Sample Factory's ChaoticDwarvenGPT5 encoder."""

    architecture = "chaotic_dwarf"


#: Model name -> MuZero RLModule class (the encoder is the model's).
MUZERO_MODELS: dict[str, type[MuZeroRLModule]] = {
    cls.architecture: cls
    for cls in (
        MuZeroMiniHackModule,
        MuZeroPerceiverModule,
        MuZeroBaselineModule,
        MuZeroChaoticDwarfModule,
    )
}
