/**
 * Jest's node environment gives each test file its own typed-array constructors, but onnxruntime-node
 * creates its output tensors from native buffers of the main realm, so `instanceof Float32Array` fails
 * inside onnxruntime-common under Jest (not in a plain node process). Tests that run ONNX sessions use
 * this environment, which shares the main realm's typed arrays with the test.
 */
const { TestEnvironment } = require(require.resolve('jest-environment-node', { paths: [require.resolve('jest')] }));

const SHARED = ['ArrayBuffer', 'Float32Array', 'Float64Array', 'Int8Array', 'Int16Array', 'Int32Array', 'Uint8Array', 'Uint8ClampedArray', 'Uint16Array', 'Uint32Array', 'BigInt64Array', 'BigUint64Array'];

class OnnxEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    for (const name of SHARED) this.global[name] = globalThis[name];
  }
}

module.exports = OnnxEnvironment;
