#!/usr/bin/python3
"""Stand-in for TensorFlow Lite's benchmark_model on the emulated phone.

It really runs the model: the .tflite file is loaded by Arm NN's TFLite parser and executed on the
CpuRef backend; every timing printed is a measured wall-clock time of one inference. The output
follows the real tool's (TF >= 2.4) format: parameter lines, count= statistics with p5/median/p95,
the "Inference timings in us" summary and the memory footprint line, each with an "INFO: " prefix.

Delegates: XNNPACK (and the default CPU path) map to Arm NN CpuRef. GPU and NNAPI map to Arm NN
backends this build does not have (GpuAcc, EthosNAcc), so the tool says the delegate runs nothing
and falls back to the CPU -- the same silent fall-back the real tool reports.
Cost-model mode (FRONTIER_EMU_TIMING=cost, set by the emulated phone for tests that assert on
accuracy): the model is not run. Its operators are read from the flatbuffer and each gets a time from
a cost model of the op (a fixed dispatch cost plus FLOPs over a compute rate plus bytes moved over a
memory rate), every inference adds an invoke cost, and each run is multiplied by seeded log-normal
noise. The numbers depend only on the model, the flags, the cost model and the run counter
FRONTIER_EMU_RUN, never on how busy the host is; the tool sleeps for the simulated time so that it is
still "running" like a real one. Parameters: FRONTIER_EMU_COST, a JSON object with seed, gflops,
gbps, opUs, invokeUs, noise (see COST_DEFAULTS).
Self-contained on purpose: it is pushed to the device as a single file.
"""
import hashlib
import json
import math
import os
import random
import resource
import struct
import sys
import time
import warnings

FLAGS = {
    "graph": "", "num_threads": "1", "warmup_runs": "1", "num_runs": "50", "min_secs": "1", "max_secs": "150",
    "warmup_min_secs": "0.5", "use_xnnpack": "false", "use_gpu": "false", "use_nnapi": "false",
    "enable_op_profiling": "false", "run_delay": "-1",
}


def log(msg):
    sys.stdout.write("INFO: " + msg + "\n")
    sys.stdout.flush()


def rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


class Flat:
    """Just enough of a flatbuffer reader for a TFLite model's subgraph 0."""

    def __init__(self, b):
        self.b = b

    def u32(self, p):
        return struct.unpack_from("<I", self.b, p)[0]

    def field(self, table, idx):
        vt = table - struct.unpack_from("<i", self.b, table)[0]
        vlen = struct.unpack_from("<H", self.b, vt)[0]
        off = 4 + 2 * idx
        if off >= vlen:
            return None
        rel = struct.unpack_from("<H", self.b, vt + off)[0]
        return table + rel if rel else None

    def scalar(self, table, idx, fmt, default=0):
        p = self.field(table, idx)
        return default if p is None else struct.unpack_from("<" + fmt, self.b, p)[0]

    def vector(self, table, idx):
        """(start, length) of a vector field, or (0, 0)."""
        p = self.field(table, idx)
        if p is None:
            return 0, 0
        v = p + self.u32(p)
        return v + 4, self.u32(v)

    def ints(self, table, idx):
        start, n = self.vector(table, idx)
        return list(struct.unpack_from("<%di" % n, self.b, start)) if n else []

    def tables(self, table, idx):
        start, n = self.vector(table, idx)
        return [start + 4 * i + self.u32(start + 4 * i) for i in range(n)]


def count_operators(path):
    """Number of operators in subgraph 0, read straight from the flatbuffer."""
    with open(path, "rb") as f:
        fb = Flat(f.read())
    sgs = fb.tables(fb.u32(0), 2)
    return len(fb.tables(sgs[0], 3)) if sgs else 0


BUILTIN_NAMES = {0: "ADD", 1: "AVERAGE_POOL_2D", 2: "CONCATENATION", 3: "CONV_2D", 4: "DEPTHWISE_CONV_2D", 9: "FULLY_CONNECTED",
                 11: "L2_NORMALIZATION", 14: "LOGISTIC", 17: "MAX_POOL_2D", 18: "MUL", 19: "RELU", 21: "RELU6", 22: "RESHAPE",
                 25: "SOFTMAX", 28: "TANH", 34: "PAD", 36: "GATHER", 40: "MEAN", 41: "SUB", 45: "STRIDED_SLICE", 49: "SPLIT",
                 53: "CAST"}
COST_DEFAULTS = {"seed": 0, "gflops": 0.5, "gbps": 2.0, "opUs": 10.0, "invokeUs": 50.0, "noise": 0.03}


def model_ops(b):
    """(type name, FLOPs, bytes moved) of every operator of subgraph 0, in order."""
    fb = Flat(b)
    root = fb.u32(0)
    codes = []
    for oc in fb.tables(root, 1):
        code = fb.scalar(oc, 3, "i")
        codes.append(code if code else fb.scalar(oc, 0, "b"))
    sg = fb.tables(root, 2)[0]
    shapes = [fb.ints(t, 0) for t in fb.tables(sg, 0)]

    def size(i):
        return math.prod(shapes[i]) if 0 <= i < len(shapes) else 0

    out = []
    for op in fb.tables(sg, 3):
        code = codes[fb.scalar(op, 0, "I")]
        ins, outs = fb.ints(op, 1), fb.ints(op, 2)
        out_elems = sum(size(i) for i in outs)
        if code in (3, 4) and len(ins) > 1 and len(shapes[ins[1]]) == 4:  # CONV_2D [O,kh,kw,I] / DEPTHWISE [1,kh,kw,C]
            _, kh, kw, ci = shapes[ins[1]]
            flops = 2 * out_elems * kh * kw * (ci if code == 3 else 1)
        elif code == 9 and len(ins) > 1:  # FULLY_CONNECTED [units, in]
            flops = 2 * size(ins[1])
        elif code == 36:  # GATHER: copies the rows it looks up, not the whole table
            flops = out_elems
        else:
            flops = max(out_elems, sum(size(i) for i in ins[:1]))
        if code == 36:
            moved = 4 * (2 * out_elems + sum(size(i) for i in ins[1:]))
        else:
            moved = 4 * (sum(size(i) for i in ins if i >= 0) + out_elems)
        out.append((BUILTIN_NAMES.get(code, "OP_%d" % code), flops, moved))
    return out


def cost_model_main(path, on, log):
    """benchmark_model's run in cost-model mode (see the module doc): same output, simulated times."""
    cfg = dict(COST_DEFAULTS)
    cfg.update(json.loads(os.environ.get("FRONTIER_EMU_COST") or "{}"))
    with open(path, "rb") as f:
        b = f.read()
    try:
        ops = model_ops(b)
    except Exception as e:  # noqa: BLE001 - report like the real tool
        sys.stdout.write("ERROR: Failed to load model %s: %s\n" % (path, e))
        return 1
    op_us = [cfg["opUs"] + fl / (cfg["gflops"] * 1e3) + by / (cfg["gbps"] * 1e3) for _, fl, by in ops]
    base = cfg["invokeUs"] + sum(op_us)
    key = "%s|%s|%s|%s" % (cfg["seed"], os.environ.get("FRONTIER_EMU_RUN", "0"), hashlib.sha256(b).hexdigest(), " ".join(sys.argv[1:]))
    rng = random.Random(int(hashlib.sha256(key.encode()).hexdigest()[:16], 16))
    noise = float(cfg["noise"])

    def run():
        return base * math.exp(rng.gauss(0.0, noise)) if noise > 0 else base

    log("Loaded model %s" % path)
    log("Initialized TensorFlow Lite runtime.")
    for flag, name in (("use_gpu", "GPU"), ("use_nnapi", "NNAPI")):
        if on(flag):
            log("Created TensorFlow Lite delegate for %s." % name)
            sys.stdout.write("WARNING: the emulated phone has no %s; the model graph will not be executed by the delegate.\n" % name)
            log("Though %s delegate is explicitly applied, the model graph will not be executed by the delegate." % name)
    if not on("use_gpu") and not on("use_nnapi"):
        log("Created TensorFlow Lite XNNPACK delegate for CPU.")
        sys.stdout.write("VERBOSE: Replacing %d out of %d node(s) with delegate (TfLiteXNNPackDelegate) node, yielding 1 partitions for subgraph 0.\n" % (len(ops), len(ops)))
    init_us = 2000.0 + len(b) / 100.0
    log("The input model file size (MB): %g" % (len(b) / 1e6))
    log("Initialized session in %.3fms." % (init_us / 1000))
    warm = [run() for _ in range(max(1, int(FLAGS["warmup_runs"])))]
    runs = [run() for _ in range(max(1, int(FLAGS["num_runs"])))]
    # The phone is busy for the simulated time (sleeping costs the host nothing).
    time.sleep(min(float(FLAGS["max_secs"]), (init_us + sum(warm) + sum(runs)) / 1e6))
    log("Running benchmark for at least %s iterations and at least %s seconds but terminate if exceeding %s seconds." % (FLAGS["warmup_runs"], FLAGS["warmup_min_secs"], FLAGS["max_secs"]))
    line, warm_avg = stats_line(warm, with_first=len(warm) > 1)
    log(line)
    sys.stdout.write("\n")
    log("Running benchmark for at least %s iterations and at least %s seconds but terminate if exceeding %s seconds." % (FLAGS["num_runs"], FLAGS["min_secs"], FLAGS["max_secs"]))
    line, avg = stats_line(runs)
    log(line)
    sys.stdout.write("\n")
    log("Inference timings in us: Init: %d, First inference: %d, Warmup (avg): %g, Inference (avg): %g" % (init_us, warm[0], warm_avg, avg))
    log("Note: as the benchmark tool itself affects memory footprint, the following is only APPROXIMATE to the actual memory footprint of the model at runtime. Take the information at your discretion.")
    log("Memory footprint delta from the start of the tool (MB): init=%g overall=%g" % (len(b) / 1e6, 2 * len(b) / 1e6))
    if on("enable_op_profiling"):
        scale = avg / base
        print_rows([(name, name, [u * scale]) for (name, _, _), u in zip(ops, op_us)])
    return 0


def stats_line(xs, with_first=True):
    n = len(xs)
    s = sorted(xs)
    avg = sum(xs) / n
    std = math.sqrt(sum((x - avg) ** 2 for x in xs) / n)

    def pct(p):
        return s[min(n - 1, max(0, int(math.floor(p / 100.0 * (n - 1) + 0.5))))]

    parts = ["count=%d" % n]
    if with_first and n > 1:
        parts += ["first=%d" % xs[0], "curr=%d" % xs[-1], "min=%d" % s[0], "max=%d" % s[-1], "avg=%g" % avg, "std=%d" % std]
    else:
        parts += ["curr=%d" % xs[-1]]
    parts += ["p5=%d" % pct(5), "median=%d" % pct(50), "p95=%d" % pct(95)]
    return " ".join(parts), avg


def main(argv):
    for a in argv[1:]:
        if not a.startswith("--") or "=" not in a:
            sys.stderr.write("ERROR: Unconsumed cmdline flags: %s\n" % a)
            return 1
        k, v = a[2:].split("=", 1)
        if k not in FLAGS:
            sys.stderr.write("ERROR: Unconsumed cmdline flags: %s\n" % a)
            return 1
        FLAGS[k] = v
    on = lambda k: FLAGS[k].lower() in ("1", "true")
    start_rss = rss_mb()
    log("STARTING!")
    log("Log parameter values verbosely: [0]")
    log("Min num runs: [%s]" % FLAGS["num_runs"])
    log("Num threads: [%s]" % FLAGS["num_threads"])
    log("Min warmup runs: [%s]" % FLAGS["warmup_runs"])
    log("Graph: [%s]" % FLAGS["graph"])
    log("Enable op profiling: [%d]" % on("enable_op_profiling"))
    log("#threads used for CPU inference: [%s]" % FLAGS["num_threads"])
    if on("use_gpu"):
        log("Use gpu: [1]")
    if on("use_nnapi"):
        log("Use NNAPI: [1]")
    if on("use_xnnpack"):
        log("Use xnnpack: [1]")
    path = FLAGS["graph"]
    if not path or not os.path.isfile(path):
        sys.stdout.write("ERROR: Could not open '%s'.\nERROR: Failed to load model\n" % path)
        return 1
    if os.environ.get("FRONTIER_EMU_TIMING") == "cost":
        return cost_model_main(path, on, log)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        saved = os.dup(2)
        os.dup2(os.open(os.devnull, os.O_WRONLY), 2)  # pyarmnn prints parser notes on import
        try:
            import numpy as np
            import pyarmnn as ann
        finally:
            os.dup2(saved, 2)

    t0 = time.perf_counter()
    log("Loaded model %s" % path)
    try:
        parser = ann.ITfLiteParser()
        network = parser.CreateNetworkFromBinaryFile(path)
    except Exception as e:  # noqa: BLE001 - report like the real tool
        sys.stdout.write("ERROR: Failed to load model %s: %s\n" % (path, e))
        return 1
    n_ops = count_operators(path)
    runtime = ann.IRuntime(ann.CreationOptions())
    available = {str(b) for b in runtime.GetDeviceSpec().GetSupportedBackends()} if hasattr(runtime.GetDeviceSpec(), "GetSupportedBackends") else {"CpuRef"}
    log("Initialized TensorFlow Lite runtime.")
    for flag, name, backend in (("use_gpu", "GPU", "GpuAcc"), ("use_nnapi", "NNAPI", "EthosNAcc")):
        if on(flag):
            log("Created TensorFlow Lite delegate for %s." % name)
            if backend not in available:
                sys.stdout.write("WARNING: Arm NN backend %s is not available on this device.\n" % backend)
                log("Though %s delegate is explicitly applied, the model graph will not be executed by the delegate." % name)
    if not on("use_gpu") and not on("use_nnapi"):
        log("Created TensorFlow Lite XNNPACK delegate for CPU.")
        sys.stdout.write("VERBOSE: Replacing %d out of %d node(s) with delegate (ArmNNCpuRef) node, yielding 1 partitions for subgraph 0.\n" % (n_ops, n_ops))
    opt, _ = ann.Optimize(network, [ann.BackendId("CpuRef")], runtime.GetDeviceSpec(), ann.OptimizerOptions())
    net_id, _ = runtime.LoadNetwork(opt)
    in_name = parser.GetSubgraphInputTensorNames(0)[0]
    in_info = parser.GetNetworkInputBindingInfo(0, in_name)
    out_infos = [parser.GetNetworkOutputBindingInfo(0, n) for n in parser.GetSubgraphOutputTensorNames(0)]
    shape = tuple(in_info[1].GetShape()[i] for i in range(in_info[1].GetNumDimensions()))
    data = np.random.default_rng(0).uniform(-1, 1, size=shape).astype(np.float32)
    inputs = ann.make_input_tensors([in_info], [data])
    outputs = ann.make_output_tensors(out_infos)
    init_us = (time.perf_counter() - t0) * 1e6
    init_rss = rss_mb()
    log("The input model file size (MB): %g" % (os.path.getsize(path) / 1e6))
    log("Initialized session in %.3fms." % (init_us / 1000))

    def phase(min_runs, min_secs, max_secs):
        times = []
        begin = time.perf_counter()
        while True:
            t = time.perf_counter()
            runtime.EnqueueWorkload(net_id, inputs, outputs)
            times.append((time.perf_counter() - t) * 1e6)
            elapsed = time.perf_counter() - begin
            if (len(times) >= min_runs and elapsed >= min_secs) or elapsed >= max_secs:
                return times
            if float(FLAGS["run_delay"]) > 0:
                time.sleep(float(FLAGS["run_delay"]))

    max_secs = float(FLAGS["max_secs"])
    log("Running benchmark for at least %s iterations and at least %s seconds but terminate if exceeding %s seconds." % (FLAGS["warmup_runs"], FLAGS["warmup_min_secs"], FLAGS["max_secs"]))
    warm = phase(max(1, int(FLAGS["warmup_runs"])), float(FLAGS["warmup_min_secs"]), max_secs)
    line, warm_avg = stats_line(warm, with_first=len(warm) > 1)
    log(line)
    sys.stdout.write("\n")
    log("Running benchmark for at least %s iterations and at least %s seconds but terminate if exceeding %s seconds." % (FLAGS["num_runs"], FLAGS["min_secs"], FLAGS["max_secs"]))
    profiler = None
    if on("enable_op_profiling"):  # the regular runs only, like the real tool
        profiler = runtime.GetProfiler(net_id)
        profiler.EnableProfiling(True)
    runs = phase(max(1, int(FLAGS["num_runs"])), float(FLAGS["min_secs"]), max_secs)
    line, avg = stats_line(runs)
    log(line)
    sys.stdout.write("\n")
    log("Inference timings in us: Init: %d, First inference: %d, Warmup (avg): %g, Inference (avg): %g" % (init_us, warm[0], warm_avg, avg))
    log("Note: as the benchmark tool itself affects memory footprint, the following is only APPROXIMATE to the actual memory footprint of the model at runtime. Take the information at your discretion.")
    log("Memory footprint delta from the start of the tool (MB): init=%g overall=%g" % (init_rss - start_rss, rss_mb() - start_rss))
    if profiler is not None:
        print_op_profile(profiler)
    return 0


def print_op_profile(profiler):
    """The Arm NN profiler's per-workload wall-clock times, as TFLite's "Run Order" table (measured runs only)."""
    def times(event):
        for k, v in event.items():
            if k.startswith("Wall clock time_#") and isinstance(v, dict):
                return v.get("raw", [])
        return []

    root = json.loads(profiler.as_json())["ArmNN"]
    inference = next(v for k, v in root.items() if k.startswith("inference_measurements"))
    execute = next(v for k, v in inference.items() if k.startswith("Execute_#"))
    rows = []
    for k, v in execute.items():
        if isinstance(v, dict) and v.get("type") == "Event" and "_Execute_#" in k:
            t = times(v)
            if t:
                rows.append((k.split("_Execute_#")[0], k, t))
    print_rows(rows)


def print_rows(rows):
    """TFLite's "Run Order" table from (node type, name, times in us) rows."""
    total = sum(sum(t) / len(t) for _, _, t in rows) or 1.0
    sys.stdout.write("Operator-wise Profiling Info for Regular Benchmark Runs:\n")
    sys.stdout.write("============================== Run Order ==============================\n")
    sys.stdout.write("\t%24s\t%17s\t%9s\t%9s\t%8s\t%8s\t%10s\t%s\t%s\n" % ("[node type]", "[start]", "[first]", "[avg ms]", "[%]", "[cdf%]", "[mem KB]", "[times called]", "[Name]"))
    start = 0.0
    cdf = 0.0
    for i, (node_type, name, t) in enumerate(rows):
        avg = sum(t) / len(t) / 1000.0
        pct = 100.0 * avg * 1000.0 / total
        cdf += pct
        sys.stdout.write("\t%24s\t%17.3f\t%9.3f\t%9.3f\t%7.3f%%\t%7.3f%%\t%10.3f\t%9d\t[%s]:%d\n" % (node_type, start, t[0] / 1000.0, avg, pct, min(cdf, 100.0), 0.0, 1, name, i))
        start += avg
    sys.stdout.write("\n")


if __name__ == "__main__":
    sys.exit(main(sys.argv))
