/**
 * Which BLAS a PyTorch child ran on (from what bench/torch_blas.py reports), and whether a ratio against it
 * means anything: Debian's python3-torch resolves libblas.so.3 to the reference (netlib) BLAS unless OpenBLAS
 * is installed, and then its GEMMs run ~100× slower than what PyTorch users get. Pure: no I/O.
 */

/** What bench/torch_blas.py prints under "blas". */
export interface TorchBlas {
  /** BLAS/LAPACK shared libraries mapped in the child after a GEMM ran, symlinks resolved */
  libraries: string[];
  /** openblas_get_config() where OpenBLAS is loaded */
  openblasConfig: string | null;
  /** BLAS_INFO from torch.__config__.show() (e.g. "mkl" where MKL is linked into torch itself) */
  torchBlasInfo: string | null;
  /** a 1024³ float32 GEMM in that process */
  gemmGflops: number;
}

/** The part every PyTorch child prints besides its measurements. */
export interface TorchFacts {
  torch: string;
  threads: number;
  blas: TorchBlas;
}

export type BlasKind = 'OpenBLAS' | 'MKL' | 'BLIS' | 'ATLAS' | 'reference' | 'unknown';

/** Below this 1024³ GEMM rate the child's BLAS is not what PyTorch users run, whatever its name. */
export const minGemmGflops = 20;

export const blasFix = 'bash scripts/setup.sh --bench (installs python3-torch and libopenblas0-pthread, and points libblas.so.3 at OpenBLAS)';

const basename = (path: string) => path.slice(path.lastIndexOf('/') + 1);

function kindOf(path: string): BlasKind | undefined {
  if (/openblas/i.test(path)) return 'OpenBLAS';
  if (/mkl/i.test(path)) return 'MKL';
  if (/blis/i.test(path)) return 'BLIS';
  if (/atlas/i.test(path)) return 'ATLAS';
  if (/^libblas\.so/.test(basename(path))) return 'reference';
  return undefined;
}

/**
 * Names the BLAS behind the child's GEMMs. The libblas.so.* it mapped is the one torch linked (its folder
 * tells which implementation Debian's alternatives chose); failing that, an optimised library mapped under
 * its own name; failing that, torch's BLAS_INFO (a BLAS linked statically into torch maps no library).
 */
export function describeBlas(blas: TorchBlas): { kind: BlasKind; name: string } {
  const linked = blas.libraries.find((p) => /^libblas\.so/.test(basename(p)));
  const path = linked ?? blas.libraries.find((p) => kindOf(p) !== undefined && kindOf(p) !== 'reference');
  if (!path) {
    const info = blas.torchBlasInfo ?? 'unknown';
    return /mkl/i.test(info) ? { kind: 'MKL', name: `MKL (linked into torch, BLAS_INFO=${info})` } : { kind: 'unknown', name: `unknown BLAS (no BLAS library mapped; torch BLAS_INFO=${info})` };
  }
  const kind = kindOf(path)!;
  if (kind === 'OpenBLAS') {
    const version = blas.openblasConfig?.match(/OpenBLAS (\S+)/)?.[1]
      ?? blas.libraries.map((p) => basename(p).match(/openblas\w*-r(\d[\w.]*?)\.so/)?.[1]).find(Boolean);
    const threading = path.match(/openblas-(pthread|openmp|serial)/)?.[1];
    return { kind, name: ['OpenBLAS', version, threading && `(${threading})`, path].filter(Boolean).join(' ') };
  }
  if (kind === 'reference') {
    const version = basename(path).match(/^libblas\.so\.(\d+\.\d+[\d.]*)$/)?.[1];
    return { kind, name: ['reference BLAS (netlib)', version, path].filter(Boolean).join(' ') };
  }
  return { kind, name: `${kind} ${path}` };
}

/** One line for a table's notes: torch version, threads and the BLAS by name (the same for every child of a run). */
export function torchNote(facts: TorchFacts): string {
  return `PyTorch ${facts.torch} on ${facts.threads} CPU threads, BLAS: ${describeBlas(facts.blas).name}.`;
}

export type Baseline = { comparable: true } | { comparable: false; reason: string };

/** Whether a ratio against this PyTorch means anything; if not, why, and how to fix the machine. */
export function pytorchBaseline(blas: TorchBlas): Baseline {
  const { kind, name } = describeBlas(blas);
  const slow = !(blas.gemmGflops >= minGemmGflops);
  if (kind !== 'reference' && !slow) return { comparable: true };
  // No measured rate in the text: one line serves every child of a run (the tables show the rates).
  const why = kind === 'reference' ? 'the reference BLAS: GEMMs 50–100× slower than OpenBLAS on the same cores' : `its 1024³ float32 GEMM ran under ${minGemmGflops} GFLOP/s`;
  return { comparable: false, reason: `No ratio against PyTorch: it ran on ${name} (${why}), not the optimised BLAS PyTorch users have. Fix: ${blasFix}.` };
}
