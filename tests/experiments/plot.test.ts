/** The accuracy plot's aggregation (mean and min–max band over seeds, ragged runs) and its y-range. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { accuracyPlot, fittedRange, methodCurves } from '../../experiments/plot.ts';
import type { RunRecord } from '../../experiments/summary.ts';

const run = (label: string, seed: number, points: [number, number][]): RunRecord => ({
  label, method: label === 'scratch' ? 'scratch' : 'net2net', seed, operatorFlops: 0, operatorLosses: [],
  evals: points.map(([flops, accuracy], step) => ({ step, flops, accuracy })), finalAccuracy: points.at(-1)![1], totalFlops: points.at(-1)![0], seconds: 1,
});

test('methodCurves: one curve per method, the mean over seeds with a min–max band; a run that stopped early counts while it lasts', () => {
  const curves = methodCurves([
    run('scratch', 0, [[0, 0.1], [10, 0.5], [20, 0.7]]), run('scratch', 1, [[0, 0.3], [10, 0.7], [20, 0.9]]),
    run('net2net', 0, [[0, 0.6], [10, 0.8]]), run('net2net', 1, [[0, 0.5], [10, 0.7], [20, 0.9]]),
  ]);
  assert.equal(curves.map((c) => c.label), ['scratch (2 seeds)', 'net2net (2 seeds)']);
  const near = (a: number, b: number) => Math.abs(a - b) < 1e-12;
  assert.ok(near(curves[0].points[1].y, 0.6) && curves[0].points[1].low === 0.5 && curves[0].points[1].high === 0.7);
  assert.equal(curves[1].points.map((p) => p.flops), [0, 10, 20]);
  assert.ok(near(curves[1].points[1].y, 0.75));
  assert.equal([curves[1].points[2].y, curves[1].points[2].low, curves[1].points[2].high], [0.9, 0.9, 0.9], 'only the full run at the last evaluation');
});

test('fittedRange: fitted to the curves past their first tenth of the FLOPs and to the reference lines', () => {
  const series = [{ label: 'a', points: [{ flops: 0, y: 0.1 }, { flops: 50, y: 0.84 }, { flops: 100, y: 0.87 }] }];
  assert.equal(fittedRange(series, [{ y: 0.86 }], 100), [0.83, 0.88]);
  assert.equal(fittedRange(series, [{ y: 0.8 }], 100), [0.79, 0.88], 'a line below the curves widens the range');
});

test('accuracyPlot: bands, the bar as a dashed line, the legend outside the axes, early points clipped', () => {
  const svg = accuracyPlot(methodCurves([run('scratch', 0, [[0, 0.1], [1e12, 0.8], [2e12, 0.86]]), run('scratch', 1, [[0, 0.1], [1e12, 0.82], [2e12, 0.87]])]),
    { title: 'A <title>', lines: [{ y: 0.865, label: 'bar 86.50%' }] });
  assert.match(svg, /<polygon points="[^"]+" fill="#000000" fill-opacity="0.12"/);
  assert.match(svg, /stroke-dasharray="4 3"[\s\S]*bar 86\.50%/);
  assert.match(svg, /<clipPath id="plot-area">[\s\S]*<g clip-path="url\(#plot-area\)">/);
  assert.match(svg, /A &#60;title&#62;/);
  const legendX = Number(svg.match(/<rect x="([\d.]+)" y="\d+" width="14"/)![1]);
  const axisRight = Number(svg.match(/<clipPath id="plot-area"><rect x="(\d+)" y="\d+" width="(\d+)"/)!.slice(1, 3).reduce((a, b) => String(Number(a) + Number(b))));
  assert.ok(legendX > axisRight, 'legend right of the plot area');
});

test.run();
