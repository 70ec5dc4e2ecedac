"""GEMM throughput of PyTorch on the CPU (float32, all cores), the machine-limit column of
bench/kernels.bench.ts. usage: python3 bench/pytorch_gemm.py ['[[M,K,N], ...]']  (default [[1024,1024,1024]])
Prints one JSON line: {"torch", "threads", "blas": {...} (see torch_blas.py), "gemms": [{"shape", "gflops"}]}."""
import json, sys
from torch_blas import gemm_gflops, torch_facts, use_all_cores

use_all_cores()
shapes = json.loads(sys.argv[1]) if len(sys.argv) > 1 else [[1024, 1024, 1024]]
gemms = [{"shape": [m, k, n], "gflops": gemm_gflops(m, k, n)} for m, k, n in shapes]
print(json.dumps({**torch_facts(), "gemms": gemms}))
