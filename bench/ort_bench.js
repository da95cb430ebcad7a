#!/usr/bin/env node
// ONNX Runtime (npm onnxruntime-node, CPU execution provider) for
// scripts/bench.sh: calibration ranges for bench/make_qdq_onnx.py, then
// accuracy and throughput of the float and QDQ int8 models. docs/benchmarks.md.
//
//   node ort_bench.js calib --ort DIR --model AUG.onnx --csv TRAIN.csv --rows 3200 --out RANGES.json
//   node ort_bench.js bench --ort DIR --float F.onnx --qdq Q.onnx --csv TEST.csv --threads 2 --out ORT.json
//        [--rows N] [--min-time SECONDS] [--reps N]
// DIR holds node_modules/onnxruntime-node (npm install --prefix DIR).
// Throughput: batch 64 = one session with `threads` intra-op threads; batch 1 =
// `threads` sessions of one thread each serving concurrent single-image
// streams (the emulator's method), plus one session of `threads` threads.
'use strict';
const fs = require('fs');
const path = require('path');

function die(msg) { process.stderr.write(`ort_bench: error: ${msg}\n`); process.exit(1); }
function args(argv) {
  const a = { mode: argv[0] };
  for (let i = 1; i < argv.length; i += 2) {
    if (!argv[i].startsWith('--') || i + 1 >= argv.length) die(`bad argument '${argv[i]}'`);
    a[argv[i].slice(2)] = argv[i + 1];
  }
  return a;
}

// label,pixel1..pixelN rows (header optional) -> {labels, pixels: Float32Array rows*N (x / 255)}
function readCsv(file, limit, n) {
  let text;
  try { text = fs.readFileSync(file, 'latin1'); } catch (e) { die(`${file}: ${e.message}`); }
  const lines = text.split('\n');
  const rows = [];
  for (let i = 0; i < lines.length && rows.length < limit; ++i) {
    const l = lines[i].trim();
    if (!l || !/^[0-9]/.test(l)) continue;
    const v = l.split(',');
    if (v.length !== n + 1) die(`${file}:${i + 1}: ${v.length} columns, expected ${n + 1}`);
    rows.push(v);
  }
  const labels = new Int32Array(rows.length), pixels = new Float32Array(rows.length * n);
  rows.forEach((v, r) => {
    labels[r] = +v[0];
    for (let k = 0; k < n; ++k) pixels[r * n + k] = (+v[k + 1]) / 255;
  });
  return { labels, pixels, count: rows.length };
}

async function session(ort, file, threads) {
  return ort.InferenceSession.create(file, {
    intraOpNumThreads: threads, interOpNumThreads: 1, executionMode: 'sequential',
    graphOptimizationLevel: 'all', executionProviders: ['cpu'],
  });
}

function batchTensor(ort, data, start, count) {
  return new ort.Tensor('float32', data.pixels.subarray(start * 784, (start + count) * 784), [count, 1, 28, 28]);
}

async function calib(ort, a) {
  const rows = +(a.rows || 3200);
  const data = readCsv(a.csv, rows, 784);
  const s = await session(ort, a.model, +(a.threads || 2));
  const ranges = {};
  for (let b = 0; b < data.count; b += 32) {
    const n = Math.min(32, data.count - b);
    const feeds = { [s.inputNames[0]]: batchTensor(ort, data, b, n) };
    const out = await s.run(feeds);
    const all = Object.assign({}, out, feeds);
    for (const [name, t] of Object.entries(all)) {
      let lo = Infinity, hi = -Infinity;
      for (const v of t.data) { if (v < lo) lo = v; if (v > hi) hi = v; }
      const r = ranges[name];
      ranges[name] = r ? [Math.min(r[0], lo), Math.max(r[1], hi)] : [lo, hi];
    }
  }
  fs.writeFileSync(a.out, JSON.stringify(ranges, null, 1));
  console.log(`ort_bench: ${Object.keys(ranges).length} tensor ranges from ${data.count} calibration rows -> ${a.out}`);
}

// `streams` sessions of 1 intra-op thread each, each serving its own stream of
// batch-1 requests concurrently (onnxruntime-node runs a session's run() off
// the JavaScript thread): what the emulator's "batch 1, 2 threads" measures.
async function streamsThroughput(ort, file, data, streams, minTime, reps) {
  const sess = [];
  for (let i = 0; i < streams; ++i) sess.push(await session(ort, file, 1));
  const feeds = sess.map((s, i) => ({ [s.inputNames[0]]: batchTensor(ort, data, i, 1) }));
  for (let i = 0; i < 3; ++i) await Promise.all(sess.map((s, k) => s.run(feeds[k])));
  const fps = [];
  for (let r = 0; r < reps; ++r) {
    const t0 = process.hrtime.bigint();
    const counts = await Promise.all(sess.map(async (s, k) => {
      let n = 0;
      while (Number(process.hrtime.bigint() - t0) / 1e9 < minTime) { await s.run(feeds[k]); ++n; }
      return n;
    }));
    const el = Number(process.hrtime.bigint() - t0) / 1e9;
    fps.push(counts.reduce((x, y) => x + y, 0) / el);
  }
  return { median: median(fps), all: fps };
}

function median(v) { const s = [...v].sort((x, y) => x - y); return s[Math.floor(s.length / 2)]; }

async function evaluate(ort, s, data) {
  let ok = 0;
  const classes = 10;
  for (let b = 0; b < data.count; b += 64) {
    const n = Math.min(64, data.count - b);
    const out = await s.run({ [s.inputNames[0]]: batchTensor(ort, data, b, n) });
    const y = out[s.outputNames[0]].data;
    for (let i = 0; i < n; ++i) {
      let best = 0;
      for (let c = 1; c < classes; ++c) if (y[i * classes + c] > y[i * classes + best]) best = c;
      ok += best === data.labels[b + i];
    }
  }
  return ok / data.count;
}

async function throughput(ort, s, data, batch, minTime, reps) {
  const t = batchTensor(ort, data, 0, Math.min(batch, data.count));
  const feeds = { [s.inputNames[0]]: t };
  for (let i = 0; i < 3; ++i) await s.run(feeds);  // warm-up
  const fps = [];
  for (let r = 0; r < reps; ++r) {
    let images = 0;
    const t0 = process.hrtime.bigint();
    let el = 0;
    while (el < minTime) {
      await s.run(feeds);
      images += t.dims[0];
      el = Number(process.hrtime.bigint() - t0) / 1e9;
    }
    fps.push(images / el);
  }
  return { median: median(fps), all: fps };
}

async function bench(ort, a) {
  const threads = +(a.threads || 2), minTime = +(a['min-time'] || 0.5), reps = +(a.reps || 5);
  const data = readCsv(a.csv, +(a.rows || 1e9), 784);
  if (data.count < 64) die(`${a.csv}: ${data.count} rows, need at least 64`);
  const version = require(path.join(path.resolve(a.ort), 'node_modules', 'onnxruntime-node', 'package.json')).version;
  const res = { onnxruntime_node_version: version, threads, images: data.count, min_time_s: minTime, repetitions: reps, models: {} };
  for (const [key, file] of [['float', a.float], ['qdq_int8', a.qdq]]) {
    const s = await session(ort, file, threads);
    const acc = await evaluate(ort, s, data);
    const b1 = await throughput(ort, s, data, 1, minTime, reps);
    const b64 = await throughput(ort, s, data, 64, minTime, reps);
    const b1s = await streamsThroughput(ort, file, data, threads, minTime, reps);
    res.models[key] = { file: path.basename(file), accuracy: acc,
                        fps_batch1: b1s.median, fps_batch64: b64.median, fps_batch1_one_stream: b1.median,
                        fps_batch1_all: b1s.all, fps_batch64_all: b64.all, fps_batch1_one_stream_all: b1.all };
    console.log(`ONNX Runtime ${version} ${key}: accuracy ${acc.toFixed(4)} on ${data.count} images; ` +
                `batch 1: ${b1s.median.toFixed(0)} images/s (${threads} streams x 1 thread), ` +
                `${b1.median.toFixed(0)} images/s (1 stream x ${threads} threads); ` +
                `batch 64: ${b64.median.toFixed(0)} images/s (${threads} threads); median of ${reps}`);
  }
  fs.writeFileSync(a.out, JSON.stringify(res, null, 2));
}

async function main() {
  const argv = process.argv.slice(2);
  if (!argv.length || argv[0] === '--help' || argv[0] === '-h') {
    console.log(fs.readFileSync(__filename, 'utf8').split('\n').slice(1, 12).map((l) => l.replace(/^\/\/ ?/, '')).join('\n'));
    return;
  }
  const a = args(argv);
  if (!a.ort) die('--ort DIR is required');
  let ort;
  try { ort = require(path.join(path.resolve(a.ort), 'node_modules', 'onnxruntime-node')); } catch (e) {
    die(`onnxruntime-node not found under ${a.ort} (npm install --prefix ${a.ort} --ignore-scripts onnxruntime-node): ${e.message}`);
  }
  if (a.mode === 'calib') return calib(ort, a);
  if (a.mode === 'bench') return bench(ort, a);
  die(`unknown mode '${a.mode}' (calib or bench)`);
}
main().catch((e) => die(e.message || String(e)));
