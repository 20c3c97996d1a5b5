#!/usr/bin/env node
/**
 * Writes the small ONNX models the tests load through onnxruntime-node, encoding the ONNX protobuf by
 * hand (no onnx or protobuf package needed). Both are linear models:
 *
 *   fixtures/linear-features.onnx  input "features" float[N,3] -> sigmoid(x·W + b) -> "probability" float[N,1]
 *                                  W = [2.0, 1.5, 3.0], b = -2.0
 *   fixtures/linear-hashed.onnx    input "tokens" float[N,16] -> softmax(x·W + b) -> "classes" float[N,2]
 *                                  W[i] = [0.1·(i % 4), -0.1·(i % 3)], b = [0, 0.2]
 *
 * usage: node scripts/build-onnx-fixture.js   (run again to rebuild; the output is deterministic)
 */
const fs = require('node:fs');
const path = require('node:path');

// --- protobuf wire encoding (only what ONNX's messages need) ---
function varint(n) {
  const out = [];
  let v = BigInt(n);
  do {
    let byte = Number(v & 0x7fn);
    v >>= 7n;
    if (v > 0n) byte |= 0x80;
    out.push(byte);
  } while (v > 0n);
  return Buffer.from(out);
}
const key = (field, wire) => varint((field << 3) | wire);
const int = (field, n) => Buffer.concat([key(field, 0), varint(n)]);
const bytes = (field, buf) => Buffer.concat([key(field, 2), varint(buf.length), buf]);
const str = (field, s) => bytes(field, Buffer.from(s, 'utf8'));
const msg = (field, ...parts) => bytes(field, Buffer.concat(parts));

// --- ONNX messages (field numbers from onnx/onnx.proto) ---
const FLOAT = 1;
function dim(d) {
  return typeof d === 'number' ? msg(1, int(1, d)) : msg(1, str(2, d)); // TensorShapeProto.dim: dim_value | dim_param
}
function valueInfo(field, name, dims) {
  // ValueInfoProto{name=1, type=2{tensor_type=1{elem_type=1, shape=2{dim=1...}}}}
  return msg(field, str(1, name), msg(2, msg(1, int(1, FLOAT), msg(2, ...dims.map(dim)))));
}
function tensor(field, name, dims, values) {
  const raw = Buffer.alloc(values.length * 4);
  values.forEach((v, i) => raw.writeFloatLE(v, i * 4));
  // TensorProto{dims=1, data_type=2, name=8, raw_data=9}
  return msg(field, ...dims.map((d) => int(1, d)), int(2, FLOAT), str(8, name), bytes(9, raw));
}
function node(inputs, outputs, name, op, attributes = []) {
  // NodeProto{input=1, output=2, name=3, op_type=4, attribute=5}
  return msg(1, ...inputs.map((i) => str(1, i)), ...outputs.map((o) => str(2, o)), str(3, name), str(4, op), ...attributes);
}
function intAttribute(name, value) {
  // AttributeProto{name=1, i=3, type=20 (INT=2)}
  return msg(5, str(1, name), int(3, value), int(20, 2));
}
function model(graphParts) {
  // ModelProto{ir_version=1, producer_name=2, graph=7, opset_import=8{domain=1, version=2}}
  return Buffer.concat([int(1, 8), str(2, 'sluice-score-fixture'), msg(7, ...graphParts), msg(8, str(1, ''), int(2, 13))]);
}

function linearFeatures() {
  return model([
    node(['features', 'W'], ['xw'], 'matmul', 'MatMul'),
    node(['xw', 'b'], ['logit'], 'add', 'Add'),
    node(['logit'], ['probability'], 'sigmoid', 'Sigmoid'),
    str(2, 'linear-features'),
    tensor(5, 'W', [3, 1], [2.0, 1.5, 3.0]),
    tensor(5, 'b', [1], [-2.0]),
    valueInfo(11, 'features', ['N', 3]),
    valueInfo(12, 'probability', ['N', 1]),
  ]);
}

function linearHashed() {
  const W = [];
  for (let i = 0; i < 16; i++) W.push(0.1 * (i % 4), -0.1 * (i % 3));
  return model([
    node(['tokens', 'W'], ['xw'], 'matmul', 'MatMul'),
    node(['xw', 'b'], ['logits'], 'add', 'Add'),
    node(['logits'], ['classes'], 'softmax', 'Softmax', [intAttribute('axis', 1)]),
    str(2, 'linear-hashed'),
    tensor(5, 'W', [16, 2], W),
    tensor(5, 'b', [2], [0, 0.2]),
    valueInfo(11, 'tokens', ['N', 16]),
    valueInfo(12, 'classes', ['N', 2]),
  ]);
}

const dir = path.resolve(__dirname, '../fixtures');
fs.mkdirSync(dir, { recursive: true });
for (const [name, buf] of [['linear-features.onnx', linearFeatures()], ['linear-hashed.onnx', linearHashed()]]) {
  fs.writeFileSync(path.join(dir, name), buf);
  console.log(`wrote fixtures/${name} (${buf.length} bytes)`);
}
