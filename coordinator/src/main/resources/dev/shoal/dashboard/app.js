// Shoal's dashboard: one Server-Sent Events stream (GET /events, or /events?job=ID in a job's view)
// read with fetch(), because EventSource cannot send the Authorization header. No library, no build.
'use strict';

const TOKEN_KEY = 'shoal.token';
const FINAL = new Set(['SUCCEEDED', 'COMPLETED_WITH_ERRORS', 'FAILED', 'CANCELLED']);
const RATE_WINDOW_MS = 10000;
const SVG = 'http://www.w3.org/2000/svg';

const $ = (id) => document.getElementById(id);
let token = sessionStorage.getItem(TOKEN_KEY);
let stream = null;          // the AbortController of the open stream
let backoffMs = 1000;
let retryTimer = null;
let last = null;            // the newest snapshot
const recent = new Map();   // job id -> [{t, done}] over the last RATE_WINDOW_MS, for a current rate

// --- the stream ---

function view() {
  const m = location.hash.match(/^#\/job\/([^/?#]+)/);
  return m ? { job: decodeURIComponent(m[1]) } : { job: null };
}

function auth() {
  return token ? { Authorization: 'Bearer ' + token } : {};
}

function connect() {
  if (stream) stream.abort();
  clearTimeout(retryTimer);
  const controller = new AbortController();
  stream = controller;
  const job = view().job;
  setConn('connecting', 'connecting…');
  read(job ? '/events?job=' + encodeURIComponent(job) : '/events', controller)
    .catch((e) => {
      if (controller.signal.aborted) return;
      retry('the stream broke: ' + (e && e.message ? e.message : e));
    });
}

async function read(url, controller) {
  const response = await fetch(url, { headers: auth(), signal: controller.signal, cache: 'no-store' });
  if (response.status === 401 || response.status === 403) {
    const why = await errorOf(response);
    controller.abort();
    askToken(token ? 'The token was refused: ' + why : 'This coordinator needs its API token (' + why + ').');
    return;
  }
  if (!response.ok) {
    retry('the coordinator answered ' + response.status + ': ' + await errorOf(response));
    return;
  }
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true }).replace(/\r\n?/g, '\n');
    let end;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      frame(buffer.slice(0, end));
      buffer = buffer.slice(end + 2);
    }
  }
  if (!controller.signal.aborted) retry('the coordinator closed the stream');
}

/** One SSE frame: "event:" and "data:" lines; a line starting with ":" is a keep-alive comment. */
function frame(text) {
  let type = 'message';
  const data = [];
  for (const line of text.split('\n')) {
    if (line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') type = value;
    else if (field === 'data') data.push(value);
  }
  if (data.length === 0) return;
  const body = JSON.parse(data.join('\n'));
  if (type === 'snapshot') {
    backoffMs = 1000;
    last = body;
    setConn('live', 'live · ' + clock(body.at));
    render();
  } else if (type === 'problem') {
    setConn('down', body.error);
  }
}

function retry(why) {
  const wait = backoffMs;
  backoffMs = Math.min(backoffMs * 2, 15000);
  setConn('down', why + '; retrying in ' + Math.round(wait / 1000) + ' s');
  clearTimeout(retryTimer);
  retryTimer = setTimeout(connect, wait);
}

async function errorOf(response) {
  try {
    const body = await response.json();
    return body.error || String(response.status);
  } catch (e) {
    return 'HTTP ' + response.status;
  }
}

function setConn(state, text) {
  const c = $('conn');
  c.dataset.state = state;
  c.textContent = text;
}

// --- the token ---

function askToken(why) {
  if (stream) stream.abort();
  $('token-why').textContent = why;
  $('token-form').hidden = false;
  $('token-input').value = '';
  $('token-input').focus();
  setConn('down', 'waiting for the API token');
}

$('token-form').addEventListener('submit', (e) => {
  e.preventDefault();
  const given = $('token-input').value.trim();
  if (!given) return;
  token = given;
  sessionStorage.setItem(TOKEN_KEY, token);
  $('token-form').hidden = true;
  $('token-change').hidden = false;
  notice(null);
  backoffMs = 1000;
  connect();
});

$('token-change').addEventListener('click', () => askToken('Enter another API token.'));

// --- cancelling ---

async function cancel(id) {
  let response;
  try {
    response = await fetch('/jobs/' + encodeURIComponent(id), { method: 'DELETE', headers: auth() });
  } catch (e) {
    notice('Could not cancel job ' + id + ': ' + e.message, 'error');
    return;
  }
  if (response.status === 403) {
    notice('This token may not cancel jobs: ' + await errorOf(response), 'error');
  } else if (response.status === 401) {
    askToken('The token was refused: ' + await errorOf(response));
  } else if (!response.ok) {
    notice('Could not cancel job ' + id + ': ' + await errorOf(response), 'error');
  } else {
    const s = await response.json();
    notice(s.state === 'CANCELLED' ? 'Job ' + id + ' cancelled.' : 'Job ' + id + ' had already ended: ' + s.state + '.');
  }
}

let noticeTimer = null;

/** Shows a message above the page; news goes after a while, an error stays until the next message. */
function notice(text, kind) {
  const n = $('notice');
  n.hidden = !text;
  n.textContent = text || '';
  n.dataset.kind = kind || 'info';
  clearTimeout(noticeTimer);
  if (text && kind !== 'error') noticeTimer = setTimeout(() => notice(null), 10000);
}

// --- rendering (text always through textContent: job messages and errors are user data) ---

function render() {
  if (!last) return;
  const v = view();
  $('overview').hidden = v.job !== null;
  $('job-view').hidden = v.job === null;
  trackRates(last.jobs.jobs, last.at);
  if (v.job === null) {
    renderCluster(last.cluster);
    renderJobs(last.jobs);
  } else if (last.job && last.job.status.id === v.job) {
    renderJob(last.job);
  } else {
    // the stream of this job has not answered yet, or the job is unknown: show nothing of another job
    $('jv-id').textContent = v.job;
    $('jv-missing').hidden = false;
    $('jv-missing').textContent = last.jobError || 'Loading…';
    for (const id of ['jv-progress', 'jv-facts', 'jv-plot', 'jv-workers']) replace($(id), []);
    replace($('jv-errors').tBodies[0], []);
    $('jv-state').textContent = '';
    $('jv-cancel').hidden = true;
    $('jv-message').hidden = true;
  }
}

function renderCluster(c) {
  const workers = c.workers;
  const slots = sum(workers, (w) => w.slots);
  const busy = sum(workers, (w) => w.busy);
  const unreachable = c.members.filter((m) => !m.reachable).length;
  const tiles = [
    [workers.length, 'workers'],
    [busy + ' / ' + slots, 'slots busy'],
    [int(sum(workers, (w) => w.held)), 'chunks held'],
    [int(sum(workers, (w) => Math.max(0, w.itemsDone))), 'items done by workers'],
    [c.members.length, 'members'],
    [unreachable, 'unreachable', unreachable > 0],
  ];
  replace($('cluster-summary'), tiles.map(([value, label, bad]) => el('div', { class: 'tile' + (bad ? ' bad' : '') },
    el('b', {}, String(value)), el('span', {}, label))));

  $('workers-empty').hidden = workers.length > 0;
  replace($('workers').tBodies[0], workers.map((w) => el('tr', { 'data-node': w.node },
    el('td', {}, w.node, w.draining ? el('span', { class: 'state' }, ' draining') : null),
    el('td', { class: 'num' }, String(w.slots)),
    el('td', {}, slotBoxes(w.busy, w.slots), ' ' + w.busy),
    el('td', { class: 'num wide' }, int(w.held)),
    el('td', { class: 'num' }, w.itemsDone < 0 ? '–' : int(w.itemsDone)),
    el('td', { class: 'num' }, ago(w.lastSeenMillisAgo)))));

  $('members-count').textContent = '(' + c.members.length + (unreachable ? ', ' + unreachable + ' unreachable)' : ', all reachable)');
  replace($('members').tBodies[0], c.members.map((m) => el('tr', {},
    el('td', { title: m.address }, m.address.replace(/^pekko:\/\/[^@]*@/, '') + (m.address === c.coordinator ? ' (coordinator)' : '')),
    el('td', {}, m.roles.join(', ')),
    el('td', {}, m.status),
    el('td', { class: m.reachable ? 'yes' : 'no' }, m.reachable ? 'yes' : 'no'))));
}

function slotBoxes(busy, slots) {
  const shown = Math.min(slots, 16);
  const box = el('span', { class: 'slots', title: busy + ' of ' + slots + ' slots busy' });
  for (let i = 0; i < shown; i++) box.appendChild(el('i', { class: i < busy ? 'on' : '' }));
  return box;
}

function renderJobs(page) {
  const counts = Object.entries(page.byState).map(([s, n]) => int(n) + ' ' + s.toLowerCase().replace(/_/g, ' '));
  const hidden = page.held - page.jobs.length;
  $('job-counts').textContent = counts.join(' · ') + (hidden > 0 ? ' — showing the newest ' + page.jobs.length : '');
  $('jobs-empty').hidden = page.jobs.length > 0;
  replace($('jobs').tBodies[0], page.jobs.map((j) => {
    const row = el('tr', { 'data-job': j.id, 'data-state': j.state, 'data-done': String(j.done) },
      el('td', {}, el('a', { href: '#/job/' + encodeURIComponent(j.id) }, j.id), el('div', { class: 'hint' }, j.function)),
      el('td', {}, el('span', { class: 'state ' + j.state }, label(j.state))),
      el('td', { class: 'grow' }, progress(j)),
      el('td', { class: 'num' }, rateText(rate(j))),
      el('td', { class: 'num' }, int(j.errors)),
      el('td', { class: 'num' }, eta(j)),
      el('td', { class: 'wide' }, clock(j.submittedAt)),
      el('td', { class: 'wide num' }, duration(j.jobMillis)),
      el('td', {}, FINAL.has(j.state) ? null : cancelButton(j.id)));
    row.addEventListener('click', () => { location.hash = '#/job/' + encodeURIComponent(j.id); });
    return row;
  }));
}

function cancelButton(id) {
  const b = el('button', { class: 'danger cancel', type: 'button' }, 'Cancel');
  b.addEventListener('click', (e) => { e.stopPropagation(); cancel(id); });
  return b;
}

function progress(j) {
  const pct = j.total > 0 ? Math.min(100, (100 * j.done) / j.total) : (FINAL.has(j.state) ? 100 : 0);
  const cls = 'bar' + (j.errors > 0 ? ' errors' : '') + (j.state === 'SUCCEEDED' ? ' ended' : '');
  const text = int(j.done) + ' / ' + (j.total >= 0 ? int(j.total) : '?') + (j.total > 0 ? ' (' + pct.toFixed(pct < 10 ? 1 : 0) + '%)' : '');
  return el('div', { class: cls, title: text }, el('i', { style: 'width:' + pct + '%' }), el('span', {}, text));
}

function renderJob(d) {
  const s = d.status;
  $('jv-missing').hidden = true;
  $('jv-id').textContent = s.id;
  const state = $('jv-state');
  state.className = 'state ' + s.state;
  state.textContent = label(s.state);
  replace($('jv-progress'), [progress(s)]);
  const facts = [
    ['Function', s.function],
    ['Items/s', rateText(rate(s))],
    ['ETA', eta(s)],
    ['Errors', int(s.errors)],
    ['Retried', int(s.retried)],
    ['Chunk size', d.chunkSize > 0 ? int(d.chunkSize) + ' items' : '–'],
    ['Re-sent chunks', int(d.resentChunks)],
    ['Lost workers', d.lostWorkers === 0 ? '0' : d.lostWorkers + ' (' + d.lostWorkerNodes.join(', ') + ')'],
    ['Priority · weight', s.priority + ' · ' + s.weight],
    ['Submitted', clock(s.submittedAt)],
    ['Started', clock(s.startedAt)],
    ['Finished', clock(s.finishedAt)],
    ['Took', duration(s.jobMillis)],
  ];
  replace($('jv-facts'), facts.map(([k, v]) => el('div', { 'data-fact': k }, el('dt', {}, k), el('dd', {}, v))));
  $('jv-message').hidden = !s.message;
  $('jv-message').textContent = s.message || '';
  const cancelling = $('jv-cancel');
  cancelling.hidden = FINAL.has(s.state);
  cancelling.onclick = () => cancel(s.id);

  const drawn = plot($('jv-plot'), d.throughput);
  $('jv-plot').toggleAttribute('hidden', drawn < 2); // an SVG element has no hidden property
  $('jv-plot-empty').hidden = drawn >= 2;
  $('jv-plot-empty').textContent = FINAL.has(s.state)
    ? 'The job ran too briefly for a plot (' + duration(s.jobMillis) + ').' : 'Waiting for the first samples…';

  const most = Math.max(1, ...d.workers.map((w) => w.items));
  const all = Math.max(1, sum(d.workers, (w) => w.items));
  $('jv-workers-empty').hidden = d.workers.length > 0;
  replace($('jv-workers'), d.workers.map((w) => el('div', { class: 'brow', 'data-node': w.node },
    el('span', { class: 'name', title: w.node }, w.node),
    el('div', { class: 'bar' }, el('i', { style: 'width:' + (100 * w.items) / most + '%' })),
    el('span', { class: 'val' }, int(w.items) + ' · ' + Math.round((100 * w.items) / all) + '%'))));

  $('jv-errors-empty').hidden = d.firstErrors.length > 0;
  replace($('jv-errors').tBodies[0], d.firstErrors.map((e) => el('tr', { 'data-index': String(e.index) },
    el('td', { class: 'num' }, String(e.index)),
    el('td', {}, e.type),
    el('td', { class: 'msg' }, e.message))));
}

/**
 * Items per second between samples, each over at least a second (progress moves a chunk at a time);
 * returns the number of points drawn (fewer than 2 draw nothing).
 */
function plot(svg, samples) {
  // measured on its card, which is never hidden (a hidden SVG measures 0)
  const box = svg.parentElement;
  const style = getComputedStyle(box);
  const inner = box.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
  const width = Math.max(280, Math.round(inner) || 640);
  const height = 240;
  const pad = { left: 56, right: 12, top: 12, bottom: 28 };
  svg.setAttribute('viewBox', '0 0 ' + width + ' ' + height);
  svg.setAttribute('preserveAspectRatio', 'xMinYMin meet');
  const points = [];
  let k = 0;
  for (let i = 1; i < samples.length; i++) {
    while (k < i - 1 && samples[i].at - samples[k + 1].at >= 1000) k++;
    const dt = samples[i].at - samples[k].at;
    if (dt > 0) points.push({ t: samples[i].at, r: ((samples[i].done - samples[k].done) * 1000) / dt });
  }
  const nodes = [];
  if (points.length >= 2) {
    const t0 = samples[0].at;
    const t1 = Math.max(points[points.length - 1].t, t0 + 1);
    const top = niceCeiling(Math.max(...points.map((p) => p.r)));
    const x = (t) => pad.left + ((t - t0) / (t1 - t0)) * (width - pad.left - pad.right);
    const y = (r) => height - pad.bottom - (r / top) * (height - pad.top - pad.bottom);
    for (const f of [0, 0.5, 1]) {
      nodes.push(svgEl('line', { class: f === 0 ? 'axis' : 'grid', x1: pad.left, x2: width - pad.right, y1: y(top * f), y2: y(top * f) }));
      nodes.push(svgEl('text', { x: pad.left - 6, y: y(top * f) + 4, 'text-anchor': 'end' }, rateText(top * f)));
    }
    nodes.push(svgEl('line', { class: 'axis', x1: pad.left, x2: pad.left, y1: pad.top, y2: height - pad.bottom }));
    for (const f of t1 - t0 >= 4000 ? [0, 0.5, 1] : [0, 1]) {
      const t = t0 + f * (t1 - t0);
      nodes.push(svgEl('text', { x: x(t), y: height - 8, 'text-anchor': f === 0 ? 'start' : f === 1 ? 'end' : 'middle' },
        f === 0 ? clock(t0) : '+' + duration(t - t0)));
    }
    nodes.push(svgEl('text', { x: pad.left + 6, y: pad.top + 10 }, 'items/s'));
    nodes.push(svgEl('polyline', { class: 'line', points: points.map((p) => x(p.t).toFixed(1) + ',' + y(p.r).toFixed(1)).join(' ') }));
    const radius = points.length > 120 ? 1.5 : 3;
    for (const p of points) {
      nodes.push(svgEl('circle', { class: 'pt', cx: x(p.t).toFixed(1), cy: y(p.r).toFixed(1), r: radius },
        svgEl('title', {}, rateText(p.r) + ' items/s at ' + clock(p.t))));
    }
  }
  replace(svg, nodes);
  return points.length;
}

function niceCeiling(v) {
  if (!(v > 0)) return 1;
  const p = Math.pow(10, Math.floor(Math.log10(v)));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

// --- rates and times ---

/** Remembers each shown job's progress over the last seconds, for a current rate rather than the average since submission. */
function trackRates(jobs, at) {
  const shown = new Set();
  for (const j of jobs) {
    shown.add(j.id);
    if (FINAL.has(j.state)) { recent.delete(j.id); continue; }
    const h = recent.get(j.id) || [];
    if (h.length === 0 || h[h.length - 1].t < at) h.push({ t: at, done: j.done });
    while (h.length > 2 && at - h[0].t > RATE_WINDOW_MS) h.shift();
    recent.set(j.id, h);
  }
  for (const id of recent.keys()) if (!shown.has(id) && !(last.job && last.job.status.id === id)) recent.delete(id);
}

function rate(j) {
  const h = recent.get(j.id);
  if (!FINAL.has(j.state) && h && h.length >= 2 && h[h.length - 1].t - h[0].t >= 1000) {
    return ((h[h.length - 1].done - h[0].done) * 1000) / (h[h.length - 1].t - h[0].t);
  }
  return j.itemsPerSecond;
}

function eta(j) {
  if (FINAL.has(j.state)) return '–';
  const r = rate(j);
  if (j.total < 0 || !(r > 0)) return '–';
  return duration(((j.total - j.done) / r) * 1000);
}

function label(state) {
  return state === 'COMPLETED_WITH_ERRORS' ? 'COMPLETED, ERRORS' : state;
}

function int(n) {
  return Math.round(n).toLocaleString('en-US');
}

function rateText(r) {
  if (!(r > 0)) return '0';
  return r < 10 ? r.toFixed(1) : int(r);
}

function duration(ms) {
  if (!(ms >= 0)) return '–';
  const s = ms / 1000;
  if (s < 60) return s.toFixed(s < 10 ? 1 : 0) + ' s';
  if (s < 3600) return Math.floor(s / 60) + ' min ' + String(Math.floor(s % 60)).padStart(2, '0') + ' s';
  return Math.floor(s / 3600) + ' h ' + String(Math.floor((s % 3600) / 60)).padStart(2, '0') + ' min';
}

function ago(ms) {
  return ms < 1000 ? Math.max(0, ms) + ' ms ago' : duration(ms) + ' ago';
}

function clock(ms) {
  if (!ms) return '–';
  const d = new Date(ms);
  const time = d.toLocaleTimeString('en-GB', { hour12: false });
  return d.toDateString() === new Date().toDateString() ? time : d.toLocaleDateString('en-CA') + ' ' + time;
}

// --- DOM helpers ---

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  for (const c of children) if (c !== null && c !== undefined) e.append(c);
  return e;
}

function svgEl(tag, attrs, ...children) {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  for (const c of children) if (c !== null && c !== undefined) e.append(c);
  return e;
}

/** Swaps in new children only when they differ, so a text selection or hover survives an unchanged second. */
function replace(parent, children) {
  const html = children.map((c) => (c.outerHTML !== undefined ? c.outerHTML : c.textContent)).join('');
  if (parent.innerHTML !== html) parent.replaceChildren(...children);
}

function sum(list, f) {
  return list.reduce((a, x) => a + f(x), 0);
}

// --- start ---

window.addEventListener('hashchange', () => {
  render();
  connect();
});
window.addEventListener('resize', render); // the plot is drawn to the page's width
$('token-change').hidden = !token;
render();
connect();
