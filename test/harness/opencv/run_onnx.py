#!/usr/bin/python3
"""Runs an .onnx file through OpenCV's dnn module (its own ONNX importer and CPU kernels: a runtime
independent of onnxruntime).

usage: run_onnx.py MODEL.onnx INPUT.f32 N,C,H,W OUTPUT.f32
INPUT.f32 holds the float32 input in that shape, little-endian; OUTPUT.f32 receives the first
output. Prints the output shape as JSON on stdout.
"""
import json
import sys

import cv2
import numpy as np


def main() -> int:
    model, inp, shape, outp = sys.argv[1:5]
    net = cv2.dnn.readNetFromONNX(model)
    net.setPreferableBackend(cv2.dnn.DNN_BACKEND_OPENCV)
    net.setPreferableTarget(cv2.dnn.DNN_TARGET_CPU)
    data = np.fromfile(inp, dtype="<f4").reshape(tuple(int(d) for d in shape.split(",")))
    net.setInput(data)
    result = net.forward()
    result.astype("<f4").tofile(outp)
    print(json.dumps({"output": list(result.shape)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
