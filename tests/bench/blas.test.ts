/** The benches' BLAS naming and their refusal to print a ratio against PyTorch on a reference or slow BLAS. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { blasFix, describeBlas, minGemmGflops, pytorchBaseline, torchNote, type TorchBlas } from '../../bench/lib/blas.ts';

const lib = '/usr/lib/x86_64-linux-gnu';
// What bench/torch_blas.py reported on Debian bookworm's python3-torch with libopenblas0-pthread.
const openblas: TorchBlas = {
  libraries: [`${lib}/openblas-pthread/libblas.so.3`, `${lib}/openblas-pthread/liblapack.so.3`, `${lib}/openblas-pthread/libopenblasp-r0.3.21.so`],
  openblasConfig: 'OpenBLAS 0.3.21 NO_LAPACKE DYNAMIC_ARCH NO_AFFINITY SkylakeX MAX_THREADS=64',
  torchBlasInfo: 'generic',
  gemmGflops: 237.8,
};
// ... and with libblas.so.3 pointed at the reference BLAS (libblas3), LAPACK still OpenBLAS's.
const reference: TorchBlas = {
  libraries: [`${lib}/blas/libblas.so.3.11.0`, `${lib}/openblas-pthread/liblapack.so.3`, `${lib}/openblas-pthread/libopenblasp-r0.3.21.so`],
  openblasConfig: 'OpenBLAS 0.3.21 NO_LAPACKE DYNAMIC_ARCH NO_AFFINITY SkylakeX MAX_THREADS=64',
  torchBlasInfo: 'generic',
  gemmGflops: 3.1,
};

test('describeBlas: OpenBLAS by the libblas.so.3 torch linked, with version and threading', () => {
  assert.equal(describeBlas(openblas), { kind: 'OpenBLAS', name: `OpenBLAS 0.3.21 (pthread) ${lib}/openblas-pthread/libblas.so.3` });
  // Without openblas_get_config the version comes from the library's file name.
  assert.is(describeBlas({ ...openblas, openblasConfig: null }).name, `OpenBLAS 0.3.21 (pthread) ${lib}/openblas-pthread/libblas.so.3`);
  const openmp = { ...openblas, libraries: [`${lib}/openblas-openmp/libblas.so.3`, `${lib}/openblas-openmp/libopenblaso-r0.3.21.so`], openblasConfig: null };
  assert.is(describeBlas(openmp).name, `OpenBLAS 0.3.21 (openmp) ${lib}/openblas-openmp/libblas.so.3`);
});

test('describeBlas: the reference BLAS wins over an OpenBLAS mapped only for LAPACK', () => {
  assert.equal(describeBlas(reference), { kind: 'reference', name: `reference BLAS (netlib) 3.11.0 ${lib}/blas/libblas.so.3.11.0` });
  assert.is(describeBlas({ ...reference, libraries: [`${lib}/blas/libblas.so.3`] }).name, `reference BLAS (netlib) ${lib}/blas/libblas.so.3`);
});

test('describeBlas: MKL mapped, MKL linked into torch, and nothing known', () => {
  assert.equal(describeBlas({ ...openblas, libraries: ['/opt/intel/lib/libmkl_rt.so.2'], openblasConfig: null }), { kind: 'MKL', name: 'MKL /opt/intel/lib/libmkl_rt.so.2' });
  assert.equal(describeBlas({ libraries: [], openblasConfig: null, torchBlasInfo: 'mkl', gemmGflops: 300 }), { kind: 'MKL', name: 'MKL (linked into torch, BLAS_INFO=mkl)' });
  assert.is(describeBlas({ libraries: [], openblasConfig: null, torchBlasInfo: null, gemmGflops: 300 }).kind, 'unknown');
});

test('pytorchBaseline: a ratio against OpenBLAS; none against the reference BLAS, with the fix', () => {
  assert.equal(pytorchBaseline(openblas), { comparable: true });
  const refused = pytorchBaseline(reference);
  assert.is(refused.comparable, false);
  if (refused.comparable) return;
  assert.match(refused.reason, 'reference BLAS (netlib)');
  assert.match(refused.reason, 'No ratio against PyTorch');
  assert.match(refused.reason, blasFix);
  assert.match(blasFix, 'bash scripts/setup.sh --bench');
  // The reference BLAS is refused even when its GEMM happens to look fast enough.
  assert.is(pytorchBaseline({ ...reference, gemmGflops: 500 }).comparable, false);
});

test('pytorchBaseline: any BLAS whose GEMM is under the floor (or not measured) is refused', () => {
  assert.is(pytorchBaseline({ ...openblas, gemmGflops: minGemmGflops }).comparable, true);
  const slow = pytorchBaseline({ ...openblas, gemmGflops: minGemmGflops - 1 });
  assert.is(slow.comparable, false);
  if (!slow.comparable) assert.match(slow.reason, `GEMM ran under ${minGemmGflops} GFLOP/s`);
  // One line for every child of a run: no measured rate in it.
  assert.equal(pytorchBaseline({ ...openblas, gemmGflops: 2 }), slow);
  assert.is(pytorchBaseline({ ...openblas, gemmGflops: NaN }).comparable, false);
  assert.is(pytorchBaseline({ libraries: [], openblasConfig: null, torchBlasInfo: null, gemmGflops: 3 }).comparable, false);
});

test('torchNote names torch, threads and the BLAS', () => {
  assert.is(torchNote({ torch: '1.13.0a0', threads: 2, blas: openblas }), `PyTorch 1.13.0a0 on 2 CPU threads, BLAS: OpenBLAS 0.3.21 (pthread) ${lib}/openblas-pthread/libblas.so.3.`);
});

test.run();
