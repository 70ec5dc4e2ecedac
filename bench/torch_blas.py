"""The BLAS a PyTorch process really runs on, for the benchmarks' notes and their refusal to compare against
the reference BLAS (bench/lib/blas.ts names and judges what this reports): the BLAS/LAPACK shared libraries
mapped after a GEMM ran (/proc/self/maps, symlinks resolved), OpenBLAS's own build string where OpenBLAS is
loaded, torch's BLAS_INFO, and the GFLOP/s of a 1024³ float32 GEMM. Also the GEMM timing that
bench/pytorch_gemm.py reports for other shapes."""
import ctypes, os, re, time
import torch

LIBRARY = re.compile(r'blas|lapack|mkl|blis|atlas', re.IGNORECASE)


def use_all_cores():
    torch.set_num_threads(os.cpu_count() or 1)


def gemm_gflops(m, k, n, samples=5):
    """float32 [m,k]×[k,n] GFLOP/s from the median of `samples` timings, each over enough products for ~1 GFLOP."""
    a, b, c = torch.randn(m, k), torch.randn(k, n), torch.empty(m, n)
    flops = 2 * m * k * n
    reps = max(1, round(1e9 / flops))
    torch.matmul(a, b, out=c)
    times = []
    for _ in range(samples):
        start = time.perf_counter()
        for _ in range(reps):
            torch.matmul(a, b, out=c)
        times.append((time.perf_counter() - start) / reps)
    return flops / sorted(times)[len(times) // 2] / 1e9


def mapped_libraries():
    paths = set()
    with open('/proc/self/maps') as maps:
        for line in maps:
            fields = line.split(None, 5)
            if len(fields) == 6 and fields[5].startswith('/') and LIBRARY.search(os.path.basename(fields[5].strip())):
                paths.add(os.path.realpath(fields[5].strip()))
    return sorted(paths)


def openblas_config(libraries):
    for path in libraries:
        if 'openblas' in os.path.basename(path).lower():
            try:
                get = ctypes.CDLL(path).openblas_get_config
                get.restype = ctypes.c_char_p
                return get().decode()
            except (OSError, AttributeError):
                pass
    return None


def blas_report():
    gflops = gemm_gflops(1024, 1024, 1024)
    libraries = mapped_libraries()
    info = re.search(r'BLAS_INFO=([^,\s]+)', torch.__config__.show())
    return {"libraries": libraries, "openblasConfig": openblas_config(libraries),
            "torchBlasInfo": info and info.group(1), "gemmGflops": gflops}


def torch_facts():
    """What every PyTorch child prints besides its measurements."""
    return {"torch": torch.__version__, "threads": torch.get_num_threads(), "blas": blas_report()}
