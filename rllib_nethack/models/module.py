"""The RLModule: observations -> encoder -> core -> policy and value heads.

One class wires every architecture on RLlib's current API stack
(``TorchRLModule`` + ``ValueFunctionAPI`` for PPO/IMPALA/APPO, and
``TargetNetworkAPI`` for APPO's target policy); ``model_config["name"]``
(:data:`~rllib_nethack.models.architectures.MODEL_NAME_KEY`) names the
architecture. The module is a *trunk* (encoder + core -> one embedding per
step: :func:`build_trunk`, :meth:`NetHackRLModule.embed`) and *heads* on it
(policy, value). Another algorithm's heads (MuZero's prediction heads) reuse
the same trunk.

Inputs are dict observations; with an LSTM core RLlib adds a time dimension
(``[B, T, ...]``), without one they are ``[B, ...]``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import fields
from typing import Any, cast

import gymnasium as gym
import torch
from ray.rllib.core.columns import Columns
from ray.rllib.core.learner.utils import make_target_network
from ray.rllib.core.rl_module.apis import (
    TARGET_NETWORK_ACTION_DIST_INPUTS,
    InferenceOnlyAPI,
    TargetNetworkAPI,
    ValueFunctionAPI,
)
from ray.rllib.core.rl_module.default_model_config import DefaultModelConfig
from ray.rllib.core.rl_module.rl_module import RLModuleSpec
from ray.rllib.core.rl_module.torch import TorchRLModule
from torch import nn

from rllib_nethack.errors import ConfigError
from rllib_nethack.models.architectures import ARCHITECTURES, MODEL_NAME_KEY, get_architecture
from rllib_nethack.models.combined import CombinedEncoder
from rllib_nethack.models.cores import RESETS, IdentityCore, LSTMCore
from rllib_nethack.models.dynamics import DynamicsEmbedding, forward_head, inverse_head
from rllib_nethack.models.e3b import E3B_ATTRIBUTE, INVERSE_HEAD
from rllib_nethack.models.layers import flatten_time
from rllib_nethack.models.ride import RIDE_ATTRIBUTE, RIDE_FORWARD, RIDE_INVERSE
from rllib_nethack.models.rnd import RND_ATTRIBUTE, RNDNetworks

#: model_config key of the intrinsic return's value head (``explore.intrinsic_gamma``):
#: ``{"gamma": discount}`` adds :attr:`NetHackRLModule.intrinsic_vf` beside ``vf``.
INTRINSIC_CRITIC = "intrinsic_critic"
#: model_config keys holding a bonus's settings (``explore=...``), not the architecture's.
BONUS_KEYS = (E3B_ATTRIBUTE, RIDE_ATTRIBUTE, RND_ATTRIBUTE, INTRINSIC_CRITIC)

#: model_config keys every model accepts besides its architecture's settings:
#: RLlib's own (its algorithms add some, such as ``vf_share_layers``, and its
#: connectors read ``max_seq_len``, the training sequence length). They do not
#: change our models; anything else unknown is a typo and an error.
COMMON_MODEL_KEYS = tuple(f.name for f in fields(DefaultModelConfig))
#: The model_config key that named the architecture in modules saved before it
#: was :data:`MODEL_NAME_KEY`: their checkpoints still restore.
_SAVED_NAME_KEY = "architecture"


def model_name(model_config: Mapping[str, Any]) -> str | None:
    """The architecture a ``model_config`` names (None if it names none)."""
    name = model_config.get(MODEL_NAME_KEY, model_config.get(_SAVED_NAME_KEY))
    return None if name is None else str(name)


#: Batch column that, when a learner sets it, is APPO's old policy instead of
#: the target network's output (:mod:`rllib_nethack.algorithms.actor_critic.learners`,
#: switch ``target_network``): one forward pass less per update.
OLD_POLICY_LOGITS = "old_policy_logits"


def build_trunk(
    model_config: Mapping[str, Any],
    observation_space: gym.Space,  # type: ignore[type-arg]
    action_space: gym.Space,  # type: ignore[type-arg]
) -> tuple[Any, CombinedEncoder, nn.Module]:
    """The trunk of a model: its settings, encoder and core (LSTM or identity).

    Heads read the core's ``out_dim`` features per step (and the encoder's
    ``out_dim`` beside them with ``core_skip``). Checks that the task
    provides every observation the encoders read, so a mismatch is one line
    naming the key, not a shape error in the first forward pass.

    Raises:
        ConfigError: unknown architecture or setting, non-dict observations,
            non-discrete actions, or an observation the model reads but the task lacks.
    """
    name = model_name(model_config)
    if name is None:
        raise ConfigError(
            f"model_config needs {MODEL_NAME_KEY!r}, the model's name "
            f"(models: {', '.join(ARCHITECTURES)}); module_spec(name) adds it"
        )
    config = {k: v for k, v in model_config.items() if k not in (MODEL_NAME_KEY, _SAVED_NAME_KEY)}
    arch = get_architecture(name)
    settings = arch.parse(config, COMMON_MODEL_KEYS)
    if not isinstance(observation_space, gym.spaces.Dict):
        raise ConfigError(f"model {name!r} reads dict observations, got {observation_space}")
    if not isinstance(action_space, gym.spaces.Discrete):
        raise ConfigError(f"model {name!r} needs a discrete action space")
    spaces = observation_space.spaces
    encoder = arch.build(settings, int(action_space.n), spaces)
    gaps = encoder.missing(spaces)
    if gaps:
        part, keys = next(iter(gaps.items()))
        raise ConfigError(
            f"model {name!r} ({part} encoder) reads observation {keys[0]!r}, "
            f"which the task does not provide (it has: {', '.join(sorted(spaces))}); "
            f"add {keys[0]!r} to the task's observation_keys"
        )
    rnn_size = int(settings.rnn_size)
    core = LSTMCore(encoder.out_dim, rnn_size) if rnn_size else IdentityCore(encoder.out_dim)
    return settings, encoder, core


def module_spec(name: str, model_config: Mapping[str, Any] | None = None) -> RLModuleSpec:
    """The RLModuleSpec of model ``name`` (ConfigError with the closest names if unknown)."""
    get_architecture(name)
    return RLModuleSpec(
        module_class=NetHackRLModule,
        model_config={**(model_config or {}), MODEL_NAME_KEY: name},
    )


class NetHackRLModule(TorchRLModule, ValueFunctionAPI, TargetNetworkAPI, InferenceOnlyAPI):
    """Actor-critic RLModule over NetHack/MiniHack dict observations.

    ``model_config`` holds ``name`` (a name in
    :data:`~rllib_nethack.models.architectures.ARCHITECTURES`), that
    architecture's settings, ``rnn_size`` (0 for no LSTM) and RLlib's ``max_seq_len``.
    """

    def setup(self) -> None:
        # RLlib's connectors read the training sequence length from the module's
        # model_config; a hand-built RLModuleSpec without one gets RLlib's default.
        config = {"max_seq_len": DefaultModelConfig.max_seq_len}
        config.update(cast(Mapping[str, Any], self.model_config or {}))
        self.model_config = config
        self.architecture = model_name(config) or ""
        # The bonuses' settings are not the architecture's: taken out before
        # the architecture checks its own.
        e3b_settings = cast(Mapping[str, Any] | None, config.get(E3B_ATTRIBUTE))
        ride_settings = cast(Mapping[str, Any] | None, config.get(RIDE_ATTRIBUTE))
        rnd_settings = cast(Mapping[str, Any] | None, config.get(RND_ATTRIBUTE))
        settings, encoder, core = build_trunk(
            {k: v for k, v in config.items() if k not in BONUS_KEYS},
            cast(gym.Space, self.observation_space),  # type: ignore[type-arg]
            cast(gym.Space, self.action_space),  # type: ignore[type-arg]
        )
        self.settings: Any = settings
        self.encoder: CombinedEncoder = encoder
        self.core: nn.Module = core
        self.num_actions = int(cast(gym.spaces.Discrete, self.action_space).n)
        # Heads: one linear layer each on the trunk's embedding.
        width = int(cast(int, core.out_dim))
        if settings.rnn_size and settings.core_skip:
            width += int(encoder.out_dim)
        self.pi = nn.Linear(width, self.num_actions)
        self.intrinsic_vf: nn.Linear | None = None
        if not self.inference_only:
            self.vf = nn.Linear(width, 1)
            if config.get(INTRINSIC_CRITIC):
                self.intrinsic_vf = nn.Linear(width, 1)
        spaces = cast(gym.spaces.Dict, self.observation_space).spaces

        def own_encoder() -> CombinedEncoder:  # the architecture's encoder, its own weights
            return get_architecture(self.architecture).build(settings, self.num_actions, spaces)

        self.e3b: DynamicsEmbedding | None = None
        if e3b_settings:
            dim = int(e3b_settings["embedding_dim"])
            self.e3b = DynamicsEmbedding(own_encoder(), dim)
            self.e3b_inverse = inverse_head(dim, self.num_actions)
        self.ride: DynamicsEmbedding | None = None
        if ride_settings:
            dim, hidden = int(ride_settings["embedding_dim"]), int(ride_settings["hidden_dim"])
            self.ride = DynamicsEmbedding(own_encoder(), dim)
            self.ride_inverse = inverse_head(dim, self.num_actions, hidden)
            self.ride_forward = forward_head(dim, self.num_actions, hidden)
        self.rnd: RNDNetworks | None = None
        if rnd_settings:
            self.rnd = RNDNetworks(own_encoder(), own_encoder(), int(rnd_settings["embedding_dim"]))
        _initialize(self)

    # ------------------------------------------------------------------ state
    def get_initial_state(self) -> dict[str, Any]:
        return cast(dict[str, Any], self.core.initial_state())  # type: ignore[operator]

    # ------------------------------------------------------------------ forward
    def _embed(
        self, batch: Mapping[str, Any], encoder: CombinedEncoder, core: nn.Module
    ) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        obs = batch[Columns.OBS]
        if not self.is_stateful():
            return encoder(obs), {}
        first = next(iter(obs.values()))
        b, t = first.shape[:2]
        features = encoder({k: flatten_time(v, 2) for k, v in obs.items()}).reshape(b, t, -1)
        out, state = core(features, batch[Columns.STATE_IN], batch.get(RESETS))
        if self.settings.core_skip:  # the heads read this frame's features directly too
            out = torch.cat([out, features], dim=-1)
        return out, state

    def embed(self, batch: Mapping[str, Any]) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        """The trunk: per-step embeddings (``[B, T, F]`` or ``[B, F]``) and the core's state."""
        return self._embed(batch, self.encoder, self.core)

    def _outputs(self, batch: Mapping[str, Any], train: bool) -> dict[str, Any]:
        embeddings, state = self.embed(batch)
        out = {Columns.ACTION_DIST_INPUTS: self.pi(embeddings)}
        if train:
            # For the value loss: the encoder runs once for policy and value.
            # Never at inference, where every output is stored in the episode.
            out[Columns.EMBEDDINGS] = embeddings
        if state:
            out[Columns.STATE_OUT] = state
        return out

    def _forward(self, batch: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        return self._outputs(batch, train=False)

    # ------------------------------------------------------------------ acting
    def forward_exploration(self, batch: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        """The env runners' forward pass (see :meth:`_act`)."""
        return self._act(super().forward_exploration, batch, **kwargs)

    def forward_inference(self, batch: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        """Greedy acting (evaluation; see :meth:`_act`)."""
        return self._act(super().forward_inference, batch, **kwargs)

    def _act(
        self, rllib_forward: Callable[..., dict[str, Any]], batch: dict[str, Any], **kwargs: Any
    ) -> dict[str, Any]:
        """A forward pass without RLlib's mode switching.

        RLlib's puts the whole module in eval mode and back on every call, two
        walks over every submodule: about 5% of an env runner's time on
        ``challenge``. Our layers act the same in both modes, so the mode is left
        alone unless a layer cares (dropout, batch norm): then ``rllib_forward``.
        """
        if self._mode_matters():
            return rllib_forward(batch, **kwargs)
        with torch.inference_mode():
            return self._forward(batch, **kwargs)

    def _mode_matters(self) -> bool:
        if not hasattr(self, "_has_mode_layers"):
            mode_layers = (nn.modules.dropout._DropoutNd, nn.modules.batchnorm._NormBase)
            self._has_mode_layers = any(isinstance(m, mode_layers) for m in self.modules())
        return self._has_mode_layers

    def _forward_train(self, batch: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        return self._outputs(batch, train=True)

    def compute_values(self, batch: dict[str, Any], embeddings: Any = None) -> torch.Tensor:
        if embeddings is None:
            embeddings, _ = self.embed(batch)
        return self.vf(embeddings).squeeze(-1)

    def compute_intrinsic_values(
        self, batch: dict[str, Any], embeddings: Any = None
    ) -> torch.Tensor:
        """The intrinsic return's value head (there must be one), as :meth:`compute_values`."""
        assert self.intrinsic_vf is not None, "no intrinsic value head (explore.intrinsic_gamma)"
        if embeddings is None:
            embeddings, _ = self.embed(batch)
        return self.intrinsic_vf(embeddings).squeeze(-1)

    # ------------------------------------------------------------------ APPO target network
    def make_target_networks(self) -> None:
        self._target_encoder = cast(CombinedEncoder, make_target_network(self.encoder))
        self._target_core = cast(nn.Module, make_target_network(self.core))
        self._target_pi = cast(nn.Module, make_target_network(self.pi))

    def get_target_network_pairs(self) -> list[tuple[nn.Module, nn.Module]]:
        return [
            (self.encoder, self._target_encoder),
            (self.core, self._target_core),
            (self.pi, self._target_pi),
        ]

    def forward_target(self, batch: dict[str, Any]) -> dict[str, Any]:
        if OLD_POLICY_LOGITS in batch:  # the learner chose the behaviour policy
            return {TARGET_NETWORK_ACTION_DIST_INPUTS: batch[OLD_POLICY_LOGITS]}
        embeddings, _ = self._embed(batch, self._target_encoder, self._target_core)
        return {TARGET_NETWORK_ACTION_DIST_INPUTS: self._target_pi(embeddings)}

    def get_non_inference_attributes(self) -> list[str]:
        return [
            "vf",
            "intrinsic_vf",
            "_target_encoder",
            "_target_core",
            "_target_pi",
            INVERSE_HEAD,
            RIDE_INVERSE,
            RIDE_FORWARD,
        ]


def _initialize(module: nn.Module) -> None:
    """Orthogonal weights, zero biases; a near-uniform initial policy."""
    for layer in module.modules():
        if isinstance(layer, nn.EmbeddingBag):  # a linear layer over one-hot input
            nn.init.orthogonal_(layer.weight)
        elif isinstance(layer, nn.Linear | nn.Conv1d | nn.Conv2d):
            nn.init.orthogonal_(layer.weight)
            if layer.bias is not None:
                nn.init.zeros_(layer.bias)
    pi = getattr(module, "pi", None)
    if isinstance(pi, nn.Linear):
        nn.init.orthogonal_(pi.weight, gain=0.01)
