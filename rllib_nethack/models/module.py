"""The RLModule: observations -> encoder -> core -> policy and value heads.

One class wires every architecture on RLlib's current API stack
(``TorchRLModule`` + ``ValueFunctionAPI`` for PPO/IMPALA/APPO, and
``TargetNetworkAPI`` for APPO's target policy); the subclasses only name their
architecture. The policy and value heads share the encoder and the core.

Inputs are dict observations; with an LSTM core RLlib adds a time dimension
(``[B, T, ...]``), without one they are ``[B, ...]``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import fields
from typing import Any, ClassVar, cast

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
from ray.rllib.core.rl_module.torch import TorchRLModule
from torch import nn

from rllib_nethack.errors import ConfigError, suggestion
from rllib_nethack.models.architectures import ARCHITECTURES, CombinedEncoder
from rllib_nethack.models.cores import RESETS, IdentityCore, LSTMCore
from rllib_nethack.models.layers import flatten_time

#: model_config keys every model accepts besides its architecture's settings:
#: RLlib's own (its algorithms add some, such as ``vf_share_layers``, and its
#: connectors read ``max_seq_len``, the training sequence length). They do not
#: change our models; anything else unknown is a typo and an error.
COMMON_MODEL_KEYS = tuple(f.name for f in fields(DefaultModelConfig))


class NetHackRLModule(TorchRLModule, ValueFunctionAPI, TargetNetworkAPI, InferenceOnlyAPI):
    """Actor-critic RLModule over NetHack/MiniHack dict observations.

    Subclasses set :attr:`architecture`; ``model_config`` holds that
    architecture's settings (see :mod:`rllib_nethack.models.architectures`),
    ``rnn_size`` (0 for no LSTM) and RLlib's ``max_seq_len``.
    """

    architecture: ClassVar[str] = ""

    def setup(self) -> None:
        arch = ARCHITECTURES[self.architecture]
        # RLlib's connectors read the training sequence length from the module's
        # model_config; a hand-built RLModuleSpec without one gets RLlib's default.
        config = {"max_seq_len": DefaultModelConfig.max_seq_len}
        config.update(cast(Mapping[str, Any], self.model_config or {}))
        self.model_config = config
        settings = arch.parse(config, COMMON_MODEL_KEYS)
        if not isinstance(self.observation_space, gym.spaces.Dict):
            raise ConfigError(
                f"model {self.architecture!r} reads dict observations, got {self.observation_space}"
            )
        if not isinstance(self.action_space, gym.spaces.Discrete):
            raise ConfigError(f"model {self.architecture!r} needs a discrete action space")
        spaces = self.observation_space.spaces
        self.num_actions = int(self.action_space.n)
        self.encoder: CombinedEncoder = arch.build(settings, self.num_actions, spaces)
        gaps = self.encoder.missing(spaces)
        if gaps:
            part, keys = next(iter(gaps.items()))
            raise ConfigError(
                f"model {self.architecture!r} ({part} encoder) reads observation {keys[0]!r}, "
                f"which the task does not provide (it has: {', '.join(sorted(spaces))}); "
                f"add {keys[0]!r} to the task's observation_keys"
            )
        rnn_size = int(settings.rnn_size)
        self.core = (
            LSTMCore(self.encoder.out_dim, rnn_size)
            if rnn_size
            else IdentityCore(self.encoder.out_dim)
        )
        self.pi = nn.Linear(self.core.out_dim, self.num_actions)
        if not self.inference_only:
            self.vf = nn.Linear(self.core.out_dim, 1)
        _initialize(self)

    # ------------------------------------------------------------------ state
    def get_initial_state(self) -> dict[str, Any]:
        return self.core.initial_state()

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
        return core(features, batch[Columns.STATE_IN], batch.get(RESETS))

    def _outputs(self, batch: Mapping[str, Any], train: bool) -> dict[str, Any]:
        embeddings, state = self._embed(batch, self.encoder, self.core)
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

    def _forward_train(self, batch: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        return self._outputs(batch, train=True)

    def compute_values(self, batch: dict[str, Any], embeddings: Any = None) -> torch.Tensor:
        if embeddings is None:
            embeddings, _ = self._embed(batch, self.encoder, self.core)
        return self.vf(embeddings).squeeze(-1)

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
        embeddings, _ = self._embed(batch, self._target_encoder, self._target_core)
        return {TARGET_NETWORK_ACTION_DIST_INPUTS: self._target_pi(embeddings)}

    def get_non_inference_attributes(self) -> list[str]:
        return ["vf", "_target_encoder", "_target_core", "_target_pi"]


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


class ChaoticDwarfModule(NetHackRLModule):
    """Sample Factory's ChaoticDwarvenGPT5 design (NetHack default)."""

    architecture = "chaotic_dwarf"


class BaselineModule(NetHackRLModule):
    """The NLE paper's NetHackNet baseline."""

    architecture = "baseline"


class PerceiverModule(NetHackRLModule):
    """Perceiver-style latent attention encoder (as in omega)."""

    architecture = "perceiver"


class MiniHackModule(NetHackRLModule):
    """The MiniHack baseline (MiniHack default)."""

    architecture = "minihack"


#: Model name -> RLModule class.
MODELS: dict[str, type[NetHackRLModule]] = {
    cls.architecture: cls
    for cls in (ChaoticDwarfModule, BaselineModule, PerceiverModule, MiniHackModule)
}


def get_model_class(name: str) -> type[NetHackRLModule]:
    """The RLModule class of model ``name`` (raises a ConfigError listing the valid names)."""
    try:
        return MODELS[name]
    except KeyError:
        raise ConfigError(
            f"unknown model {name!r}{suggestion(name, MODELS)} (models: {', '.join(MODELS)})"
        ) from None
