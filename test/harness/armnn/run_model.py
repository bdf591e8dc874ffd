#!/usr/bin/python3
"""Runs a .tflite file through Arm NN's TFLite parser on the CpuRef backend (an independent runtime).

usage: run_model.py MODEL.tflite INPUT.f32 OUTPUT.f32
INPUT.f32 holds the float32 input in the model's input shape (NHWC, batch 1), little-endian;
OUTPUT.f32 receives the first output. Prints the input and output shapes as JSON on stdout.
"""
import json
import sys
import warnings

import numpy as np

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    import pyarmnn as ann


def main() -> int:
    model, inp, outp = sys.argv[1:4]
    parser = ann.ITfLiteParser()
    network = parser.CreateNetworkFromBinaryFile(model)
    in_name = parser.GetSubgraphInputTensorNames(0)[0]
    in_info = parser.GetNetworkInputBindingInfo(0, in_name)
    out_names = parser.GetSubgraphOutputTensorNames(0)
    out_infos = [parser.GetNetworkOutputBindingInfo(0, n) for n in out_names]
    runtime = ann.IRuntime(ann.CreationOptions())
    opt, _messages = ann.Optimize(network, [ann.BackendId("CpuRef")], runtime.GetDeviceSpec(), ann.OptimizerOptions())
    net_id, _ = runtime.LoadNetwork(opt)
    shape = tuple(in_info[1].GetShape()[i] for i in range(in_info[1].GetNumDimensions()))
    data = np.fromfile(inp, dtype="<f4").reshape(shape)
    inputs = ann.make_input_tensors([in_info], [data])
    outputs = ann.make_output_tensors(out_infos)
    runtime.EnqueueWorkload(net_id, inputs, outputs)
    result = ann.workload_tensors_to_ndarray(outputs)[0]
    result.astype("<f4").tofile(outp)
    print(json.dumps({"input": list(shape), "output": list(result.shape), "outputName": out_names[0]}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
