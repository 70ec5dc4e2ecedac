/**
 * An SVG chart of test accuracy against training FLOPs: one curve per method (the mean over its seeds) with
 * a band from the lowest to the highest seed, horizontal reference lines (the bar), the legend outside the
 * axes, and a y-range fitted to where the curves differ (early points below it are clipped).
 */
import type { RunRecord } from './summary.ts';

export interface CurvePoint {
  flops: number;
  accuracy: number;
  low?: number;
  high?: number;
}

export interface Series {
  label: string;
  points: CurvePoint[];
}

export interface PlotOptions {
  title: string;
  lines?: { accuracy: number; label: string }[];
}

/**
 * Per method, the mean curve over its seeds with a min–max band: evaluation i of every seed is averaged
 * (a method's seeds share one evaluation schedule; a run that stopped early contributes while it lasts).
 */
export function methodCurves(runs: readonly RunRecord[]): Series[] {
  const labels = [...new Set(runs.map((r) => r.label))];
  return labels.map((label) => {
    const group = runs.filter((r) => r.label === label);
    const length = Math.max(...group.map((r) => r.evals.length));
    const points = Array.from({ length }, (_, i) => {
      const at = group.filter((r) => r.evals.length > i).map((r) => r.evals[i]);
      const accuracies = at.map((p) => p.accuracy);
      return {
        flops: at.reduce((s, p) => s + p.flops, 0) / at.length, accuracy: accuracies.reduce((s, a) => s + a, 0) / at.length,
        low: Math.min(...accuracies), high: Math.max(...accuracies),
      };
    });
    return { label: `${label} (${group.length} seed${group.length > 1 ? 's' : ''})`, points };
  });
}

const palette = ['#000000', '#d62728', '#1f77b4', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf', '#bcbd22', '#7f7f7f'];

/** The y-range that holds the information: the curves after their first tenth of the FLOPs axis, and the lines. */
export function accuracyRange(series: readonly Series[], lines: readonly { accuracy: number }[], maxFlops: number): [number, number] {
  const late = series.flatMap((s) => s.points.filter((p) => p.flops >= 0.1 * maxFlops));
  const values = [...(late.length ? late : series.flatMap((s) => s.points)).map((p) => p.accuracy), ...lines.map((l) => l.accuracy)];
  const low = Math.max(0, Math.floor((Math.min(...values) - 0.005) * 100) / 100);
  const high = Math.min(1, Math.ceil((Math.max(...values) + 0.005) * 100) / 100);
  return high > low ? [low, high] : [Math.max(0, low - 0.01), Math.min(1, high + 0.01)];
}

export function accuracyPlot(series: readonly Series[], options: PlotOptions): string {
  const [width, height, left, right, top, bottom] = [820, 480, 70, 230, 40, 50];
  const lines = options.lines ?? [];
  const maxFlops = Math.max(...series.flatMap((s) => s.points.map((p) => p.flops)), 1);
  const [minAcc, maxAcc] = accuracyRange(series, lines, maxFlops);
  const x = (f: number) => left + (f / maxFlops) * (width - left - right);
  const y = (a: number) => top + (1 - (a - minAcc) / (maxAcc - minAcc)) * (height - top - bottom);
  const escape = (s: string) => s.replace(/[<>&"]/g, (c) => `&#${c.charCodeAt(0)};`);
  const grid: string[] = [];
  for (let i = 0; i <= 5; i++) {
    const f = (maxFlops * i) / 5;
    grid.push(`<line x1="${x(f)}" y1="${top}" x2="${x(f)}" y2="${height - bottom}" stroke="#eee"/><text x="${x(f)}" y="${height - bottom + 18}" font-size="11" text-anchor="middle">${(f / 1e12).toFixed(2)}</text>`);
    const a = minAcc + ((maxAcc - minAcc) * i) / 5;
    grid.push(`<line x1="${left}" y1="${y(a)}" x2="${width - right}" y2="${y(a)}" stroke="#eee"/><text x="${left - 8}" y="${y(a) + 4}" font-size="11" text-anchor="end">${(100 * a).toFixed(1)}%</text>`);
  }
  const xy = (f: number, a: number) => `${x(f).toFixed(1)},${y(a).toFixed(1)}`;
  const curves = series.map((s, i) => {
    const color = palette[i % palette.length];
    const path = s.points.map((p, k) => `${k ? 'L' : 'M'}${xy(p.flops, p.accuracy)}`).join(' ');
    const banded = s.points.filter((p) => p.low !== undefined && p.high !== undefined && p.high > p.low);
    const band = banded.length > 1
      ? `<polygon points="${[...banded.map((p) => xy(p.flops, p.high!)), ...[...banded].reverse().map((p) => xy(p.flops, p.low!))].join(' ')}" fill="${color}" fill-opacity="0.12" stroke="none"/>`
      : '';
    return `${band}<path d="${path}" fill="none" stroke="${color}" stroke-width="2"/>`;
  });
  const legend = [
    ...series.map((s, i) => `<rect x="${width - right + 15}" y="${top + 18 * i}" width="14" height="3" fill="${palette[i % palette.length]}"/><text x="${width - right + 34}" y="${top + 18 * i + 5}" font-size="12">${escape(s.label)}</text>`),
    ...lines.map((l, i) => `<line x1="${width - right + 15}" y1="${top + 18 * (series.length + i) + 2}" x2="${width - right + 29}" y2="${top + 18 * (series.length + i) + 2}" stroke="#555" stroke-dasharray="4 3"/><text x="${width - right + 34}" y="${top + 18 * (series.length + i) + 5}" font-size="12">${escape(l.label)}</text>`),
  ];
  const references = lines.map((l) => `<line x1="${left}" y1="${y(l.accuracy)}" x2="${width - right}" y2="${y(l.accuracy)}" stroke="#555" stroke-dasharray="4 3"/>`);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif">
<defs><clipPath id="plot-area"><rect x="${left}" y="${top}" width="${width - left - right}" height="${height - top - bottom}"/></clipPath></defs>
<rect width="100%" height="100%" fill="white"/>
<text x="${left}" y="24" font-size="15">${escape(options.title)}</text>
${grid.join('\n')}
<line x1="${left}" y1="${height - bottom}" x2="${width - right}" y2="${height - bottom}" stroke="#333"/>
<line x1="${left}" y1="${top}" x2="${left}" y2="${height - bottom}" stroke="#333"/>
<text x="${(left + width - right) / 2}" y="${height - 12}" font-size="12" text-anchor="middle">training TFLOPs (operator training included)</text>
<text x="16" y="${(top + height - bottom) / 2}" font-size="12" transform="rotate(-90 16 ${(top + height - bottom) / 2})" text-anchor="middle">test accuracy (mean over seeds; band: min–max)</text>
<g clip-path="url(#plot-area)">
${references.join('\n')}
${curves.join('\n')}
</g>
${legend.join('\n')}
</svg>
`;
}
