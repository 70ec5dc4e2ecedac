/** A tensor's values on the host, as checkpoints and state dicts hold them. */
export interface HostTensor {
  shape: number[];
  data: Float32Array;
}
