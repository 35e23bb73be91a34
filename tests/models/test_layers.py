"""``bag_sum``: torch's ``embedding_bag`` sum, with a scatter backward on CPU."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from rllib_nethack.models.layers import bag_sum


@pytest.mark.parametrize("bag", [1, 4, 80])
def test_values_and_gradients_equal_embedding_bag(bag: int) -> None:
    torch.manual_seed(bag)
    # Few distinct rows, each index repeated many times, as screen cells are.
    indices = torch.randint(0, 37, (500, bag))
    # Double precision: the two backwards add the same terms in different orders.
    weight = torch.randn(50, 16, dtype=torch.float64, requires_grad=True)
    upstream = torch.randn(500, 16, dtype=torch.float64)

    ours = bag_sum(indices, weight)
    (ours * upstream).sum().backward()
    assert weight.grad is not None
    our_grad, weight.grad = weight.grad.clone(), None

    torchs = F.embedding_bag(indices, weight, mode="sum")
    (torchs * upstream).sum().backward()

    torch.testing.assert_close(ours, torchs)
    torch.testing.assert_close(our_grad, weight.grad)
    assert bool((our_grad[37:] == 0).all())  # rows no index names get no gradient


def test_the_scatter_backward_is_the_one_used_in_training() -> None:
    indices = torch.randint(0, 10, (8, 3))
    weight = torch.randn(10, 4, requires_grad=True)
    assert bag_sum(indices, weight).grad_fn.__class__.__name__ == "_BagSumBackward"
    with torch.no_grad():  # acting: torch's own op, no graph
        assert bag_sum(indices, weight).grad_fn is None
