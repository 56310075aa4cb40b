// What the long tasks of a Chromium trace are made of. bench/ui_smoothness.mjs --trace DIR records
// one trace per phase (timeline + JS sampling categories) and prints this summary beside it:
// for every renderer main-thread task over 50 ms, its self time per trace event (script, style,
// layout, paint, GC, ...), and over all of them the JS functions the sampling profiler caught
// (self and inclusive). Build the web app unminified (vite build --minify false) for readable names.
//
//   node bench/ui_trace.mjs TRACE.json        # summary of a saved trace
import { readFileSync } from "node:fs";

/** Chromium's trace categories for a main-thread breakdown plus JS samples. */
export const TRACE_CATEGORIES = [
  "toplevel",
  "devtools.timeline",
  "disabled-by-default-devtools.timeline",
  "disabled-by-default-devtools.timeline.frame",
  "v8.execute",
  "disabled-by-default-v8.cpu_profiler",
  "blink.user_timing",
];

const LONG_TASK_US = 50_000;

function rendererMainThreads(events) {
  const threads = new Set();
  for (const event of events) {
    if (event.ph === "M" && event.name === "thread_name" && event.args?.name === "CrRendererMain") threads.add(`${event.pid}:${event.tid}`);
  }
  return threads;
}

/** Self time per event name inside one task: events nest by time on one thread. */
function selfTimes(task, inside) {
  const totals = new Map();
  const stack = [{ event: task, end: task.ts + task.dur, children: 0 }];
  const close = (until) => {
    while (stack.length > 1 && stack.at(-1).end <= until) {
      const done = stack.pop();
      totals.set(done.event.name, (totals.get(done.event.name) ?? 0) + done.event.dur - done.children);
      stack.at(-1).children += done.event.dur;
    }
  };
  for (const event of inside) {
    close(event.ts);
    stack.push({ event, end: event.ts + event.dur, children: 0 });
  }
  close(Infinity);
  const root = stack[0];
  totals.set("(task, unattributed)", root.event.dur - root.children);
  return totals;
}

function functionKey(frame) {
  const file = (frame.url || "").split("/").pop() || "(native)";
  return `${frame.functionName || "(anonymous)"} ${file}:${frame.lineNumber + 1}`;
}

/** JS samples per function (self and inclusive) that fall inside the given windows (microseconds). */
function sampledFunctions(events, windows) {
  const profiles = new Map();
  for (const event of events) {
    if (event.name === "Profile" && event.args?.data?.startTime !== undefined) {
      profiles.set(event.id, { time: event.args.data.startTime, nodes: new Map() });
    }
    if (event.name !== "ProfileChunk") continue;
    const profile = profiles.get(event.id);
    const data = event.args?.data;
    if (!profile || !data) continue;
    for (const node of data.cpuProfile?.nodes ?? []) profile.nodes.set(node.id, node);
    const samples = data.cpuProfile?.samples ?? [];
    const deltas = data.timeDeltas ?? [];
    profile.samples ??= [];
    for (let i = 0; i < samples.length; i++) {
      profile.time += deltas[i] ?? 0;
      profile.samples.push([profile.time, samples[i]]);
    }
  }
  const self = new Map();
  const inclusive = new Map();
  const inWindow = (time) => windows.some(([from, to]) => time >= from && time <= to);
  for (const profile of profiles.values()) {
    const samples = profile.samples ?? [];
    for (let i = 0; i < samples.length; i++) {
      const [time, id] = samples[i];
      if (!inWindow(time)) continue;
      const weight = (samples[i + 1]?.[0] ?? time) - time;
      let node = profile.nodes.get(id);
      if (!node) continue;
      const selfKey = functionKey(node.callFrame);
      self.set(selfKey, (self.get(selfKey) ?? 0) + weight);
      const seen = new Set();
      while (node) {
        const key = functionKey(node.callFrame);
        if (!seen.has(key)) {
          seen.add(key);
          inclusive.set(key, (inclusive.get(key) ?? 0) + weight);
        }
        node = node.parent !== undefined ? profile.nodes.get(node.parent) : undefined;
      }
    }
  }
  return { self, inclusive };
}

const top = (map, n) =>
  [...map]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([name, us]) => [name, Math.round(us / 100) / 10]);

/** The summary: long tasks (ms) with their biggest parts, and the JS functions inside them. */
export function summarizeTrace(trace) {
  const events = Array.isArray(trace) ? trace : trace.traceEvents;
  const threads = rendererMainThreads(events);
  const byThread = new Map();
  for (const event of events) {
    if (event.ph !== "X" || typeof event.dur !== "number" || !threads.has(`${event.pid}:${event.tid}`)) continue;
    const key = `${event.pid}:${event.tid}`;
    if (!byThread.has(key)) byThread.set(key, []);
    byThread.get(key).push(event);
  }
  const tasks = [];
  const overall = new Map();
  // Wall time includes the time the thread waited for a core; thread time (tdur) is the work itself.
  let wallUs = 0;
  let cpuUs = 0;
  let maxCpuUs = 0;
  let overCpu50 = 0;
  let overCpu100 = 0;
  for (const list of byThread.values()) {
    list.sort((a, b) => a.ts - b.ts || b.dur - a.dur);
    // The timeline categories wrap each task in "RunTask"; with "toplevel" alone it is the scheduler's.
    const taskName = list.some((event) => event.name === "RunTask") ? "RunTask" : "ThreadControllerImpl::RunTask";
    for (let i = 0; i < list.length; i++) {
      const task = list[i];
      if (task.name !== taskName) continue;
      wallUs += task.dur;
      cpuUs += task.tdur ?? 0;
      maxCpuUs = Math.max(maxCpuUs, task.tdur ?? 0);
      if ((task.tdur ?? 0) > 50_000) overCpu50++;
      if ((task.tdur ?? 0) > 100_000) overCpu100++;
      if (task.dur < LONG_TASK_US) continue;
      const end = task.ts + task.dur;
      const inside = [];
      for (let j = i + 1; j < list.length && list[j].ts < end; j++) if (list[j].ts + list[j].dur <= end) inside.push(list[j]);
      const parts = selfTimes(task, inside);
      for (const [name, us] of parts) overall.set(name, (overall.get(name) ?? 0) + us);
      tasks.push({ ts: task.ts, ms: Math.round(task.dur / 1000), parts: top(parts, 6) });
    }
  }
  const windows = tasks.map((t) => [t.ts, t.ts + t.ms * 1000]);
  const { self, inclusive } = sampledFunctions(events, windows);
  return {
    main_thread_wall_ms: Math.round(wallUs / 1000),
    main_thread_cpu_ms: Math.round(cpuUs / 1000),
    tasks_over_50ms_cpu: overCpu50,
    tasks_over_100ms_cpu: overCpu100,
    max_task_cpu_ms: Math.round(maxCpuUs / 1000),
    long_tasks: tasks.length,
    long_tasks_ms: tasks.map((t) => t.ms),
    parts_total_ms: top(overall, 12),
    js_self_ms: top(self, 20),
    js_inclusive_ms: top(inclusive, 30),
    worst: tasks.sort((a, b) => b.ms - a.ms).slice(0, 5).map(({ ms, parts }) => ({ ms, parts })),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const file of process.argv.slice(2)) {
    console.log(JSON.stringify({ trace: file, ...summarizeTrace(JSON.parse(readFileSync(file, "utf8"))) }, null, 1));
  }
}
