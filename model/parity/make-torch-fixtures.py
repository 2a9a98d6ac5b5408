#!/usr/bin/python3
"""Writes PyTorch parity fixtures for gruwatch's model/ core (test/fixtures/model/*.json).

The model is the anchor's GRU autoencoder (../../../shared/anchors/torch_gru_ae.py) built from
torch.nn.GRU and torch.nn.Linear: encoder GRU(C, H) -> final state -> decoder GRU(C, H) started
from it -> Linear(H, C); loss = MSE. The decoder is fed either the previous true sample (zeros at
t = 0; "teacher-forcing") or zeros at every step ("latent-only").

Each fixture holds, in float64 (weights are float32 values widened, so both precisions start from
the same numbers): the window batch x (B, T, C) batch-major, every state_dict tensor, the
reconstruction y (B, T, C), the loss, the gradient of every tensor and of x, and the parameters
after two Adam steps (lr 1e-2, gradient clipping by global norm 0.5) on the same batch.

Run with Debian's torch: /usr/bin/python3 model/parity/make-torch-fixtures.py [outdir]
"""
import json
import os
import sys

import torch
import torch.nn as nn

CASES = [
    # name, C, T, H, B, feeding, seed
    ("tiny-teacher-forcing", 3, 5, 4, 2, "teacher-forcing", 1),
    ("tiny-latent-only", 3, 5, 4, 2, "latent-only", 2),
    ("small-teacher-forcing", 8, 16, 12, 4, "teacher-forcing", 3),
    ("small-latent-only", 8, 16, 12, 4, "latent-only", 4),
]


class GruAutoencoder(nn.Module):
    def __init__(self, C, H, feeding):
        super().__init__()
        self.enc = nn.GRU(C, H)
        self.dec = nn.GRU(C, H)
        self.out = nn.Linear(H, C)
        self.feeding = feeding

    def forward(self, x):  # x: [T, B, C]
        _, h_t = self.enc(x)
        if self.feeding == "teacher-forcing":
            dec_in = torch.cat([torch.zeros_like(x[:1]), x[:-1]], 0)
        else:
            dec_in = torch.zeros_like(x)
        y, _ = self.dec(dec_in, h_t)
        return self.out(y)


def flat(t):
    return [float(v) for v in t.detach().reshape(-1).tolist()]


def make_case(name, C, T, H, B, feeding, seed):
    torch.manual_seed(seed)
    model = GruAutoencoder(C, H, feeding).double()  # float32 init values, widened
    x_bm = (torch.randn(B, T, C) * 0.8).double()
    state = {k: flat(v) for k, v in model.state_dict().items()}
    shapes = {k: list(v.shape) for k, v in model.state_dict().items()}

    x = x_bm.clone().requires_grad_(True)
    y = model(x.transpose(0, 1)).transpose(0, 1)  # back to (B, T, C)
    loss = ((y - x) ** 2).mean()
    loss.backward()
    grads = {k: flat(p.grad) for k, p in model.named_parameters()}

    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    for _ in range(2):
        opt.zero_grad(set_to_none=True)
        yy = model(x_bm.transpose(0, 1)).transpose(0, 1)
        l2 = ((yy - x_bm) ** 2).mean()
        l2.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 0.5)
        opt.step()
    after = {k: flat(v) for k, v in model.state_dict().items()}

    return dict(
        name=name, C=C, T=T, H=H, B=B, feeding=feeding, torch_version=torch.__version__,
        shapes=shapes, x=flat(x_bm), params=state, y=flat(y), loss=float(loss), grads=grads,
        dx=flat(x.grad), adam=dict(lr=1e-2, clip_norm=0.5, steps=2, params=after),
    )


def main():
    outdir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "..", "test", "fixtures", "model")
    os.makedirs(outdir, exist_ok=True)
    for case in CASES:
        fixture = make_case(*case)
        path = os.path.join(outdir, f"torch-parity-{case[0]}.json")
        with open(path, "w") as f:
            json.dump(fixture, f, separators=(",", ":"))
        print("wrote", os.path.normpath(path))


if __name__ == "__main__":
    main()
