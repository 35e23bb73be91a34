"""MuZero's Monte Carlo tree search, batched over all the envs of a runner.

A batch of ``B`` trees lives in preallocated tensors ``[B, N]`` (``N`` =
simulations + 1 nodes: each simulation adds exactly one node to every tree, so
node ``s + 1`` is the one simulation ``s`` creates, in every tree at once).
Selection walks all trees down together (a Python loop over depth), expansion
calls the learned model once for the whole batch, and backup walks all paths
up together. No Python code runs per node or per tree.

The rules are the MuZero paper's (Schrittwieser et al. 2020, appendix B):
pUCT with the ``c1``/``c2`` constants, Q-values normalised by the min and max
seen in the tree, Dirichlet noise on the root prior. Optionally the search
policy is the regularised one of "Monte-Carlo tree search as regularized
policy optimization" (Grill et al. 2020), computed by bisection, which is
better than visit counts when there are few simulations per action.

With a :class:`ChanceModel` the trees are Stochastic MuZero's (Antonoglou et
al. 2022): decision nodes (states) and chance nodes (afterstates) alternate.
A decision edge leads to an afterstate (no reward, no discount: the same time
step); a chance edge, one of ``C`` learned chance outcomes, leads to the next
state with its reward. Chance nodes pick the outcome by their prior against
the visits so far (``argmax sigma(c) / (N(c) + 1)``), so the visits follow the
prior deterministically; decision nodes use pUCT as usual. Each simulation
still adds one node per tree: the model call is split between the trees whose
leaf hangs off a decision node and those whose leaf hangs off a chance node.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

import torch

#: ``(hidden [M, D], action [M]) -> (next hidden, reward [M], policy logits [M, A], value [M])``
RecurrentFn = Callable[
    [torch.Tensor, torch.Tensor],
    tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor],
]

#: ``(state [M, D], action [M]) -> (afterstate [M, D], chance logits [M, C], afterstate value [M])``
AfterstateFn = Callable[
    [torch.Tensor, torch.Tensor],
    tuple[torch.Tensor, torch.Tensor, torch.Tensor],
]

SEARCH_POLICIES = ("visits", "regularized")


class ChanceModel(NamedTuple):
    """Stochastic MuZero's part of the model: with it, ``recurrent`` maps
    (afterstate, chance outcome) to (next state, reward, policy logits, value)."""

    afterstate: AfterstateFn
    num_outcomes: int


@dataclass(frozen=True)
class SearchSettings:
    """How the tree is searched (documented key by key in ``conf/algo/muzero.yaml``)."""

    num_simulations: int = 25
    discount: float = 0.99
    pb_c_init: float = 1.25  #: c1: weight of the prior in pUCT
    pb_c_base: float = 19652.0  #: c2: visits at which the prior's weight starts to grow
    dirichlet_alpha: float = 0.3
    exploration_fraction: float = 0.25  #: share of Dirichlet noise in the root prior
    search_policy: str = "regularized"  #: "visits" or "regularized" (Grill et al. 2020)
    regularized_c: float = 1.0  #: scale of the regularised policy's lambda_N
    bisection_steps: int = 32
    #: Least spread the min-max normalisation divides by (0: the paper's rule;
    #: see ``conf/algo/muzero.yaml`` for why not 0).
    min_value_spread: float = 0.1

    def __post_init__(self) -> None:
        if self.num_simulations < 1:
            raise ValueError(f"num_simulations must be >= 1, got {self.num_simulations}")
        if self.search_policy not in SEARCH_POLICIES:
            raise ValueError(
                f"search_policy must be one of {', '.join(SEARCH_POLICIES)}, "
                f"got {self.search_policy!r}"
            )


class SearchResult(NamedTuple):
    """What the search returns per root."""

    visit_counts: torch.Tensor  #: [B, A] visits of the root's children
    policy: torch.Tensor  #: [B, A] the search policy (act on it, learn it)
    value: torch.Tensor  #: [B] the root's search value
    q_values: torch.Tensor  #: [B, A] the root children's reward + discount * value (0 unvisited)


class _Trees:
    """The preallocated node arrays of a batch of trees."""

    def __init__(
        self,
        hidden: torch.Tensor,
        num_actions: int,
        num_nodes: int,
        min_spread: float = 0.0,
        discount: float = 1.0,
        num_outcomes: int = 0,
    ) -> None:
        self.min_spread = min_spread
        self.num_actions, self.num_outcomes = num_actions, num_outcomes
        width = max(num_actions, num_outcomes)  # a node's edges: actions or chance outcomes
        batch, device, dtype = hidden.shape[0], hidden.device, hidden.dtype
        self.batch = torch.arange(batch, device=device)
        self.visits = torch.zeros(batch, num_nodes, device=device, dtype=dtype)
        self.value_sum = torch.zeros(batch, num_nodes, device=device, dtype=dtype)
        self.reward = torch.zeros(batch, num_nodes, device=device, dtype=dtype)
        #: The discount between a node's value and its parent's Q: 1 for afterstates.
        self.step_discount = torch.full((batch, num_nodes), discount, device=device, dtype=dtype)
        self.is_chance = torch.zeros(batch, num_nodes, device=device, dtype=torch.bool)
        self.prior = torch.zeros(batch, num_nodes, width, device=device, dtype=dtype)
        self.children = torch.full((batch, num_nodes, width), -1, device=device, dtype=torch.long)
        self.parent = torch.full((batch, num_nodes), -1, device=device, dtype=torch.long)
        self.hidden = torch.zeros(batch, num_nodes, *hidden.shape[1:], device=device, dtype=dtype)
        self.hidden[:, 0] = hidden
        # Min-max statistics per tree; +-inf until a value is seen, as in the paper.
        self.low = torch.full((batch,), math.inf, device=device, dtype=dtype)
        self.high = torch.full((batch,), -math.inf, device=device, dtype=dtype)

    def normalize(self, q: torch.Tensor) -> torch.Tensor:
        """Q mapped to [0, 1] by the tree's min and max (unchanged before a spread exists)."""
        low, high = self.low.unsqueeze(-1), self.high.unsqueeze(-1)
        spread = (high - low).clamp(min=self.min_spread)
        ok = (spread > 0) & torch.isfinite(low)
        return torch.where(ok, (q - low) / torch.where(ok, spread, torch.ones_like(spread)), q)

    def child_stats(self, node: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Visits ``[B, W]`` and Q ``[B, W]`` (0 where unvisited) of ``node``'s children."""
        children = self.children[self.batch, node]
        index = children.clamp(min=0)
        exists = children >= 0
        visits = torch.where(
            exists, self.visits.gather(1, index), torch.zeros_like(self.visits[:, :1])
        )
        value_sum = self.value_sum.gather(1, index)
        reward = self.reward.gather(1, index)
        discount = self.step_discount.gather(1, index)
        visited = visits > 0
        mean = value_sum / torch.where(visited, visits, torch.ones_like(visits))
        q = torch.where(visited, reward + discount * mean, torch.zeros_like(mean))
        return visits, q

    def ucb(self, node: torch.Tensor, s: SearchSettings) -> torch.Tensor:
        """The pUCT score of each child of ``node``: normalised Q + the prior's bonus."""
        visits, q = self.child_stats(node)
        parent_visits = self.visits[self.batch, node].unsqueeze(-1)
        pb_c = torch.log((parent_visits + s.pb_c_base + 1.0) / s.pb_c_base) + s.pb_c_init
        pb_c = pb_c * torch.sqrt(parent_visits) / (visits + 1.0)
        value_score = torch.where(visits > 0, self.normalize(q), torch.zeros_like(q))
        prior = self.prior[self.batch, node]
        score = value_score + pb_c * prior
        edges = torch.arange(prior.shape[-1], device=prior.device)
        score = score.masked_fill(edges >= self.num_actions, -math.inf)
        if self.num_outcomes == 0:
            return score
        chance = (prior / (visits + 1.0)).masked_fill(edges >= self.num_outcomes, -math.inf)
        return torch.where(self.is_chance[self.batch, node].unsqueeze(-1), chance, score)


def search(
    root_hidden: torch.Tensor,
    root_logits: torch.Tensor,
    recurrent: RecurrentFn,
    settings: SearchSettings,
    noise: torch.Tensor | None = None,
    chance: ChanceModel | None = None,
) -> SearchResult:
    """Run ``settings.num_simulations`` simulations from each root of the batch.

    Args:
        root_hidden: ``[B, D]`` the representation of each root observation.
        root_logits: ``[B, A]`` the prediction network's policy logits there.
        recurrent: the dynamics + prediction networks (see :data:`RecurrentFn`).
        settings: the search constants.
        noise: ``[B, A]`` Dirichlet noise mixed into the root prior (acting),
            or None (evaluation, tests); see :func:`dirichlet_noise`.
        chance: Stochastic MuZero's afterstate model (then ``recurrent`` steps
            from afterstates by chance outcomes), or None (plain MuZero).
    """
    s = settings
    num_actions = root_logits.shape[-1]
    trees = _Trees(
        root_hidden,
        num_actions,
        s.num_simulations + 1,
        s.min_value_spread,
        s.discount,
        chance.num_outcomes if chance is not None else 0,
    )
    prior = torch.softmax(root_logits, dim=-1)
    if noise is not None:
        prior = (1.0 - s.exploration_fraction) * prior + s.exploration_fraction * noise
    trees.prior[:, 0, :num_actions] = prior
    root = torch.zeros_like(trees.batch)

    for sim in range(s.num_simulations):
        # Selection: walk every tree down to a child that does not exist yet.
        node, active = root.clone(), torch.ones_like(root, dtype=torch.bool)
        leaf_parent, leaf_action = root.clone(), root.clone()
        while True:
            action = trees.ucb(node, s).argmax(dim=-1)  # ties: the lowest action
            child = trees.children[trees.batch, node, action]
            leaf_parent = torch.where(active, node, leaf_parent)
            leaf_action = torch.where(active, action, leaf_action)
            active = active & (child >= 0)
            if not bool(active.any()):
                break
            node = torch.where(active, child, node)

        # Expansion: one model call for the whole batch; node sim + 1 in every tree.
        new = sim + 1
        trees.children[trees.batch, leaf_parent, leaf_action] = new
        trees.parent[:, new] = leaf_parent
        if chance is None:
            hidden, reward, logits, value = recurrent(
                trees.hidden[trees.batch, leaf_parent], leaf_action
            )
            trees.reward[:, new] = reward
            trees.prior[:, new, :num_actions] = torch.softmax(logits, dim=-1)
            trees.hidden[:, new] = hidden
        else:
            value = _expand_stochastic(trees, new, leaf_parent, leaf_action, recurrent, chance)

        # Backup: all paths up together, until every walk has passed its root.
        node = torch.full_like(root, new)
        value = value.to(trees.value_sum.dtype)
        while True:
            on_path = node >= 0
            if not bool(on_path.any()):
                break
            index = node.clamp(min=0)
            step = on_path.to(value.dtype)
            trees.value_sum[trees.batch, index] += step * value
            trees.visits[trees.batch, index] += step
            node_reward = trees.reward[trees.batch, index]
            node_discount = trees.step_discount[trees.batch, index]
            q = node_reward + node_discount * (
                trees.value_sum[trees.batch, index] / trees.visits[trees.batch, index].clamp(min=1)
            )
            trees.low = torch.where(on_path, torch.minimum(trees.low, q), trees.low)
            trees.high = torch.where(on_path, torch.maximum(trees.high, q), trees.high)
            value = torch.where(on_path, node_reward + node_discount * value, value)
            node = torch.where(on_path, trees.parent[trees.batch, index], node)

    visits, q = trees.child_stats(root)
    visits, q = visits[:, :num_actions], q[:, :num_actions]
    root_value = trees.value_sum[:, 0] / trees.visits[:, 0].clamp(min=1)
    if s.search_policy == "regularized":
        # An unvisited child gets the root's value: neither optimism nor
        # pessimism about actions the search did not try.
        q_hat = trees.normalize(torch.where(visits > 0, q, root_value.unsqueeze(-1).expand_as(q)))
        total = visits.sum(-1, keepdim=True)
        lam = s.regularized_c * torch.sqrt(total) / (total + num_actions)
        policy = regularized_policy(prior, q_hat, lam, s.bisection_steps)
    else:
        policy = visits / visits.sum(-1, keepdim=True)
    return SearchResult(visits, policy, root_value, q)


def _expand_stochastic(
    trees: _Trees,
    new: int,
    parent: torch.Tensor,
    edge: torch.Tensor,
    recurrent: RecurrentFn,
    chance: ChanceModel,
) -> torch.Tensor:
    """Create node ``new`` in every tree: an afterstate below a decision node,
    the next state below a chance node. Returns each new node's value ``[B]``."""
    from_chance = trees.is_chance[trees.batch, parent]
    value = torch.zeros_like(trees.reward[:, 0])
    decided = torch.nonzero(~from_chance).squeeze(-1)
    if len(decided):
        after, chance_logits, q = chance.afterstate(
            trees.hidden[decided, parent[decided]], edge[decided]
        )
        trees.hidden[decided, new] = after.to(trees.hidden.dtype)
        trees.prior[decided, new, : chance.num_outcomes] = torch.softmax(chance_logits, -1).to(
            trees.prior.dtype
        )
        trees.is_chance[decided, new] = True
        trees.step_discount[decided, new] = 1.0
        value[decided] = q.to(value.dtype)
    drawn = torch.nonzero(from_chance).squeeze(-1)
    if len(drawn):
        hidden, reward, logits, v = recurrent(trees.hidden[drawn, parent[drawn]], edge[drawn])
        trees.hidden[drawn, new] = hidden.to(trees.hidden.dtype)
        trees.reward[drawn, new] = reward.to(trees.reward.dtype)
        trees.prior[drawn, new, : trees.num_actions] = torch.softmax(logits, -1).to(
            trees.prior.dtype
        )
        value[drawn] = v.to(value.dtype)
    return value


def regularized_policy(
    prior: torch.Tensor, q_hat: torch.Tensor, lam: torch.Tensor, steps: int = 32
) -> torch.Tensor:
    """pi_bar = lam * prior / (alpha - q_hat), alpha found by bisection so pi_bar sums to 1.

    Grill et al. (2020), eq. 7: the solution of ``max_pi q_hat . pi - lam KL(prior, pi)``.

    Args:
        prior: ``[B, A]`` the network's policy at the root.
        q_hat: ``[B, A]`` Q-values in [0, 1] (min-max normalised).
        lam: ``[B, 1]`` the regularisation weight lambda_N.
        steps: bisection steps (each halves the interval for alpha).
    """
    # sum_a lam p_a / (alpha - q_a) falls monotonically in alpha; it is >= 1 at
    # the lower bound and <= 1 at the upper one (Grill et al., appendix B.3).
    low = (q_hat + lam * prior).max(-1, keepdim=True).values
    high = q_hat.max(-1, keepdim=True).values + lam
    for _ in range(steps):
        alpha = (low + high) / 2.0
        mass = (lam * prior / (alpha - q_hat).clamp(min=1e-12)).sum(-1, keepdim=True)
        too_much = mass > 1.0
        low = torch.where(too_much, alpha, low)
        high = torch.where(too_much, high, alpha)
    alpha = (low + high) / 2.0
    pi = lam * prior / (alpha - q_hat).clamp(min=1e-12)
    return pi / pi.sum(-1, keepdim=True)


def dirichlet_noise(batch: int, num_actions: int, alpha: float) -> torch.Tensor:
    """``[batch, num_actions]`` samples of a symmetric Dirichlet(alpha) (root exploration)."""
    concentration = torch.full((batch, num_actions), float(alpha))
    return torch.distributions.Dirichlet(concentration).sample()


def act(policy: torch.Tensor, temperature: float, explore: bool) -> torch.Tensor:
    """Actions from the search policy: sampled with ``temperature`` when exploring, else argmax."""
    if not explore or temperature <= 0:
        return policy.argmax(-1)
    weights = policy.clamp(min=0) ** (1.0 / temperature)
    return torch.multinomial(weights / weights.sum(-1, keepdim=True), 1).squeeze(-1)
