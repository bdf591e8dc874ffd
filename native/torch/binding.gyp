{
  # The libtorch training engine. Built by scripts/build-native.mjs (npm install) when a libtorch is
  # found (see locate-libtorch.mjs); the app falls back to TensorFlow.js without it.
  "targets": [
    {
      "target_name": "frontier_torch",
      "sources": [
        "src/addon.cpp",
        "src/allocator.cpp",
        "src/gate.cpp",
        "src/jobs.cpp",
        "src/graph_net.cpp",
        "src/trainer.cpp",
        "src/model_object.cpp",
        "src/darts.cpp",
        "src/supernet.cpp",
        "src/supernet_object.cpp",
        "src/supernet_subnets.cpp"
      ],
      "include_dirs": [
        "<!(node -p \"require('node-addon-api').include_dir\")",
        "<!@(node locate-libtorch.mjs includes)"
      ],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS", "<!@(node locate-libtorch.mjs defines)"],
      # torch's headers need exceptions and RTTI, which node's common.gypi turns off.
      "cflags!": ["-fno-exceptions", "-fno-rtti"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti"],
      "cflags_cc": ["-std=c++17", "-fexceptions", "-frtti", "-O3", "-Wno-unused-parameter", "-Wno-deprecated-declarations"],
      "libraries": [
        "-L<!(node locate-libtorch.mjs libdir)",
        "-Wl,--no-as-needed",
        "<!@(node locate-libtorch.mjs libs)",
        "-Wl,--as-needed",
        "-Wl,-rpath,<!(node locate-libtorch.mjs libdir)",
        "-Wl,-rpath,'$$ORIGIN'",
        "-Wl,-rpath,'$$ORIGIN/libtorch'"
      ]
    }
  ]
}
