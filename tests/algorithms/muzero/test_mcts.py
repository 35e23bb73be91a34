"""Batched MCTS: finds the best action in known games, and equals a plain one-tree search."""

from __future__ import annotations

import math

import pytest
import torch

from rllib_nethack.algorithms.muzero.mcts import (
    ChanceModel,
    SearchSettings,
    act,
    dirichlet_noise,
    regularized_policy,
    search,
)

# --------------------------------------------------------------------------- known games
CHAIN = 5  # positions 0..4; the goal is position 4
STAY, LEFT, RIGHT = 0, 1, 2


def chain_model(hidden: torch.Tensor, action: torch.Tensor):
    """The true chain game: hidden = one-hot position, reward 1 on reaching the goal."""
    pos = hidden.argmax(-1)
    at_goal = pos == CHAIN - 1
    moved = torch.where(action == RIGHT, pos + 1, torch.where(action == LEFT, pos - 1, pos))
    nxt = torch.where(at_goal, pos, moved.clamp(0, CHAIN - 1))  # the goal absorbs
    reward = ((nxt == CHAIN - 1) & ~at_goal).to(hidden.dtype)
    logits = torch.zeros(len(pos), 3, dtype=hidden.dtype)
    return torch.nn.functional.one_hot(nxt, CHAIN).to(hidden.dtype), reward, logits, reward * 0


@pytest.mark.parametrize("min_spread", [0.0, 1.0])
def test_chain_game_goes_right_from_every_start(min_spread: float) -> None:
    starts = torch.arange(CHAIN - 1)
    hidden = torch.nn.functional.one_hot(starts, CHAIN).double()
    settings = SearchSettings(num_simulations=300, discount=0.9, min_value_spread=min_spread)
    result = search(hidden, torch.zeros(len(starts), 3, dtype=torch.float64), chain_model, settings)
    assert result.visit_counts.argmax(-1).tolist() == [RIGHT] * len(starts)
    # The search value approaches the true one, 0.9^(steps to go - 1), from below.
    true = 0.9 ** (CHAIN - 2 - starts.double())
    assert torch.all(result.q_values[:, RIGHT] <= true + 1e-9)
    assert torch.allclose(result.q_values[-1, RIGHT], torch.tensor(1.0, dtype=torch.float64))


ARM_REWARDS = {0: (2.0, 0.25), 1: (0.8, 0.75)}  # arm -> (payoff, probability); means 0.5, 0.6


def bandit_model(hidden: torch.Tensor, action: torch.Tensor):
    """A stochastic two-armed game, modelled by its expectation (what a plain MuZero
    model learns): from the start (hidden[0] == 1) an arm pays its mean; after
    that the game is over (absorbing, no reward)."""
    start = hidden[:, 0] > 0.5
    means = torch.tensor([p * r for r, p in ARM_REWARDS.values()], dtype=hidden.dtype)
    reward = torch.where(start, means[action], torch.zeros_like(means[action]))
    over = torch.zeros_like(hidden)
    over[:, 1] = 1.0
    return over, reward, torch.zeros(len(action), 2, dtype=hidden.dtype), reward * 0


def sample_arm(arm: int, generator: torch.Generator) -> float:
    payoff, prob = ARM_REWARDS[arm]
    return payoff if torch.rand(1, generator=generator).item() < prob else 0.0


@pytest.mark.parametrize("policy", ["visits", "regularized"])
def test_two_armed_game_prefers_the_better_mean(policy: str) -> None:
    start = torch.tensor([[1.0, 0.0]], dtype=torch.float64)
    # A prior that favours the worse arm: the search must overturn it.
    logits = torch.tensor([[1.0, 0.0]], dtype=torch.float64)
    settings = SearchSettings(num_simulations=60, discount=0.9, search_policy=policy)
    result = search(start, logits, bandit_model, settings)
    assert result.policy.argmax(-1).item() == 1
    assert result.q_values[0].tolist() == pytest.approx([0.5, 0.6])
    # And the better mean really is better in the game itself.
    gen = torch.Generator().manual_seed(0)
    returns = [sum(sample_arm(arm, gen) for _ in range(4000)) / 4000 for arm in (0, 1)]
    assert returns[1] > returns[0]


# --------------------------------------------------------------------------- reference search
class Node:
    def __init__(self, prior: float) -> None:
        self.prior = prior
        self.visits = 0
        self.value_sum = 0.0
        self.reward = 0.0
        self.hidden: torch.Tensor | None = None
        self.children: dict[int, Node] = {}
        self.child_priors: list[float] = []

    def value(self) -> float:
        return self.value_sum / self.visits if self.visits else 0.0


def reference_search(
    hidden: torch.Tensor, logits: torch.Tensor, model, s: SearchSettings
) -> tuple[list[int], float]:
    """The MuZero paper's pseudocode, one tree, one node at a time."""
    root = Node(1.0)
    root.hidden = hidden
    root.child_priors = torch.softmax(logits, -1).tolist()
    low, high = math.inf, -math.inf

    def normalize(q: float) -> float:
        return (q - low) / (high - low) if high > low else q

    def ucb(parent: Node, action: int) -> float:
        child = parent.children.get(action)
        visits = child.visits if child else 0
        pb_c = math.log((parent.visits + s.pb_c_base + 1) / s.pb_c_base) + s.pb_c_init
        pb_c *= math.sqrt(parent.visits) / (visits + 1)
        value = normalize(child.reward + s.discount * child.value()) if visits else 0.0
        return value + pb_c * parent.child_priors[action]

    for _ in range(s.num_simulations):
        node, path = root, [root]
        while True:
            scores = [ucb(node, a) for a in range(len(node.child_priors))]
            action = scores.index(max(scores))
            if action not in node.children:
                break
            node = node.children[action]
            path.append(node)
        assert node.hidden is not None
        h, r, lg, v = model(node.hidden[None], torch.tensor([action]))
        child = Node(node.child_priors[action])
        child.hidden, child.reward = h[0], float(r[0])
        child.child_priors = torch.softmax(lg[0], -1).tolist()
        node.children[action] = child
        path.append(child)
        value = float(v[0])
        for n in reversed(path):
            n.value_sum += value
            n.visits += 1
            q = n.reward + s.discount * n.value()
            low, high = min(low, q), max(high, q)
            value = n.reward + s.discount * value
    visits = [
        root.children[a].visits if a in root.children else 0 for a in range(len(root.child_priors))
    ]
    return visits, root.value()


def random_model(dim: int, actions: int, seed: int):
    gen = torch.Generator().manual_seed(seed)
    w = torch.randn(dim + actions, dim, generator=gen, dtype=torch.float64)
    w_r = torch.randn(dim, generator=gen, dtype=torch.float64)
    w_p = torch.randn(dim, actions, generator=gen, dtype=torch.float64)
    w_v = torch.randn(dim, generator=gen, dtype=torch.float64)

    def model(hidden: torch.Tensor, action: torch.Tensor):
        onehot = torch.nn.functional.one_hot(action, actions).to(hidden.dtype)
        nxt = torch.tanh(torch.cat([hidden, onehot], -1) @ w)
        return nxt, torch.tanh(nxt @ w_r), nxt @ w_p, torch.tanh(nxt @ w_v)

    return model


def test_batched_search_equals_one_tree_reference() -> None:
    dim, actions, batch = 6, 4, 5
    model = random_model(dim, actions, seed=3)
    gen = torch.Generator().manual_seed(4)
    hidden = torch.randn(batch, dim, generator=gen, dtype=torch.float64)
    logits = torch.randn(batch, actions, generator=gen, dtype=torch.float64)
    settings = SearchSettings(num_simulations=40, discount=0.95)
    result = search(hidden, logits, model, settings)
    for b in range(batch):
        visits, value = reference_search(hidden[b], logits[b], model, settings)
        assert result.visit_counts[b].tolist() == visits
        assert result.value[b].item() == pytest.approx(value)
    assert result.visit_counts.sum(-1).tolist() == [settings.num_simulations] * batch


def reference_regularized(prior: list[float], q: list[float], lam: float) -> list[float]:
    """pi_bar by a plain bisection on alpha (Grill et al. 2020, eq. 7)."""
    low = max(qa + lam * pa for qa, pa in zip(q, prior, strict=True))
    high = max(q) + lam
    for _ in range(100):
        alpha = (low + high) / 2
        if sum(lam * pa / (alpha - qa) for qa, pa in zip(q, prior, strict=True)) > 1:
            low = alpha
        else:
            high = alpha
    pi = [lam * pa / ((low + high) / 2 - qa) for qa, pa in zip(q, prior, strict=True)]
    return [p / sum(pi) for p in pi]


def test_regularized_policy_matches_plain_bisection() -> None:
    gen = torch.Generator().manual_seed(8)
    prior = torch.softmax(torch.randn(6, 4, generator=gen, dtype=torch.float64), -1)
    q_hat = torch.rand(6, 4, generator=gen, dtype=torch.float64)
    lam = torch.rand(6, 1, generator=gen, dtype=torch.float64) + 0.05
    pi = regularized_policy(prior, q_hat, lam, steps=60)
    for b in range(6):
        ref = reference_regularized(prior[b].tolist(), q_hat[b].tolist(), float(lam[b]))
        assert pi[b].tolist() == pytest.approx(ref, abs=1e-9)
        # The best-Q action gains mass over the prior, the worst loses it.
        assert pi[b, q_hat[b].argmax()] > prior[b, q_hat[b].argmax()]
        assert pi[b, q_hat[b].argmin()] < prior[b, q_hat[b].argmin()]


def test_regularized_search_keeps_the_tree_and_returns_a_distribution() -> None:
    model = random_model(5, 3, seed=7)
    gen = torch.Generator().manual_seed(9)
    hidden = torch.randn(3, 5, generator=gen, dtype=torch.float64)
    logits = torch.randn(3, 3, generator=gen, dtype=torch.float64)
    reg = search(hidden, logits, model, SearchSettings(12, 0.95, search_policy="regularized"))
    plain = search(hidden, logits, model, SearchSettings(12, 0.95))
    assert torch.equal(reg.visit_counts, plain.visit_counts)  # only the policy differs
    assert torch.allclose(reg.policy.sum(-1), torch.ones(3, dtype=torch.float64))
    assert bool((reg.policy > 0).all())


def test_noise_and_acting() -> None:
    noise = dirichlet_noise(4, 5, 0.3)
    assert noise.shape == (4, 5) and torch.allclose(noise.sum(-1), torch.ones(4))
    policy = torch.tensor([[0.1, 0.9, 0.0], [0.7, 0.2, 0.1]])
    assert act(policy, 1.0, explore=False).tolist() == [1, 0]
    torch.manual_seed(0)
    samples = torch.stack([act(policy, 1.0, explore=True) for _ in range(400)])
    assert (samples[:, 0] == 2).sum() == 0  # zero-probability actions are never taken
    assert 0 < (samples[:, 1] == 2).sum() < 400


# --------------------------------------------------------------------------- chance nodes
# arm -> (payoff, probability): arm 0 is better on average (1.2 > 0.9), but its
# likeliest outcome is nothing, so a search that follows one outcome per move is misled.
CHANCE_ARMS = {0: (3.0, 0.4), 1: (1.0, 0.9)}
START, AFTER_ARM, OVER = 0, 1, 3  # hidden one-hot slots: start, after arm 0/1, game over


def bandit_afterstate(hidden: torch.Tensor, action: torch.Tensor):
    """The true afterstate model: the arm pulled (outcome 0 pays, 1 not); then the game is over."""
    slot = torch.where(hidden[:, START] > 0.5, AFTER_ARM + action, torch.full_like(action, OVER))
    after = torch.nn.functional.one_hot(slot, 4).to(hidden.dtype)
    probs = torch.tensor([[p, 1.0 - p] for _, p in CHANCE_ARMS.values()], dtype=hidden.dtype)
    return after, torch.log(probs[action]), torch.zeros(len(action), dtype=hidden.dtype)


def bandit_outcome(after: torch.Tensor, outcome: torch.Tensor):
    """The true dynamics from an afterstate and a chance outcome."""
    arm = after[:, AFTER_ARM : AFTER_ARM + 2].argmax(-1)
    payoffs = torch.tensor([r for r, _ in CHANCE_ARMS.values()], dtype=after.dtype)
    pulled = after[:, AFTER_ARM : AFTER_ARM + 2].sum(-1) > 0.5
    reward = torch.where(pulled & (outcome == 0), payoffs[arm], torch.zeros_like(payoffs[arm]))
    over = torch.nn.functional.one_hot(torch.full_like(arm, OVER), 4).to(after.dtype)
    return over, reward, torch.zeros(len(arm), 2, dtype=after.dtype), reward * 0


@pytest.mark.parametrize("policy", ["visits", "regularized"])
def test_chance_nodes_find_the_better_mean_of_a_stochastic_game(policy: str) -> None:
    start = torch.nn.functional.one_hot(torch.tensor([START]), 4).double()
    logits = torch.tensor([[0.0, 1.0]], dtype=torch.float64)  # the prior favours arm 1
    settings = SearchSettings(num_simulations=400, discount=0.9, search_policy=policy)
    result = search(
        start, logits, bandit_outcome, settings, chance=ChanceModel(bandit_afterstate, 2)
    )
    assert result.policy.argmax(-1).item() == 0
    # Outcomes are visited in proportion to their probability: Q near the means.
    assert result.q_values[0].tolist() == pytest.approx([1.2, 0.9], abs=0.1)


class ChanceNode(Node):
    def __init__(self, prior: float, is_chance: bool, discount: float) -> None:
        super().__init__(prior)
        self.is_chance = is_chance
        self.discount = discount
        self.children: dict[int, ChanceNode] = {}  # type: ignore[assignment]


def reference_chance_search(
    hidden: torch.Tensor, logits: torch.Tensor, afterstate, dynamics, s: SearchSettings
) -> tuple[list[int], float]:
    """Stochastic MuZero's search, one tree, one node at a time."""
    root = ChanceNode(1.0, False, s.discount)
    root.hidden = hidden
    root.child_priors = torch.softmax(logits, -1).tolist()
    low, high = math.inf, -math.inf

    def q_of(node: ChanceNode) -> float:
        return node.reward + node.discount * node.value()

    def score(parent: ChanceNode, edge: int) -> float:
        child = parent.children.get(edge)
        visits = child.visits if child else 0
        if parent.is_chance:
            return parent.child_priors[edge] / (visits + 1)
        pb_c = math.log((parent.visits + s.pb_c_base + 1) / s.pb_c_base) + s.pb_c_init
        pb_c *= math.sqrt(parent.visits) / (visits + 1)
        q = q_of(child) if visits else 0.0
        value = ((q - low) / (high - low) if high > low else q) if visits else 0.0
        return value + pb_c * parent.child_priors[edge]

    for _ in range(s.num_simulations):
        node, path = root, [root]
        while True:
            scores = [score(node, e) for e in range(len(node.child_priors))]
            edge = scores.index(max(scores))
            if edge not in node.children:
                break
            node = node.children[edge]
            path.append(node)
        assert node.hidden is not None
        if node.is_chance:
            h, r, lg, v = dynamics(node.hidden[None], torch.tensor([edge]))
            child = ChanceNode(node.child_priors[edge], False, s.discount)
            child.reward = float(r[0])
        else:
            h, lg, v = afterstate(node.hidden[None], torch.tensor([edge]))
            child = ChanceNode(node.child_priors[edge], True, 1.0)
        child.hidden = h[0]
        child.child_priors = torch.softmax(lg[0], -1).tolist()
        node.children[edge] = child
        path.append(child)
        value = float(v[0])
        for n in reversed(path):
            n.value_sum += value
            n.visits += 1
            low, high = min(low, q_of(n)), max(high, q_of(n))
            value = n.reward + n.discount * value
    actions = len(root.child_priors)
    visits = [root.children[a].visits if a in root.children else 0 for a in range(actions)]
    return visits, root.value()


@pytest.mark.parametrize(("actions", "outcomes"), [(4, 3), (3, 5)])
def test_batched_chance_search_equals_one_tree_reference(actions: int, outcomes: int) -> None:
    dim, batch = 6, 5
    gen = torch.Generator().manual_seed(7)
    w_a = torch.randn(dim + actions, dim, generator=gen, dtype=torch.float64)
    w_c = torch.randn(dim, outcomes, generator=gen, dtype=torch.float64)
    w_q = torch.randn(dim, generator=gen, dtype=torch.float64)
    dynamics = random_model(dim, outcomes, seed=8)  # outcomes play the actions' part

    def afterstate(hidden: torch.Tensor, action: torch.Tensor):
        onehot = torch.nn.functional.one_hot(action, actions).to(hidden.dtype)
        after = torch.tanh(torch.cat([hidden, onehot], -1) @ w_a)
        return after, after @ w_c, torch.tanh(after @ w_q)

    def outcome_model(after: torch.Tensor, outcome: torch.Tensor):
        nxt, r, _, v = dynamics(after, outcome)
        return nxt, r, nxt[:, :actions] * 2.0, v  # policy logits over the actions

    hidden = torch.randn(batch, dim, generator=gen, dtype=torch.float64)
    logits = torch.randn(batch, actions, generator=gen, dtype=torch.float64)
    settings = SearchSettings(num_simulations=40, discount=0.95)
    result = search(
        hidden, logits, outcome_model, settings, chance=ChanceModel(afterstate, outcomes)
    )
    for b in range(batch):
        visits, value = reference_chance_search(
            hidden[b], logits[b], afterstate, outcome_model, settings
        )
        assert result.visit_counts[b].tolist() == visits
        assert result.value[b].item() == pytest.approx(value)
