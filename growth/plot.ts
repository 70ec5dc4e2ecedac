/** An SVG line chart of test accuracy against training FLOPs, one line per run. */
export interface Series {
  label: string;
  points: { flops: number; accuracy: number }[];
}

const palette = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf', '#7f7f7f', '#bcbd22'];

export function accuracyPlot(series: readonly Series[], title: string): string {
  const [width, height, left, right, top, bottom] = [760, 460, 70, 190, 40, 50];
  const all = series.flatMap((s) => s.points);
  const maxFlops = Math.max(...all.map((p) => p.flops), 1);
  const minAcc = Math.max(0, Math.floor(Math.min(...all.map((p) => p.accuracy)) * 10) / 10);
  const x = (f: number) => left + (f / maxFlops) * (width - left - right);
  const y = (a: number) => top + (1 - (a - minAcc) / (1 - minAcc)) * (height - top - bottom);
  const escape = (s: string) => s.replace(/[<>&"]/g, (c) => `&#${c.charCodeAt(0)};`);
  const grid: string[] = [];
  for (let i = 0; i <= 5; i++) {
    const f = (maxFlops * i) / 5;
    grid.push(`<line x1="${x(f)}" y1="${top}" x2="${x(f)}" y2="${height - bottom}" stroke="#eee"/><text x="${x(f)}" y="${height - bottom + 18}" font-size="11" text-anchor="middle">${(f / 1e12).toFixed(2)}</text>`);
    const a = minAcc + ((1 - minAcc) * i) / 5;
    grid.push(`<line x1="${left}" y1="${y(a)}" x2="${width - right}" y2="${y(a)}" stroke="#eee"/><text x="${left - 8}" y="${y(a) + 4}" font-size="11" text-anchor="end">${(100 * a).toFixed(0)}%</text>`);
  }
  const lines = series.map((s, i) => {
    const color = palette[i % palette.length];
    const path = s.points.map((p, k) => `${k ? 'L' : 'M'}${x(p.flops).toFixed(1)},${y(p.accuracy).toFixed(1)}`).join(' ');
    return `<path d="${path}" fill="none" stroke="${color}" stroke-width="2"/>` +
      `<rect x="${width - right + 15}" y="${top + 18 * i}" width="12" height="3" fill="${color}"/>` +
      `<text x="${width - right + 32}" y="${top + 18 * i + 5}" font-size="12">${escape(s.label)}</text>`;
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif">
<rect width="100%" height="100%" fill="white"/>
<text x="${left}" y="24" font-size="15">${escape(title)}</text>
${grid.join('\n')}
<line x1="${left}" y1="${height - bottom}" x2="${width - right}" y2="${height - bottom}" stroke="#333"/>
<line x1="${left}" y1="${top}" x2="${left}" y2="${height - bottom}" stroke="#333"/>
<text x="${(left + width - right) / 2}" y="${height - 12}" font-size="12" text-anchor="middle">training TFLOPs (operator training included)</text>
<text x="16" y="${(top + height - bottom) / 2}" font-size="12" transform="rotate(-90 16 ${(top + height - bottom) / 2})" text-anchor="middle">test accuracy</text>
${lines.join('\n')}
</svg>
`;
}
