"""Fixtures for @flint/autograd's function transforms (issue 16), from Debian's torch 1.13 and its functorch.

Run: /usr/bin/python3 tooling/func/gen_func.py
Writes packages/autograd/fixtures/func.json: inputs, and the results of grad, vjp, jvp, jacrev, jacfwd,
hessian, vmap and their compositions on a few functions (the same functions are written in the test), each
computed in float32 and in float64; and per-sample gradients of a small CNN (conv2d + relu + linear +
cross-entropy) by vmap(grad(functional_call(...))), checked here against a loop of torch.autograd.grad.
"""
import json
import os

import torch
import torch.nn.functional as F
from functorch import grad, hessian, jacfwd, jacrev, jvp, vjp, vmap
from torch.nn.utils.stateless import functional_call  # torch.func.functional_call in torch 2

OUT = os.path.join(os.path.dirname(__file__), '..', '..', 'packages', 'autograd', 'fixtures', 'func.json')


def enc(t):
    return {'shape': list(t.shape), 'data': t.detach().double().reshape(-1).tolist()}


# the functions under test (mirrored in packages/autograd/src/func/fixtures.test.ts)
def mlp(x, w, b):
    return torch.tanh(x @ w + b)


def scalar(x):
    return (torch.sin(x) * torch.exp(x)).sum() + (x * x).sum().sqrt()


def rows(x):
    return torch.softmax(x, -1) * torch.logsumexp(x, -1, keepdim=True)


class SmallCNN(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = torch.nn.Conv2d(1, 3, 3, padding=1)
        self.fc = torch.nn.Linear(3 * 5 * 5, 4)

    def forward(self, x):
        return self.fc(F.relu(self.conv(x)).flatten(1))


def cases(dtype):
    g = torch.Generator().manual_seed(0)
    r = lambda *s: torch.randn(*s, generator=g, dtype=torch.float64).to(dtype)
    x, w, b = r(3), r(3, 4), r(4)
    v, u = r(4), r(3)
    tw, tb = r(3, 4), r(4)
    s = r(5)
    m = r(2, 3)
    xb, sb = r(6, 3), r(6, 5)
    out = {'inputs': {k: enc(t) for k, t in dict(x=x, w=w, b=b, v=v, u=u, tw=tw, tb=tb, s=s, m=m, xb=xb, sb=sb).items()}}
    res = {}
    o, fn = vjp(mlp, x, w, b)
    res['vjp_mlp'] = [enc(o)] + [enc(t) for t in fn(v)]
    po, to = jvp(mlp, (x, w, b), (u, tw, tb))
    res['jvp_mlp'] = [enc(po), enc(to)]
    res['jacrev_mlp'] = [enc(t) for t in jacrev(mlp, argnums=(0, 1))(x, w, b)]
    res['jacfwd_mlp'] = [enc(t) for t in jacfwd(mlp, argnums=(0, 1))(x, w, b)]
    res['grad_scalar'] = [enc(grad(scalar)(s))]
    res['hessian_scalar'] = [enc(hessian(scalar)(s))]
    res['jacfwd_jacrev_scalar'] = [enc(jacfwd(jacrev(scalar))(s))]
    res['jacrev_rows'] = [enc(jacrev(rows)(m))]
    res['jacfwd_rows'] = [enc(jacfwd(rows)(m))]
    res['vmap_grad_scalar'] = [enc(vmap(grad(scalar))(sb))]
    res['vmap_mlp'] = [enc(vmap(mlp, in_dims=(0, None, None))(xb, w, b))]
    res['vmap_jacrev_mlp'] = [enc(vmap(jacrev(mlp), in_dims=(0, None, None))(xb, w, b))]
    res['vmap_vmap_rows'] = [enc(vmap(vmap(rows))(xb.reshape(2, 3, 3)))]
    res['vmap_rows_out1'] = [enc(vmap(rows, in_dims=1, out_dims=1)(xb.reshape(2, 3, 3)))]
    res['vmap_jvp_mlp'] = [enc(vmap(lambda t: jvp(lambda xx: mlp(xx, w, b), (x,), (t,))[1])(xb))]
    out['results'] = res

    # per-sample gradients of a small CNN
    torch.manual_seed(0)
    model = SmallCNN().to(dtype)
    params = {k: p.detach() for k, p in model.named_parameters()}
    images = r(6, 1, 5, 5)
    labels = torch.tensor([0, 3, 1, 2, 3, 0])

    def loss(p, img, label):
        logits = functional_call(model, p, (img.unsqueeze(0),))
        return F.cross_entropy(logits, label.unsqueeze(0))

    per = vmap(grad(loss), in_dims=(None, 0, 0))(params, images, labels)
    for i in range(len(images)):
        ps = {k: v.clone().requires_grad_() for k, v in params.items()}
        ref = torch.autograd.grad(loss(ps, images[i], labels[i]), list(ps.values()))
        for (k, a), c in zip(per.items(), ref):
            assert torch.allclose(a[i], c, atol=1e-6), k
    out['cnn'] = {
        'params': {k: enc(v) for k, v in params.items()},
        'images': enc(images), 'labels': labels.tolist(),
        'perSampleGrads': {k: enc(v) for k, v in per.items()},
        'losses': enc(vmap(loss, in_dims=(None, 0, 0))(params, images, labels)),
    }
    return out


json.dump({'torch': torch.__version__, 'float32': cases(torch.float32), 'float64': cases(torch.float64)}, open(OUT, 'w'))
print('wrote', OUT, os.path.getsize(OUT), 'bytes')
