"""PyTorch side of bench/train-throughput.ts: builds the same network from the model-graph JSON
(shared/types/graph.ts semantics: NHWC graph, TF 'same' padding) and times training steps.

Protocol (stdin/stdout, one line each): the first line is {"graph": ..., "batch": N, "threads": T,
"device": "cpu"|"cuda" (optional)};
then each line "STEPS" runs STEPS timed steps (after one warm-up step the first time) and answers
the images per second. EOF ends it."""
import json
import math
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


def same_pad(x, k, s):
    h, w = x.shape[2], x.shape[3]
    ph = max((math.ceil(h / s) - 1) * s + k - h, 0)
    pw = max((math.ceil(w / s) - 1) * s + k - w, 0)
    return F.pad(x, (pw // 2, pw - pw // 2, ph // 2, ph - ph // 2))


class GraphNet(nn.Module):
    def __init__(self, g):
        super().__init__()
        self.g = g
        self.mods = nn.ModuleDict()
        ch = {"input": g["input"][2]}
        for n in g["nodes"]:
            a, op, key = n["attrs"], n["op"], n["id"].replace(".", "_")
            cin = ch[n["inputs"][0]]
            if op == "Conv2D":
                self.mods[key] = nn.Conv2d(cin, a["filters"], a["kernel"], a["stride"], bias=a.get("useBias", False))
            elif op == "DepthwiseConv2D":
                self.mods[key] = nn.Conv2d(cin, cin, a["kernel"], a["stride"], groups=cin, bias=a.get("useBias", False))
            elif op == "BatchNorm":
                self.mods[key] = nn.BatchNorm2d(cin, eps=a["epsilon"], momentum=1 - a["momentum"]) if len(n["shape"]) == 3 else nn.BatchNorm1d(cin)
            elif op == "Dense":
                self.mods[key] = nn.Linear(cin, a["units"], bias=a.get("useBias", True))
            ch[n["id"]] = n["shape"][-1]

    def forward(self, x):
        t = {"input": x}
        for n in self.g["nodes"]:
            a, op, key = n["attrs"], n["op"], n["id"].replace(".", "_")
            xs = [t[i] for i in n["inputs"]]
            x0 = xs[0]
            if op in ("Conv2D", "DepthwiseConv2D"):
                y = self.mods[key](same_pad(x0, a["kernel"], a["stride"]))
            elif op in ("BatchNorm", "Dense"):
                y = self.mods[key](x0)
            elif op == "ReLU":
                y = F.relu(x0)
            elif op == "ReLU6":
                y = F.relu6(x0)
            elif op == "Sigmoid":
                y = torch.sigmoid(x0)
            elif op == "Tanh":
                y = torch.tanh(x0)
            elif op == "Add":
                y = xs[0] + xs[1]
            elif op == "Mul":
                y = xs[0] * xs[1]
            elif op == "Concat":
                y = torch.cat(xs, 1)
            elif op == "GlobalAvgPool":
                y = x0.mean((2, 3), keepdim=a.get("keepDims", False))
            elif op in ("MaxPool", "AvgPool"):
                p = same_pad(x0, a["kernel"], a["stride"])
                y = F.max_pool2d(p, a["kernel"], a["stride"]) if op == "MaxPool" else F.avg_pool2d(p, a["kernel"], a["stride"])
            elif op == "Reshape":
                y = x0.permute(0, 2, 3, 1).flatten(1)
            elif op == "Zero":
                y = torch.zeros_like(x0)
            else:
                raise ValueError(op)
            t[n["id"]] = y
        return t[self.g["output"]]


def main():
    cfg = json.loads(sys.stdin.readline())
    torch.set_num_threads(cfg["threads"])
    torch.manual_seed(0)
    g, b = cfg["graph"], cfg["batch"]
    h, w, c = g["input"]
    dev = torch.device(cfg.get("device", "cpu"))
    net = GraphNet(g).to(dev)
    params = sum(p.numel() for p in net.parameters()) + sum(m.running_mean.numel() * 2 for m in net.modules() if isinstance(m, nn.BatchNorm2d))
    opt = torch.optim.Adam(net.parameters(), 1e-3)
    x = torch.randn(b, c, h, w, device=dev)
    y = torch.randint(0, g["classes"], (b,), device=dev)
    sync = torch.cuda.synchronize if dev.type == "cuda" else (lambda: None)

    def step():
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(net(x), y)
        loss.backward()
        opt.step()

    print(json.dumps({"ready": True, "params": params, "torch": torch.__version__}), flush=True)
    warm = False
    for line in sys.stdin:
        steps = int(line)
        if not warm:
            step()
            warm = True
        sync()
        t = time.perf_counter()
        for _ in range(steps):
            step()
        sync()
        print(json.dumps({"imagesPerSecond": steps * b / (time.perf_counter() - t)}), flush=True)


if __name__ == "__main__":
    main()
