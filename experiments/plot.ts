/**
 * SVG charts against training FLOPs: one curve per series (for an experiment, a method's mean over its seeds)
 * with a band from the lowest to the highest seed, horizontal reference lines (the bar), the legend outside
 * the axes, and a y-range fitted to where the curves differ (early points outside it are clipped).
 */
import type { RunRecord } from './summary.ts';

export interface CurvePoint {
  flops: number;
  y: number;
  low?: number;
  high?: number;
}

export interface Series {
  label: string;
  points: CurvePoint[];
  /** drawn dashed and thinner (e.g. a noisy training-loss trace under the evaluations) */
  faint?: boolean;
}

export interface ReferenceLine {
  y: number;
  label: string;
}

export interface PlotOptions {
  title: string;
  yLabel: string;
  /** 'percent': y is a fraction in [0, 1], printed as a percentage */
  yFormat: 'percent' | 'number';
  lines?: ReferenceLine[];
  xLabel?: string;
}

/**
 * Per method, the mean curve over its seeds with a min–max band of one evaluation metric (test accuracy
 * unless told): evaluation i of every seed is averaged
 * (a method's seeds share one evaluation schedule; a run that stopped early contributes while it lasts).
 */
export function methodCurves(runs: readonly RunRecord[], metric: (p: RunRecord['evals'][number]) => number | undefined = (p) => p.accuracy): Series[] {
  const labels = [...new Set(runs.map((r) => r.label))];
  return labels.map((label) => {
    const group = runs.filter((r) => r.label === label);
    const length = Math.max(...group.map((r) => r.evals.length));
    const points = Array.from({ length }, (_, i) => {
      const at = group.filter((r) => r.evals.length > i && Number.isFinite(metric(r.evals[i]))).map((r) => r.evals[i]);
      const values = at.map((p) => metric(p)!);
      return {
        flops: at.reduce((s, p) => s + p.flops, 0) / at.length, y: values.reduce((s, a) => s + a, 0) / at.length,
        low: Math.min(...values), high: Math.max(...values),
      };
    }).filter((p) => Number.isFinite(p.y));
    return { label: `${label} (${group.length} seed${group.length > 1 ? 's' : ''})`, points };
  });
}

const palette = ['#000000', '#d62728', '#1f77b4', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf', '#bcbd22', '#7f7f7f'];

/**
 * The y-range that holds the information: the curves after their first tenth of the FLOPs axis, and the
 * lines. Percentages round out to whole points within [0, 1]; other values get a 5 % margin.
 */
export function fittedRange(series: readonly Series[], lines: readonly { y: number }[], maxFlops: number, format: PlotOptions['yFormat'] = 'percent'): [number, number] {
  const late = series.flatMap((s) => s.points.filter((p) => p.flops >= 0.1 * maxFlops));
  const values = [...(late.length ? late : series.flatMap((s) => s.points)).map((p) => p.y), ...lines.map((l) => l.y)].filter(Number.isFinite);
  const [min, max] = [Math.min(...values), Math.max(...values)];
  if (format === 'number') {
    const margin = Math.max((max - min) * 0.05, Math.abs(max) * 1e-3, 1e-6);
    return [min - margin, max + margin];
  }
  const low = Math.max(0, Math.floor((min - 0.005) * 100) / 100);
  const high = Math.min(1, Math.ceil((max + 0.005) * 100) / 100);
  return high > low ? [low, high] : [Math.max(0, low - 0.01), Math.min(1, high + 0.01)];
}

const tick = (value: number, format: PlotOptions['yFormat']) => (format === 'percent' ? `${(100 * value).toFixed(1)}%` : Number(value.toPrecision(3)).toString());

export function curvePlot(series: readonly Series[], options: PlotOptions): string {
  const [width, height, left, right, top, bottom] = [820, 480, 70, 230, 40, 50];
  const lines = options.lines ?? [];
  const maxFlops = Math.max(...series.flatMap((s) => s.points.map((p) => p.flops)), 1);
  const [minY, maxY] = fittedRange(series, lines, maxFlops, options.yFormat);
  const x = (f: number) => left + (f / maxFlops) * (width - left - right);
  const y = (v: number) => top + (1 - (v - minY) / (maxY - minY)) * (height - top - bottom);
  const escape = (s: string) => s.replace(/[<>&"]/g, (c) => `&#${c.charCodeAt(0)};`);
  const grid: string[] = [];
  for (let i = 0; i <= 5; i++) {
    const f = (maxFlops * i) / 5;
    grid.push(`<line x1="${x(f)}" y1="${top}" x2="${x(f)}" y2="${height - bottom}" stroke="#eee"/><text x="${x(f)}" y="${height - bottom + 18}" font-size="11" text-anchor="middle">${(f / 1e12).toFixed(2)}</text>`);
    const v = minY + ((maxY - minY) * i) / 5;
    grid.push(`<line x1="${left}" y1="${y(v)}" x2="${width - right}" y2="${y(v)}" stroke="#eee"/><text x="${left - 8}" y="${y(v) + 4}" font-size="11" text-anchor="end">${tick(v, options.yFormat)}</text>`);
  }
  const xy = (f: number, v: number) => `${x(f).toFixed(1)},${y(v).toFixed(1)}`;
  const curves = series.map((s, i) => {
    const color = palette[i % palette.length];
    const path = s.points.filter((p) => Number.isFinite(p.y)).map((p, k) => `${k ? 'L' : 'M'}${xy(p.flops, p.y)}`).join(' ');
    const banded = s.points.filter((p) => p.low !== undefined && p.high !== undefined && p.high > p.low);
    const band = banded.length > 1
      ? `<polygon points="${[...banded.map((p) => xy(p.flops, p.high!)), ...[...banded].reverse().map((p) => xy(p.flops, p.low!))].join(' ')}" fill="${color}" fill-opacity="0.12" stroke="none"/>`
      : '';
    const stroke = s.faint ? 'stroke-width="1" stroke-opacity="0.6"' : 'stroke-width="2"';
    return `${band}<path d="${path}" fill="none" stroke="${color}" ${stroke}/>`;
  });
  const legend = [
    ...series.map((s, i) => `<rect x="${width - right + 15}" y="${top + 18 * i}" width="14" height="3" fill="${palette[i % palette.length]}"/><text x="${width - right + 34}" y="${top + 18 * i + 5}" font-size="12">${escape(s.label)}</text>`),
    ...lines.map((l, i) => `<line x1="${width - right + 15}" y1="${top + 18 * (series.length + i) + 2}" x2="${width - right + 29}" y2="${top + 18 * (series.length + i) + 2}" stroke="#555" stroke-dasharray="4 3"/><text x="${width - right + 34}" y="${top + 18 * (series.length + i) + 5}" font-size="12">${escape(l.label)}</text>`),
  ];
  const references = lines.map((l) => `<line x1="${left}" y1="${y(l.y)}" x2="${width - right}" y2="${y(l.y)}" stroke="#555" stroke-dasharray="4 3"/>`);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif">
<defs><clipPath id="plot-area"><rect x="${left}" y="${top}" width="${width - left - right}" height="${height - top - bottom}"/></clipPath></defs>
<rect width="100%" height="100%" fill="white"/>
<text x="${left}" y="24" font-size="15">${escape(options.title)}</text>
${grid.join('\n')}
<line x1="${left}" y1="${height - bottom}" x2="${width - right}" y2="${height - bottom}" stroke="#333"/>
<line x1="${left}" y1="${top}" x2="${left}" y2="${height - bottom}" stroke="#333"/>
<text x="${(left + width - right) / 2}" y="${height - 12}" font-size="12" text-anchor="middle">${escape(options.xLabel ?? 'training TFLOPs (operator training included)')}</text>
<text x="16" y="${(top + height - bottom) / 2}" font-size="12" transform="rotate(-90 16 ${(top + height - bottom) / 2})" text-anchor="middle">${escape(options.yLabel)}</text>
<g clip-path="url(#plot-area)">
${references.join('\n')}
${curves.join('\n')}
</g>
${legend.join('\n')}
</svg>
`;
}

/** An experiment's chart: test accuracy per method (mean over seeds, min–max band), the bar dashed. */
export function accuracyPlot(series: readonly Series[], options: { title: string; lines?: ReferenceLine[] }): string {
  return curvePlot(series, { ...options, yLabel: 'test accuracy (mean over seeds; band: min–max)', yFormat: 'percent' });
}
