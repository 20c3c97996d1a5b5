// Sluice live console: one WebSocket carries the alert feed and the figures behind the charts.
// Plain browser JavaScript, no build step. The token comes from #token=… or the login form and is kept
// for the session only; the cursor of the last alert seen is kept, so a reload resumes without a gap.
(function () {
  'use strict';
  const $ = (id) => document.getElementById(id);
  const MAX_ROWS = 500;
  const HISTORY = 90;
  const COLORS = ['#4fb3ff', '#8ef0a8', '#f0c04f', '#f08a4f', '#c792ea', '#ff4f6a', '#5bd1d7', '#d7d75b', '#9aa5b1'];

  const state = {
    token: null,
    ws: null,
    filter: {},
    cursor: localStorage.getItem('sluice.cursor') || null,
    shown: 0,
    retryMs: 500,
    series: { throughput: new Map(), lag: new Map(), latency: new Map() },
  };

  function tokenFromHash() {
    const m = /(?:^|[#&])token=([^&]+)/.exec(location.hash);
    if (!m) return null;
    history.replaceState(null, '', location.pathname + location.search);
    return decodeURIComponent(m[1]);
  }

  function setConnection(text, kind) {
    const el = $('connection');
    el.textContent = text;
    el.className = `pill pill-${kind}`;
  }

  async function login(token) {
    // The WebSocket API hides 401/403 from scripts; ask the API first so a bad token gets a clear message.
    const res = await fetch('api/stats', { headers: { Authorization: `Bearer ${token}` } });
    if (res.status === 401 || res.status === 403) {
      const body = await res.json().catch(() => ({}));
      throw new Error(`token refused (${res.status}${body.error ? `: ${body.error}` : ''})`);
    }
    state.token = token;
    sessionStorage.setItem('sluice.token', token);
    $('login').hidden = true;
    $('app').hidden = false;
    connect();
  }

  function connect() {
    const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
    const ws = new WebSocket(`${proto}//${location.host}/ws?token=${encodeURIComponent(state.token)}`);
    state.ws = ws;
    setConnection('connecting', 'wait');
    ws.onopen = () => {
      state.retryMs = 500;
      setConnection('live', 'on');
      subscribe();
    };
    ws.onmessage = (e) => onMessage(JSON.parse(e.data));
    ws.onclose = (e) => {
      if (state.ws !== ws) return;
      setConnection(`disconnected${e.code ? ` (${e.code}${e.reason ? ` ${e.reason}` : ''})` : ''}`, 'off');
      // Reconnect with the saved cursor: the service replays what was missed meanwhile.
      setTimeout(connect, state.retryMs);
      state.retryMs = Math.min(15000, state.retryMs * 2);
    };
  }

  function subscribe() {
    if (!state.ws || state.ws.readyState !== WebSocket.OPEN) return;
    const pipeline = $('pipeline-toggle').checked;
    state.ws.send(JSON.stringify({ type: 'subscribe', filter: state.filter, cursor: state.cursor || undefined, stats: true, pipeline }));
    if (!pipeline) {
      $('pipeline-live').textContent = 'off';
      fillTable('pipeline-events', []);
    }
  }

  function saveCursor(cursor) {
    if (!cursor) return;
    state.cursor = cursor;
    localStorage.setItem('sluice.cursor', cursor);
    $('cursor').textContent = `cursor ${cursor}`;
  }

  function onMessage(m) {
    switch (m.type) {
      case 'alert':
        addAlert(m);
        saveCursor(m.cursor);
        break;
      case 'subscribed':
        $('catchup').textContent = m.catchingUp ? 'catching up…' : '';
        if (!m.catchingUp) saveCursor(m.cursor);
        break;
      case 'caughtUp':
        $('catchup').textContent = m.replayed ? `${m.replayed} missed alert(s) replayed` : '';
        saveCursor(m.cursor);
        break;
      case 'acked': {
        const row = document.querySelector(`[data-alert-id="${CSS.escape(m.id)}"]`);
        if (row) {
          row.classList.add('acked');
          const b = row.querySelector('button');
          if (b) b.replaceWith(Object.assign(document.createElement('span'), { className: 'muted', textContent: `acked by ${m.by}` }));
        }
        break;
      }
      case 'stats':
        renderStats(m);
        break;
      case 'pipeline':
        // A view sent before the server saw the toggle go off must not switch it back on.
        if ($('pipeline-toggle').checked) renderPipeline(m);
        break;
      case 'gap':
        $('catchup').textContent = `alerts before offset ${m.available} of partition ${m.partition} have expired`;
        break;
      case 'error':
        $('catchup').textContent = `error: ${m.error}`;
        break;
    }
  }

  function addAlert(m) {
    const a = m.alert;
    const li = document.createElement('li');
    li.className = `alert sev-${a.severity}`;
    li.dataset.alertId = m.id;
    const time = new Date(m.timestamp).toLocaleTimeString();
    const tags = [a.severity, m.status === 'resurfaced' ? 'resurfaced' : 'new', m.replay ? 'missed' : null].filter(Boolean);
    li.innerHTML = `<span class="time"></span><span class="title"></span><span class="actions"></span><span class="meta"></span>`;
    li.querySelector('.time').textContent = time;
    const title = li.querySelector('.title');
    title.textContent = a.title;
    for (const t of tags) title.appendChild(Object.assign(document.createElement('span'), { className: 'tag', textContent: t }));
    li.querySelector('.meta').textContent = `${a.rule} · ${a.entity.type}: ${a.entity.value}${a.source ? ` · ${a.source}` : ''} · ${m.id}`;
    const ack = Object.assign(document.createElement('button'), { textContent: 'Ack', title: 'Acknowledge: the next firing shows again as new' });
    ack.onclick = () => state.ws && state.ws.send(JSON.stringify({ type: 'ack', id: m.id }));
    li.querySelector('.actions').appendChild(ack);
    const list = $('alerts');
    list.insertBefore(li, list.firstChild);
    while (list.children.length > MAX_ROWS) list.removeChild(list.lastChild);
    state.shown++;
    $('alert-count').textContent = String(state.shown);
  }

  function push(map, name, value) {
    if (!map.has(name)) map.set(name, []);
    const list = map.get(name);
    list.push(value);
    if (list.length > HISTORY) list.shift();
  }

  const fmt = (v, digits = 0) => (v === null || v === undefined ? '–' : Number(v).toFixed(digits));
  const shortTopic = (t) => t.replace(/^.*?sluice\./, '');

  function fillTable(id, rows) {
    const body = $(id).querySelector('tbody');
    body.replaceChildren(
      ...rows.map((cells) => {
        const tr = document.createElement('tr');
        for (const c of cells) tr.appendChild(Object.assign(document.createElement('td'), { textContent: c }));
        return tr;
      }),
    );
  }

  function renderStats(s) {
    for (const t of s.topics || []) push(state.series.throughput, shortTopic(t.topic), t.ratePerSec);
    fillTable('topics', (s.topics || []).map((t) => [shortTopic(t.topic), fmt(t.ratePerSec, 1), String(t.end)]));
    for (const g of s.groups || []) push(state.series.lag, g.stage, g.present ? g.lagRecords : null);
    fillTable('groups', (s.groups || []).map((g) => (g.present ? [g.group, String(g.lagRecords), fmt(g.lagSeconds, 1), fmt(g.drainRate, 1)] : [g.group, 'not started', '–', '–'])));
    for (const st of s.stages || []) push(state.series.latency, st.stage, st.p99Ms);
    fillTable('stages', (s.stages || []).map((st) => [st.stage, st.up ? fmt(st.p50Ms) : 'down', fmt(st.p99Ms), fmt(st.recordsInPerSec, 1)]));
    const dl = s.deadLetters || { inTopic: 0, byStage: {} };
    $('dlq-total').textContent = String(dl.inTopic);
    $('dlq-rate').textContent = dl.ratePerSec ? `(${fmt(dl.ratePerSec, 1)}/s)` : '';
    fillTable('dlq-stages', Object.entries(dl.byStage || {}).map(([stage, n]) => [stage, String(n)]));
    const n = s.notify || {};
    $('clients').textContent = String(n.clients ?? 0);
    $('evictions').textContent = String(n.evictions ?? 0);
    fillTable('webhooks', (n.webhooks || []).map((w) => [w.id, String(w.queued + w.inFlight), String(w.delivered), String(w.deadLettered), w.lastError || '']));
    drawChart($('chart-throughput'), state.series.throughput);
    drawChart($('chart-lag'), state.series.lag);
    drawChart($('chart-latency'), state.series.latency);
  }

  const STEPS = ['accepted', 'enriched', 'scored', 'persisted'];

  /** Per stage: what waits for it; per followed event: when it reached each step (ms after it was accepted). */
  function renderPipeline(p) {
    $('pipeline-live').textContent = p.live ? `following up to ${p.followed.max} events, ${p.followed.admitPerSecond} new/s` : 'starting…';
    fillTable('pipeline-stages', (p.stages || []).map((s) => [`${s.stage} (${s.step})`, fmt(s.queue), fmt(s.inFlight), fmt(s.lagSeconds, 1), fmt(s.ratePerSec, 1)]));
    const body = $('pipeline-events').querySelector('tbody');
    body.replaceChildren(
      ...(p.events || []).slice(0, 25).map((e) => {
        const tr = document.createElement('tr');
        tr.dataset.eventId = e.id;
        tr.appendChild(Object.assign(document.createElement('td'), { textContent: e.id.length > 28 ? `${e.id.slice(0, 12)}…${e.id.slice(-12)}` : e.id, title: e.id }));
        tr.appendChild(Object.assign(document.createElement('td'), { textContent: e.producer || '–' }));
        for (const step of STEPS) {
          const at = e[step];
          const done = at !== undefined && at !== null;
          const text = !done ? '○' : step === 'accepted' ? `● ${new Date(at).toLocaleTimeString()}` : `● +${Math.max(0, at - (e.accepted ?? at))} ms`;
          tr.appendChild(Object.assign(document.createElement('td'), { textContent: text, className: done ? `step-done step-${step}` : 'step-pending' }));
        }
        return tr;
      }),
    );
  }

  /** A small multi-series line chart on a canvas: auto-scaled y, legend, gaps for missing points. */
  function drawChart(canvas, series) {
    const ctx = canvas.getContext('2d');
    const w = canvas.width;
    const h = canvas.height;
    const pad = { l: 44, r: 8, t: 8, b: 18 };
    ctx.clearRect(0, 0, w, h);
    let max = 0;
    for (const values of series.values()) for (const v of values) if (v !== null && v > max) max = v;
    max = max <= 0 ? 1 : max * 1.1;
    ctx.strokeStyle = '#27313c';
    ctx.fillStyle = '#7d8b99';
    ctx.font = '10px system-ui';
    for (let i = 0; i <= 4; i++) {
      const y = pad.t + ((h - pad.t - pad.b) * i) / 4;
      ctx.beginPath();
      ctx.moveTo(pad.l, y);
      ctx.lineTo(w - pad.r, y);
      ctx.stroke();
      ctx.fillText(fmt(max * (1 - i / 4), max < 10 ? 1 : 0), 2, y + 3);
    }
    let i = 0;
    let legendX = pad.l;
    for (const [name, values] of series) {
      const color = COLORS[i++ % COLORS.length];
      ctx.strokeStyle = color;
      ctx.lineWidth = 1.5;
      ctx.beginPath();
      let drawing = false;
      values.forEach((v, k) => {
        if (v === null || v === undefined) {
          drawing = false;
          return;
        }
        const x = pad.l + ((w - pad.l - pad.r) * (k + HISTORY - values.length)) / (HISTORY - 1);
        const y = pad.t + (h - pad.t - pad.b) * (1 - v / max);
        if (drawing) ctx.lineTo(x, y);
        else ctx.moveTo(x, y);
        drawing = true;
      });
      ctx.stroke();
      ctx.fillStyle = color;
      ctx.fillText(name, legendX, h - 4);
      legendX += ctx.measureText(name).width + 12;
    }
  }

  $('filters').addEventListener('submit', (e) => {
    e.preventDefault();
    const form = new FormData(e.target);
    const list = (k) => String(form.get(k) || '').split(',').map((s) => s.trim()).filter(Boolean);
    state.filter = {};
    if (list('rules').length) state.filter.rules = list('rules');
    if (list('sources').length) state.filter.sources = list('sources');
    if (list('keywords').length) state.filter.keywords = list('keywords');
    if (form.get('minSeverity')) state.filter.minSeverity = form.get('minSeverity');
    $('alerts').replaceChildren();
    state.shown = 0;
    $('alert-count').textContent = '0';
    subscribe();
  });

  $('pipeline-toggle').addEventListener('change', () => subscribe());

  $('login-form').addEventListener('submit', (e) => {
    e.preventDefault();
    login($('token').value).catch((err) => ($('login-error').textContent = err.message));
  });

  const initial = tokenFromHash() || sessionStorage.getItem('sluice.token');
  if (initial) {
    login(initial).catch((err) => {
      $('login').hidden = false;
      $('login-error').textContent = err.message;
    });
  } else $('login').hidden = false;
})();
