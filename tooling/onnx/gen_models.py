"""Exports the ONNX models @flint/onnx's import tests check against ONNX Runtime (models nobody on the
project wrote: torchvision architectures with random weights, a GRU and an LSTM text classifier, a scripted
model with If/Loop, a small decoder with ConvTranspose/Resize/Pad). Run with Debian's torch:

    /usr/bin/python3 tooling/onnx/gen_models.py

Writes packages/onnx/fixtures/models/*.onnx (kept small: reduced widths, 10 classes). The tests make their own
inputs and compare Flint with onnxruntime-node, so no outputs are stored."""
import os
import torch
import torch.nn as nn
import torchvision

OUT = os.path.join(os.path.dirname(__file__), '..', '..', 'packages', 'onnx', 'fixtures', 'models')
os.makedirs(OUT, exist_ok=True)
torch.manual_seed(0)


def export(name, model, args, opset, input_names, dynamic, script=False):
    model.eval()
    path = os.path.join(OUT, name + '.onnx')
    if script:
        model = torch.jit.script(model)
    torch.onnx.export(model, args, path, opset_version=opset, input_names=input_names, output_names=['out'],
                      dynamic_axes=dynamic, do_constant_folding=True)
    print(name, os.path.getsize(path), 'bytes')


def randomize_bn(model):
    # fresh BatchNorm layers have mean 0 / var 1; give them statistics so the test sees them
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.running_mean.uniform_(-0.2, 0.2)
            m.running_var.uniform_(0.5, 1.5)


class TextClassifier(nn.Module):
    def __init__(self, kind):
        super().__init__()
        self.emb = nn.Embedding(50, 16)
        rnn = nn.GRU if kind == 'gru' else nn.LSTM
        self.rnn = rnn(16, 24, num_layers=2, batch_first=True, bidirectional=(kind == 'gru'))
        self.fc = nn.Linear(24 * (2 if kind == 'gru' else 1), 3)

    def forward(self, ids):
        y, _ = self.rnn(self.emb(ids))
        return torch.log_softmax(self.fc(y[:, -1]), dim=-1)


class Decoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.up = nn.ConvTranspose2d(4, 6, 3, stride=2, padding=1, output_padding=1)
        self.conv = nn.Conv2d(6, 3, 3, padding=1)
        self.pool = nn.AvgPool2d(3, stride=2, padding=1, count_include_pad=False)

    def forward(self, x):
        y = torch.relu(self.up(x))
        y = nn.functional.interpolate(y, scale_factor=2.0, mode='bilinear', align_corners=False)
        y = nn.functional.pad(y, (1, 2, 0, 1), mode='reflect')
        y = self.conv(y)
        z = nn.functional.interpolate(y, scale_factor=2.0, mode='nearest')
        return torch.cat([self.pool(z).flatten(1), nn.functional.layer_norm(y, [27]).amax(dim=(2, 3))], dim=1)


class TextTransformer(nn.Module):
    """Embedding, one Transformer encoder layer (attention with a padding mask, GELU), mean pooling."""

    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(60, 32)
        self.pos = nn.Parameter(torch.randn(16, 1, 32) * 0.1)
        self.enc = nn.TransformerEncoderLayer(32, 4, 64, dropout=0.1, activation='gelu')
        self.fc = nn.Linear(32, 4)

    def forward(self, ids):
        x = self.emb(ids).transpose(0, 1)
        x = x + self.pos[: x.shape[0]]
        y = self.enc(x, src_key_padding_mask=ids == 0)
        return self.fc(y.mean(dim=0))


class TextCnn(nn.Module):
    """Kim-style text CNN: Conv1d of two widths over embeddings, max over time."""

    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(60, 16)
        self.convs = nn.ModuleList([nn.Conv1d(16, 8, k, padding=k // 2) for k in (3, 5)])
        self.fc = nn.Linear(16, 2)

    def forward(self, ids):
        x = self.emb(ids).transpose(1, 2)
        return self.fc(torch.cat([torch.relu(c(x)).amax(dim=2) for c in self.convs], dim=1))


class SmallCnn(nn.Module):
    """Opset 9 forms: Upsample, attribute axes, Softmax over a 2-D coercion, MaxPool ceil_mode."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3, stride=2, padding=1)
        self.bn = nn.BatchNorm2d(8)
        self.fc = nn.Linear(8 * 4 * 4, 10)

    def forward(self, x):
        y = nn.functional.max_pool2d(torch.relu(self.bn(self.conv(x))), 3, stride=2, ceil_mode=True)
        y = nn.functional.interpolate(y, scale_factor=2.0, mode='nearest')
        y = nn.functional.adaptive_avg_pool2d(y, 4)
        y = self.fc(y.flatten(1)).unsqueeze(1).squeeze(1)
        return torch.softmax(nn.functional.leaky_relu(y, 0.1).clamp(-2, 2), dim=1)


class Scripted(nn.Module):
    """A loop and a data-dependent branch, exported with torch.jit.script (ONNX Loop and If)."""

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(8, 8)

    def forward(self, x, n: int):
        h = x
        for _ in range(n):
            h = torch.tanh(self.fc(h))
        if bool(h.sum() > 0):
            h = h * 2
        else:
            h = h - 1
        return h


m = torchvision.models.mobilenet_v3_small(num_classes=10, width_mult=0.5)
randomize_bn(m)
export('mobilenet_v3_small', m, torch.randn(1, 3, 64, 64), 13, ['input'], {'input': {0: 'batch'}})

m = torchvision.models.shufflenet_v2_x0_5(num_classes=10)
randomize_bn(m)
export('shufflenet_v2_x0_5', m, torch.randn(1, 3, 64, 64), 17, ['input'], {'input': {0: 'batch'}})

export('small_cnn_opset9', SmallCnn(), torch.randn(1, 3, 16, 16), 9, ['input'], {'input': {0: 'batch'}})

export('gru_classifier', TextClassifier('gru'), torch.randint(0, 50, (2, 7)), 14, ['ids'], {'ids': {0: 'batch', 1: 'seq'}})
export('lstm_classifier', TextClassifier('lstm'), torch.randint(0, 50, (2, 7)), 11, ['ids'], {'ids': {0: 'batch', 1: 'seq'}})
export('decoder_resize', Decoder(), torch.randn(1, 4, 5, 6), 13, ['x'], {'x': {0: 'batch'}})
export('scripted_loop_if', Scripted(), (torch.randn(2, 8), 3), 16, ['x', 'n'], {'x': {0: 'batch'}}, script=True)
export('text_transformer', TextTransformer(), torch.randint(1, 60, (2, 9)), 14, ['ids'], {'ids': {0: 'batch', 1: 'seq'}})
export('text_cnn', TextCnn(), torch.randint(0, 60, (2, 9)), 13, ['ids'], {'ids': {0: 'batch', 1: 'seq'}})
