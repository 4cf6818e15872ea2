"""Each optimizer's step equals the update its equations give, computed by hand here."""

import numpy as np
import pytest

from numnet.nn import Dense
from numnet.nn.layer import bind_layers as bind
from numnet.nn.optim import SGD, Adam, AdamW, get_optimizer
from numnet.nn.optim.schedules import Cosine, Restart, StepDecay, Warmup, warmup_cosine


def setup(dtype=np.float64):
    rng = np.random.default_rng(0)
    bound, _ = bind([Dense(3)], (4,), rng, dtype=dtype)  # W (decayed) then b (not)
    bound.grads[:] = rng.standard_normal(bound.grads.size)
    return bound, bound.params.copy(), bound.grads.copy(), bound.decay.astype(float)


def test_sgd_plain_and_l2():
    bound, p, g, mask = setup()
    SGD(lr=0.1, weight_decay=0.01).attach(bound).step()
    np.testing.assert_allclose(bound.params, p - 0.1 * (g + 0.01 * mask * p))


@pytest.mark.parametrize("nesterov", [False, True])
def test_sgd_momentum_two_steps(nesterov):
    bound, p, g, _ = setup()
    opt = SGD(lr=0.1, momentum=0.9, nesterov=nesterov).attach(bound)
    v = np.zeros_like(p)
    for _ in range(2):
        bound.grads[:] = g
        opt.step()
        v = 0.9 * v + g
        p = p - 0.1 * (g + 0.9 * v if nesterov else v)
    np.testing.assert_allclose(bound.params, p)


@pytest.mark.parametrize("cls", [Adam, AdamW])
def test_adam_and_adamw_three_steps(cls):
    bound, p, g, mask = setup()
    lr, b1, b2, eps, wd = 0.01, 0.9, 0.999, 1e-8, 0.1
    opt = cls(lr=lr, weight_decay=wd).attach(bound)
    m = v = np.zeros_like(p)
    for t in range(1, 4):
        bound.grads[:] = g * t
        opt.step()
        gt = g * t + (0 if cls is AdamW else wd * mask * p)
        if cls is AdamW:
            p = p - lr * wd * mask * p
        m = b1 * m + (1 - b1) * gt
        v = b2 * v + (1 - b2) * gt**2
        p = p - lr * (m / (1 - b1**t)) / (np.sqrt(v / (1 - b2**t)) + eps)
    np.testing.assert_allclose(bound.params, p, rtol=1e-12)


def test_clipping_by_global_norm():
    bound, p, g, _ = setup()
    SGD(lr=1.0, clipnorm=0.5).attach(bound).step()
    np.testing.assert_allclose(bound.params, p - g * 0.5 / np.linalg.norm(g))


def test_float32_step_stays_float32_and_state_round_trips():
    bound, _, g, _ = setup(np.float32)
    opt = Adam().attach(bound)
    opt.step()
    assert bound.params.dtype == np.float32 and opt.M.dtype == np.float32
    state = opt.state_dict()
    twin_bound, _, _, _ = setup(np.float32)
    twin_bound.params[:] = bound.params
    twin = Adam().attach(twin_bound)
    twin.load_state_dict(state)
    for b in (bound, twin_bound):
        b.grads[:] = g
    opt.step()
    twin.step()
    np.testing.assert_array_equal(bound.params, twin_bound.params)


def test_schedules():
    assert StepDecay(10, 0.5)(1.0, 25) == 0.25
    cos = Cosine(100, floor=0.1)
    assert cos(1.0, 0) == 1.0 and cos(1.0, 100) == pytest.approx(0.1)
    assert cos(1.0, 50) == pytest.approx(0.55)
    warm = Warmup(4)
    assert [warm(1.0, t) for t in range(5)] == [0.25, 0.5, 0.75, 1.0, 1.0]
    wc = warmup_cosine(total=14, warmup=4)
    assert wc(1.0, 3) == 1.0 and wc(1.0, 4) == 1.0 and wc(1.0, 14) == pytest.approx(0.0)


def test_a_warm_restart_follows_the_first_schedule_then_starts_the_second_lower():
    first = Cosine(10, floor=0.01)
    restart = Restart(first, 10, Cosine(4), scale=0.1)
    assert [restart(2.0, t) for t in range(10)] == [first(2.0, t) for t in range(10)]
    assert restart(2.0, 9) > 0.02  # still on the first cosine, not yet at its floor
    assert restart(2.0, 10) == pytest.approx(0.2)  # the restart's peak: 0.1 * lr
    assert restart(2.0, 12) == pytest.approx(0.1)  # halfway down the second cosine
    assert restart(2.0, 14) == pytest.approx(0.0) and restart(2.0, 99) == pytest.approx(0.0)


def test_schedule_drives_the_step_size():
    bound, p, g, _ = setup()
    SGD(lr=1.0, schedule=StepDecay(1, 0.1)).attach(bound).step()  # t = 0: lr = 1
    np.testing.assert_allclose(bound.params, p - g)


def test_get_optimizer_by_name():
    assert isinstance(get_optimizer("adamw", 0.1), AdamW) and get_optimizer("sgd").lr == 0.01
    with pytest.raises(ValueError, match="unknown optimizer"):
        get_optimizer("rmsprop")
