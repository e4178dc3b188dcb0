#!/usr/bin/python3
"""Time one training step (forward + loss + backward) of a Llama decoder in PyTorch on the CPU.

The reference for mirage's GoMLX trainer benchmark (train/model BenchmarkStepVsTorch): the same
architecture as train/arch (RMSNorm, RoPE in HF's rotate-half layout, grouped-query attention,
SwiGLU MLP, untied lm_head), written out here so it needs only torch (Debian python3-torch).

Usage: llama_step.py '{"hidden_size": 128, ...HF config...}' BATCH SEQ THREADS STEPS
Prints one JSON line: {"params": N, "s_per_step": median seconds, "torch": version}.
"""
import json
import math
import statistics
import sys
import time

import torch
import torch.nn.functional as F
from torch import nn


class RMSNorm(nn.Module):
    def __init__(self, d, eps):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(d))
        self.eps = eps

    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight


def rotate_half(x):
    half = x.shape[-1] // 2
    return torch.cat((-x[..., half:], x[..., :half]), dim=-1)


class Layer(nn.Module):
    def __init__(self, c):
        super().__init__()
        d, self.h, self.kv = c["hidden_size"], c["num_attention_heads"], c.get("num_key_value_heads", c["num_attention_heads"])
        self.e = d // self.h
        self.input_layernorm = RMSNorm(d, c.get("rms_norm_eps", 1e-6))
        self.post_attention_layernorm = RMSNorm(d, c.get("rms_norm_eps", 1e-6))
        self.q_proj = nn.Linear(d, self.h * self.e, bias=False)
        self.k_proj = nn.Linear(d, self.kv * self.e, bias=False)
        self.v_proj = nn.Linear(d, self.kv * self.e, bias=False)
        self.o_proj = nn.Linear(self.h * self.e, d, bias=False)
        f = c["intermediate_size"]
        self.gate_proj = nn.Linear(d, f, bias=False)
        self.up_proj = nn.Linear(d, f, bias=False)
        self.down_proj = nn.Linear(f, d, bias=False)

    def forward(self, x, cos, sin, mask):
        b, t, _ = x.shape
        h = self.input_layernorm(x)
        q = self.q_proj(h).view(b, t, self.h, self.e).transpose(1, 2)
        k = self.k_proj(h).view(b, t, self.kv, self.e).transpose(1, 2)
        v = self.v_proj(h).view(b, t, self.kv, self.e).transpose(1, 2)
        q, k = q * cos + rotate_half(q) * sin, k * cos + rotate_half(k) * sin
        k = k.repeat_interleave(self.h // self.kv, dim=1)
        v = v.repeat_interleave(self.h // self.kv, dim=1)
        scores = q @ k.transpose(-1, -2) / math.sqrt(self.e) + mask
        a = (scores.softmax(-1) @ v).transpose(1, 2).reshape(b, t, self.h * self.e)
        x = x + self.o_proj(a)
        h = self.post_attention_layernorm(x)
        return x + self.down_proj(F.silu(self.gate_proj(h)) * self.up_proj(h))


class Llama(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.c = c
        self.embed_tokens = nn.Embedding(c["vocab_size"], c["hidden_size"])
        self.layers = nn.ModuleList(Layer(c) for _ in range(c["num_hidden_layers"]))
        self.norm = RMSNorm(c["hidden_size"], c.get("rms_norm_eps", 1e-6))
        self.lm_head = nn.Linear(c["hidden_size"], c["vocab_size"], bias=False)

    def forward(self, ids):
        t = ids.shape[1]
        e = self.c["hidden_size"] // self.c["num_attention_heads"]
        inv = 1.0 / (self.c.get("rope_theta", 10000.0) ** (torch.arange(0, e, 2, dtype=torch.float64) / e))
        ang = torch.outer(torch.arange(t, dtype=torch.float64), inv)
        ang = torch.cat((ang, ang), dim=-1)
        cos, sin = ang.cos().float(), ang.sin().float()
        mask = torch.full((t, t), -1e9).triu(1)
        x = self.embed_tokens(ids)
        for layer in self.layers:
            x = layer(x, cos, sin, mask)
        return self.lm_head(self.norm(x))


def main():
    cfg, batch, seq, threads, steps = json.loads(sys.argv[1]), *map(int, sys.argv[2:6])
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    model = Llama(cfg)
    ids = torch.randint(cfg["vocab_size"], (batch, seq))
    targets = torch.randint(cfg["vocab_size"], (batch, seq))
    times = []
    for i in range(steps + 1):  # the first step warms up the allocator and is not counted
        start = time.perf_counter()
        model.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(ids).flatten(0, 1), targets.flatten(), reduction="sum")
        loss.backward()
        if i > 0:
            times.append(time.perf_counter() - start)
    params = sum(p.numel() for p in model.parameters())
    print(json.dumps({"params": params, "s_per_step": statistics.median(times), "torch": torch.__version__}))


if __name__ == "__main__":
    main()
