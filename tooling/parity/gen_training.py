#!/usr/bin/python3
"""PyTorch training runs that @flint/nn + @flint/optim must reproduce (tests/parity).

    /usr/bin/python3 tooling/parity/gen_training.py

Uses Debian's python3-torch (1.13). For each case it writes, under tests/parity/fixtures/training/:
  <case>.init.safetensors    the model's state_dict() before training (Flint: load + loadStateDict)
  <case>.inputs.safetensors  the fixed batch: x (float32, or int64 tokens) and y (int64 labels or float32 targets)
  <case>.final.safetensors   the state_dict() after the last step (parameters and BatchNorm buffers)
  <case>.json                {"case", "torch", "steps", "optimizer": {type, options (camelCase)},
                              "scheduler": null | {type, options}, "losses": [loss before each step],
                              "lrs": [group-0 lr used by each step], "optimizerState": state_dict(),
                              "float64": {"losses", "final": {key: values}}}  (the same run in float64)
optimizerState is torch's layout with tensors flattened ("step" a number). A tensor of more than SAMPLE_OVER
elements is stored as {"shape", "every": k, "values": flat[::k]} to keep the fixtures under 2 MB (the final
weights are stored whole, so the sample only guards the state's layout and values); float64's final weights
are sampled the same way, over FLOAT64_SAMPLE elements.

Training step: zero_grad, loss = lossFn(model(x), y), backward, optimizer.step(), then scheduler.step().
Dropout is built with p=0 (the VGG net's Dropout(0.25)) so both frameworks compute the same function.
safetensors isn't packaged for Debian's python: the writer comes from tooling/fixtures/gen_nn_layers.py.
"""
import json
import os
import sys
import warnings

import torch
import torch.nn as nn

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', 'fixtures'))
from gen_nn_layers import write_safetensors  # noqa: E402

warnings.filterwarnings('ignore')
OUT = os.path.join(HERE, '..', '..', 'tests', 'parity', 'fixtures', 'training')
SAMPLE_OVER = 128
FLOAT64_SAMPLE = 64
SNAKE = {'weightDecay': 'weight_decay', 'lrDecay': 'lr_decay', 'initialAccumulatorValue': 'initial_accumulator_value',
         'stepSize': 'step_size', 'TMax': 'T_max', 'etaMin': 'eta_min'}


def kw(o):
    return {SNAKE.get(k, k): (tuple(v) if k == 'betas' else v) for k, v in o.items()}


# --- models (Flint twins in tests/parity/src/models.ts; parameter order must match) ---

def mlp():
    return nn.Sequential(nn.Linear(10, 32), nn.ReLU(), nn.Linear(32, 32), nn.Tanh(), nn.Linear(32, 4))


def vgg():
    # the CIFAR net at 10x10 input: 10 -> 8 (unpadded conv) -> 4 (pool) -> 2 (unpadded conv) -> 1 (pool)
    return nn.Sequential(
        nn.Conv2d(3, 50, 3, padding=1), nn.ReLU(), nn.Conv2d(50, 50, 3), nn.MaxPool2d(2), nn.ReLU(), nn.Dropout(0.0),
        nn.Conv2d(50, 100, 3, padding=1), nn.ReLU(), nn.Conv2d(100, 100, 3), nn.MaxPool2d(2), nn.ReLU(),
        nn.Flatten(), nn.Linear(100, 512), nn.ReLU(), nn.Linear(512, 10))


class DenseLayer(nn.Module):
    def __init__(self, cin, growth, bn_size):
        super().__init__()
        self.norm1 = nn.BatchNorm2d(cin)
        self.relu1 = nn.ReLU()
        self.conv1 = nn.Conv2d(cin, bn_size * growth, 1, bias=False)
        self.norm2 = nn.BatchNorm2d(bn_size * growth)
        self.relu2 = nn.ReLU()
        self.conv2 = nn.Conv2d(bn_size * growth, growth, 3, padding=1, bias=False)

    def forward(self, x):
        new = self.conv2(self.relu2(self.norm2(self.conv1(self.relu1(self.norm1(x))))))
        return torch.cat([x, new], 1)


class Transition(nn.Sequential):
    def __init__(self, cin, cout):
        super().__init__()
        self.add_module('norm', nn.BatchNorm2d(cin))
        self.add_module('relu', nn.ReLU())
        self.add_module('conv', nn.Conv2d(cin, cout, 1, bias=False))
        self.add_module('pool', nn.AvgPool2d(2))


class DenseNet(nn.Module):
    """Two dense blocks of two layers (growth 4, bottleneck 4x) around a transition that halves channels."""

    def __init__(self):
        super().__init__()
        self.conv0 = nn.Conv2d(3, 8, 3, padding=1, bias=False)
        self.block1 = nn.Sequential(DenseLayer(8, 4, 4), DenseLayer(12, 4, 4))
        self.trans1 = Transition(16, 8)
        self.block2 = nn.Sequential(DenseLayer(8, 4, 4), DenseLayer(12, 4, 4))
        self.norm5 = nn.BatchNorm2d(16)
        self.classifier = nn.Linear(16, 10)

    def forward(self, x):
        x = self.block2(self.trans1(self.block1(self.conv0(x))))
        x = torch.relu(self.norm5(x))
        return self.classifier(torch.flatten(nn.functional.adaptive_avg_pool2d(x, 1), 1))


class GRUTagger(nn.Module):
    """Embedding -> GRU -> Linear on the last step's output."""

    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(20, 8)
        self.rnn = nn.GRU(8, 16, batch_first=True)
        self.head = nn.Linear(16, 5)

    def forward(self, tokens):
        out, _ = self.rnn(self.embed(tokens))
        return self.head(out[:, -1])


class LSTMRegressor(nn.Module):
    """Two-layer LSTM with a Linear head on every step."""

    def __init__(self):
        super().__init__()
        self.rnn = nn.LSTM(6, 12, num_layers=2, batch_first=True)
        self.head = nn.Linear(12, 3)

    def forward(self, x):
        out, _ = self.rnn(x)
        return self.head(out)


def classes(n, k):
    return torch.randint(0, k, (n,))


CASES = [
    # name, model, inputs, loss, optimizer, scheduler, steps
    ('mlp_sgd_nesterov', mlp, lambda: (torch.randn(16, 10), classes(16, 4)), nn.CrossEntropyLoss,
     ('SGD', {'lr': 0.1, 'momentum': 0.9, 'nesterov': True, 'weightDecay': 1e-3}), ('StepLR', {'stepSize': 2, 'gamma': 0.5}), 5),
    ('vgg_adam', vgg, lambda: (torch.randn(4, 3, 10, 10), classes(4, 10)), nn.CrossEntropyLoss,
     ('Adam', {'lr': 1e-3}), None, 4),
    ('densenet_adamw', DenseNet, lambda: (torch.randn(4, 3, 8, 8), classes(4, 10)), nn.CrossEntropyLoss,
     ('AdamW', {'lr': 1e-2, 'weightDecay': 0.05}), ('CosineAnnealingLR', {'TMax': 4, 'etaMin': 1e-3}), 5),
    ('gru_rmsprop', GRUTagger, lambda: (torch.randint(0, 20, (6, 7)), classes(6, 5)), nn.CrossEntropyLoss,
     ('RMSprop', {'lr': 1e-2, 'alpha': 0.9, 'momentum': 0.5, 'centered': True, 'weightDecay': 1e-4}), None, 5),
    ('lstm_adagrad', LSTMRegressor, lambda: (torch.randn(4, 5, 6), torch.randn(4, 5, 3)), nn.MSELoss,
     ('Adagrad', {'lr': 0.05, 'lrDecay': 0.01, 'weightDecay': 1e-4, 'initialAccumulatorValue': 0.1}), None, 5),
]


def sample(v, cap, digits):
    """A tensor as flat values, or every k-th of them when it has more than `cap`."""
    flat = [float('%.*g' % (digits, f)) for f in v.detach().double().reshape(-1).tolist()]
    if v.numel() <= cap:
        return flat
    every = -(-v.numel() // cap)
    return {'shape': list(v.shape), 'every': every, 'values': flat[::every]}


def plain(v):
    if isinstance(v, torch.Tensor):
        if v.numel() == 1 and v.ndim == 0:
            return v.item()
        # 8 significant digits: within one float32 ulp, far inside the tests' tolerance, and a shorter JSON
        return sample(v, SAMPLE_OVER, 8)
    if isinstance(v, tuple):
        return list(v)
    return v


def state(model):
    return {k: v.detach().clone() for k, v in model.state_dict().items()}


def train(model, x, y, loss_cls, opt_spec, sched_spec, steps):
    opt = getattr(torch.optim, opt_spec[0])(model.parameters(), **kw(opt_spec[1]))
    sched = getattr(torch.optim.lr_scheduler, sched_spec[0])(opt, **kw(sched_spec[1])) if sched_spec else None
    loss_fn = loss_cls()
    losses, lrs = [], []
    for _ in range(steps):
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        lrs.append(opt.param_groups[0]['lr'])
        opt.step()
        if sched:
            sched.step()
        losses.append(loss.item())
    return opt, losses, lrs


def run(name, make, inputs, loss_cls, opt_spec, sched_spec, steps):
    torch.manual_seed(sum(map(ord, name)))  # a fixed seed per case, stable across runs
    model = make().train()
    x, y = inputs()
    init = state(model)
    write_safetensors(os.path.join(OUT, f'{name}.init.safetensors'), init)
    write_safetensors(os.path.join(OUT, f'{name}.inputs.safetensors'), {'x': x, 'y': y})
    opt, losses, lrs = train(model, x, y, loss_cls, opt_spec, sched_spec, steps)
    write_safetensors(os.path.join(OUT, f'{name}.final.safetensors'), state(model))
    sd = opt.state_dict()

    # the same run in float64 from the same start: float32 rounding (which Adam and RMSprop amplify where
    # gradients are tiny) drops out, so Flint's float64 run must agree to ~1e-10
    m64 = make().train()
    m64.load_state_dict(init)
    m64.double()
    as64 = lambda t: t.double() if t.is_floating_point() else t  # noqa: E731
    _, losses64, _ = train(m64, as64(x), as64(y), loss_cls, opt_spec, sched_spec, steps)

    record = {
        'case': name, 'torch': torch.__version__, 'steps': steps,
        'optimizer': {'type': opt_spec[0], 'options': opt_spec[1]},
        'scheduler': {'type': sched_spec[0], 'options': sched_spec[1]} if sched_spec else None,
        'losses': losses, 'lrs': lrs,
        'optimizerState': {
            'state': {str(k): {kk: plain(vv) for kk, vv in v.items()} for k, v in sd['state'].items()},
            'param_groups': [{k: plain(v) for k, v in g.items()} for g in sd['param_groups']],
        },
        'float64': {'losses': losses64, 'final': {k: sample(v, FLOAT64_SAMPLE, 13) for k, v in m64.state_dict().items()}},
    }
    with open(os.path.join(OUT, f'{name}.json'), 'w') as f:
        json.dump(record, f, separators=(',', ':'))
        f.write('\n')
    print(f'{name}: losses {[round(v, 5) for v in losses]}')


def main():
    os.makedirs(OUT, exist_ok=True)
    torch.set_num_threads(1)
    for c in CASES:
        run(*c)
    total = sum(os.path.getsize(os.path.join(OUT, f)) for f in os.listdir(OUT))
    print(f'wrote {len(os.listdir(OUT))} files, {total} bytes, to {os.path.relpath(OUT)}')
    assert total < 2_000_000, 'fixtures must stay under 2 MB'


if __name__ == '__main__':
    main()
