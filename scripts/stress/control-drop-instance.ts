/**
 * Control for the stress suite: the known-bad pattern, on purpose. The object returned by Dawn's
 * `create()` is dropped after the device is made, then collected while a long dispatch and a mapAsync
 * are pending. Expected to die with SIGSEGV/SIGABRT; `npm run stress -- --control` checks that it does,
 * which shows the suite can see the crash that the runtime's design prevents.
 */
import { createRequire } from 'node:module';

const { create, globals } = createRequire(import.meta.url)('webgpu') as { create(flags: string[]): GPU; globals: object };
Object.assign(globalThis, globals);
const collectGarbage = (globalThis as { gc?: () => void }).gc;
if (!collectGarbage) throw new Error('run with node --expose-gc');

async function deviceWithoutInstanceReference(): Promise<GPUDevice> {
  const adapter = await create([]).requestAdapter();
  if (!adapter) throw new Error('no adapter');
  return adapter.requestDevice();
}

const device = await deviceWithoutInstanceReference();
const n = 1024;
const code = `
@group(0) @binding(0) var<storage, read_write> c: array<f32>;
@compute @workgroup_size(16, 16) fn main(@builtin(global_invocation_id) g: vec3u) {
  var acc = 0.0;
  for (var k = 0u; k < ${n}u; k++) { acc += c[(g.y * ${n}u + k) % ${n * n}u] * 0.5; }
  c[g.y * ${n}u + g.x] = acc;
}`;
const pipeline = device.createComputePipeline({ layout: 'auto', compute: { module: device.createShaderModule({ code }), entryPoint: 'main' } });
const data = device.createBuffer({ size: n * n * 4, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC });
const staging = device.createBuffer({ size: 16, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
const bindGroup = device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries: [{ binding: 0, resource: { buffer: data } }] });
for (let round = 0; round < 3; round++) {
  const encoder = device.createCommandEncoder();
  const pass = encoder.beginComputePass();
  pass.setPipeline(pipeline);
  pass.setBindGroup(0, bindGroup);
  pass.dispatchWorkgroups(n / 16, n / 16);
  pass.end();
  encoder.copyBufferToBuffer(data, 0, staging, 0, 16);
  device.queue.submit([encoder.finish()]);
  collectGarbage();
  await staging.mapAsync(GPUMapMode.READ);
  staging.unmap();
}
device.destroy();
console.log('control survived');
