#!/usr/bin/env python3
"""The autoencoder of `nmfx autoencoder` in PyTorch on the CPU, for
tools/ae-bench.sh: the same model (sigmoid encoder, sigmoid decoder, mean
squared error, KL sparsity penalty, decoder projected onto >= 0 after every
Adam step), the same minibatch size, in float64 like nmfx. Prints one line
"torch THREADS seconds-per-epoch" per timed epoch."""
import argparse
import time

import h5py
import numpy as np
import torch

p = argparse.ArgumentParser()
p.add_argument("data")
p.add_argument("--threads", type=int, default=1)
p.add_argument("--epochs", type=int, default=3)
p.add_argument("-k", type=int, default=100)
p.add_argument("--batch-size", type=int, default=100)
p.add_argument("--beta", type=float, default=0.005)
p.add_argument("--target", type=float, default=0.05)
args = p.parse_args()
torch.set_num_threads(args.threads)
torch.manual_seed(0)
X = torch.from_numpy(h5py.File(args.data, "r")["X"][:].astype(np.float64))
m, n = X.shape
enc = torch.nn.Linear(n, args.k).double()
dec = torch.nn.Linear(args.k, n).double()
with torch.no_grad():
    dec.weight.clamp_(min=0)
opt = torch.optim.Adam(list(enc.parameters()) + list(dec.parameters()), lr=1e-3)
p_ = args.target
for epoch in range(args.epochs):
    start = time.perf_counter()
    order = torch.randperm(m)
    for b in range(0, m, args.batch_size):
        x = X[order[b:b + args.batch_size]]
        h = torch.sigmoid(enc(x))
        xhat = torch.sigmoid(dec(h))
        t = h.mean(0)
        kl = (p_ * torch.log(p_ / t) + (1 - p_) * torch.log((1 - p_) / (1 - t))).sum()
        loss = ((xhat - x) ** 2).mean() + args.beta * kl
        opt.zero_grad()
        loss.backward()
        opt.step()
        with torch.no_grad():
            dec.weight.clamp_(min=0)
    print(f"torch {args.threads} {time.perf_counter() - start:.3f} loss {loss.item():.5f}", flush=True)
