// The supervisor page's behaviour (templates/supervisor.html); served as a file: the page's policy runs no inline script.
const csrf = document.querySelector('meta[name="csrf-token"]').content;
const headers = {"Content-Type": "application/json", "X-CSRFToken": csrf};
const cards = new Map(), pacing = new Map();
const labels = [["controller", "controller"], ["dial_level", "dial level"], ["lines", "lines"],
  ["calls_in_progress", "calls in progress"], ["agents_connected", "agents connected"],
  ["abandon_budget", "abandons still affordable"], ["hot_leads", "hot leads offered"],
  ["hot_leads_lost", "hot leads not taken in time (abandons)"], ["transcription_lag", "transcription lag (s)"]];
function text(node, selector, value) { node.querySelector(selector).textContent = value; }
let definitions = {};
function shown(value, unit) {
  if (value === null || value === undefined) return "—";
  if (unit === "ratio") return `${(value * 100).toFixed(1)} %`;
  if (unit === "seconds") return `${Math.round(value)} s`;
  return `${Math.round(value * 10) / 10}`;
}
function pairs(list, entries) {
  list.replaceChildren();
  for (const [label, value, cls] of entries) {
    const dt = document.createElement("dt"), dd = document.createElement("dd");
    dt.textContent = label; dd.textContent = value; if (cls) dd.className = cls;
    list.append(dt, dd);
  }
}
function figures(c) {
  const t = c.today, over = c.abandon_cap !== null && t.abandon_rate !== null && t.abandon_rate > c.abandon_cap;
  const cap = c.abandon_cap === null ? "" : ` of ${shown(c.abandon_cap, "ratio")} cap`;
  return [["dials today", t.dials], ["connects", `${t.connects} (${shown(t.connect_rate, "ratio")})`],
    ["live answers", t.live_answers], ["calls in the last hour", c.calls_per_hour],
    ["abandonment today", `${shown(t.abandon_rate, "ratio")}${cap}`, over ? "over-cap" : ""],
    ["abandonment, 30 days", shown(c.abandon_rate_30d, "ratio")],
    ["hot leads (A/B)", `${t.hot_leads} (${shown(t.hot_lead_yield, "ratio")} of live answers)`],
    ["hot leads waiting", c.hot_lead_waits.length ? `${c.hot_lead_waits.length}, longest ${Math.round(c.max_hot_lead_wait)} s` : "none"],
    ["taken over", t.taken_over], ["talk time", `${Math.round(t.talk_seconds / 60)} min`],
    ...(c.occupancy === undefined ? [] : [["agent occupancy", shown(c.occupancy, "ratio")],
      ["average wrap-up", shown(c.average_wrap_seconds, "seconds")]])];
}
const meaning = {A: "hot", B: "warm", C: "later", D: "declined", E: "opt-out", F: "unreachable"};
function tierMix(node, tiers) {
  node.querySelector(".tiers").replaceChildren(...Object.keys(meaning).map((tier) => {
    const span = document.createElement("span");
    span.textContent = `${tier} ${tiers[tier] || 0}`; span.title = meaning[tier];
    return span;
  }));
}
function since(seconds) { return seconds < 120 ? `${Math.round(seconds)} s` : `${Math.round(seconds / 60)} min`; }
function describe(t) {
  const d = definitions[t.kpi] || {unit: t.unit}, bound = t.higher_is_better ? "at least" : "at most";
  return [`${t.label}${t.campaign ? ` (${t.campaign})` : " (all campaigns)"}`, `${bound} ${shown(t.target, d.unit)}`,
    shown(t.actual, d.unit)];
}
function renderTargets(targets) {
  const body = document.querySelector("#targets tbody");
  body.replaceChildren(...targets.map((t) => {
    const row = document.createElement("tr");
    row.className = t.alert ? "alert" : t.missed_for_seconds > 0 ? "missed" : "";
    const state = t.alert ? `ALERT: missed for ${since(t.missed_for_seconds)}`
      : t.missed_for_seconds > 0 ? `missed for ${since(t.missed_for_seconds)} (alert after ${t.alert_after_minutes} min)`
      : t.actual === null ? "no calls yet" : "met";
    const [kpi, target, actual] = describe(t);
    for (const [value, cls] of [[t.campaign || "all", ""], [kpi, ""], [target, ""], [actual, "actual"], [state, "kpi-state"]]) {
      const cell = document.createElement("td"); cell.textContent = value; if (cls) cell.className = cls; row.append(cell);
    }
    const remove = document.createElement("button");
    remove.textContent = "Remove"; remove.className = "secondary";
    remove.onclick = async () => { await fetch(`/api/v1/kpis/targets/${t.id}`, {method: "DELETE", headers}); refreshKpis(); };
    const cell = document.createElement("td"); cell.append(remove); row.append(cell);
    return row;
  }));
  const alerts = document.getElementById("alerts");
  alerts.replaceChildren(...targets.filter((t) => t.alert).map((t) => {
    const [kpi, target, actual] = describe(t), p = document.createElement("p");
    p.textContent = `KPI alert: ${kpi} is ${actual}, target ${target}, missed for ${since(t.missed_for_seconds)}`;
    return p;
  }));
}
function fillForm(names) {
  const kpiSelect = document.querySelector("#target-form select[name=kpi]");
  if (!kpiSelect.options.length) {
    for (const [name, d] of Object.entries(definitions)) {
      kpiSelect.append(new Option(`${d.label}${d.unit === "ratio" ? " (%)" : d.unit === "seconds" ? " (s)" : ""}`, name));
    }
  }
  const campaignSelect = document.querySelector("#target-form select[name=campaign]");
  const known = new Set([...campaignSelect.options].map((o) => o.value));
  for (const name of names) if (!known.has(name)) campaignSelect.append(new Option(name, name));
}
document.getElementById("target-form").onsubmit = async (event) => {
  event.preventDefault();
  const form = new FormData(event.target), kpi = form.get("kpi");
  let target = Number(form.get("target"));
  if ((definitions[kpi] || {}).unit === "ratio") target /= 100;   // typed as a percentage
  const body = {kpi, target, alert_after_minutes: Number(form.get("alert_after_minutes") || 0)};
  if (form.get("campaign")) body.campaign = form.get("campaign");
  const reply = await fetch("/api/v1/kpis/targets", {method: "PUT", headers, body: JSON.stringify(body)});
  const answer = await reply.json();
  text(event.target, ".said", reply.ok ? "target set" : answer.message);
  refreshKpis();
};
async function refreshKpis() {
  const reply = await fetch("/api/v1/kpis");
  if (!reply.ok) return;
  const k = await reply.json();
  definitions = k.definitions;
  fillForm(k.campaigns.map((c) => c.campaign));
  for (const c of k.campaigns) {
    const node = cards.get(c.campaign);
    if (node) { pairs(node.querySelector(".figures"), figures(c)); tierMix(node, c.today.tiers); }
  }
  const overall = document.getElementById("overall");
  pairs(overall.querySelector(".figures"), figures({...k.overall, abandon_cap: null}));
  tierMix(overall, k.overall.today.tiers);
  renderTargets(k.targets);
  drawShift(k.shift || []);
  agentTime = k.agents || {};
  renderAgents();
}
const SVG = "http://www.w3.org/2000/svg", W = 420, H = 150, PAD = 24;
function svgNode(name, attributes, content) {
  const node = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, value);
  if (content !== undefined) node.textContent = content;
  return node;
}
function axis(svg, hours, top) {
  svg.setAttribute("viewBox", `0 0 ${W} ${H}`);
  svg.replaceChildren(svgNode("line", {x1: PAD, y1: H - PAD, x2: W, y2: H - PAD, stroke: "#d0d5dd"}),
                      svgNode("text", {x: 0, y: 10}, top));
  const step = Math.max(1, Math.ceil(hours.length / 12)), width = (W - PAD) / Math.max(1, hours.length);
  hours.forEach((h, i) => {
    if (i % step === 0) svg.append(svgNode("text", {x: PAD + i * width, y: H - 8}, new Date(h.hour).getHours() + "h"));
  });
  return width;
}
function drawShift(hours) {
  const y = (value, top) => H - PAD - (H - PAD - 14) * Math.min(value, top) / top, hour = (h) => new Date(h.hour).getHours();
  const calls = document.querySelector("#chart-calls svg"), most = Math.max(1, ...hours.map((h) => h.dials));
  const width = axis(calls, hours, `${most} dials`);
  hours.forEach((h, i) => {
    const x = PAD + i * width + 1, bar = (value, left, size, fill) => svgNode("rect",
      {x: left, y: y(value, most), width: size, height: H - PAD - y(value, most), fill});
    calls.append(bar(h.dials, x, width - 2, "#98a2b3"), bar(h.hot_leads, x + width / 4, width / 2 - 1, "#d92d20"));
    calls.lastChild.append(svgNode("title", {}, `${hour(h)}h: ${h.dials} dials, ${h.hot_leads} hot leads`));
  });
  const line = (svg, key, top, colour) => {
    const points = hours.map((h, i) => [PAD + (i + .5) * width, h[key], h]).filter(([, value]) => value !== null);
    svg.append(svgNode("polyline", {fill: "none", stroke: colour, "stroke-width": 2,
                                    points: points.map(([x, value]) => `${x},${y(value, top)}`).join(" ")}));
    for (const [x, value, h] of points) {  // a dot per hour: one hour alone is no line
      const dot = svgNode("circle", {cx: x, cy: y(value, top), r: 3, fill: colour});
      dot.append(svgNode("title", {}, `${hour(h)}h: ${(value * 100).toFixed(1)} %`));
      svg.append(dot);
    }
  };
  const connects = document.querySelector("#chart-connects svg");
  axis(connects, hours, "100 %");
  line(connects, "connect_rate", 1, "#2e90fa");
  const abandon = document.querySelector("#chart-abandon svg");
  const top = Math.max(0.06, ...hours.map((h) => h.abandon_rate || 0));
  axis(abandon, hours, `${Math.round(top * 100)} %`);
  abandon.append(svgNode("line", {x1: PAD, x2: W, y1: y(.03, top), y2: y(.03, top), stroke: "#fda29b", "stroke-dasharray": "4 3"}));
  line(abandon, "abandon_rate", top, "#b42318");
}
let pending = null;
function soon() { if (!pending) pending = setTimeout(() => { pending = null; refreshKpis(); }, 300); }
function campaignCard(c) {
  if (!cards.has(c.name)) {
    const node = document.getElementById("campaign-card").content.firstElementChild.cloneNode(true);
    node.querySelector(".pause").onclick = async () => {
      const reason = prompt(`Pause ${c.name}: why? (kept in the audit log)`);
      if (reason) act(node, `/api/v1/campaigns/${encodeURIComponent(c.name)}/pause`, {reason});
    };
    node.querySelector(".start").onclick = () => act(node, `/api/v1/campaigns/${encodeURIComponent(c.name)}/start`, {});
    node.querySelector(".stop").onclick = () => {
      const reason = prompt(`Stop ${c.name} for good: why? (kept in the audit log)`);
      if (reason) act(node, `/api/v1/campaigns/${encodeURIComponent(c.name)}/stop`, {reason});
    };
    node.querySelector(".tune").onsubmit = (event) => {
      event.preventDefault();
      const form = new FormData(event.target), body = {};
      if (form.get("cap")) body.abandon_cap = Number(form.get("cap")) / 100;
      if (form.get("pacing")) body.pacing = form.get("pacing");
      act(node, `/api/v1/campaigns/${encodeURIComponent(c.name)}`, body, "PATCH");
    };
    document.getElementById("campaigns").append(node);
    cards.set(c.name, node);
  }
  return cards.get(c.name);
}
async function act(node, url, body, method = "POST") {
  const reply = await fetch(url, {method, headers, body: JSON.stringify(body)});
  const answer = await reply.json();
  const settings = answer.abandon_cap !== undefined ? `, cap ${shown(answer.abandon_cap, "ratio")}, pacing ${answer.pacing || "default"}` : "";
  text(node, ".said", reply.ok ? `now ${answer.status}${settings}` : answer.message);
  refresh();
}
function render(name) {
  const node = cards.get(name), p = pacing.get(name);
  if (!node || !p) return;
  node.querySelector(".pacing-head").hidden = false;  // a campaign no station paces has no pacing figures
  pairs(node.querySelector(".pacing"), labels.map(([key, label]) => [label, p[key]]));
}
async function refresh() {
  const reply = await fetch("/api/v1/campaigns");
  if (!reply.ok) return;
  for (const c of (await reply.json()).campaigns) {
    const node = campaignCard(c);
    text(node, ".name", c.name);
    const status = node.querySelector(".status");
    status.textContent = c.status; status.className = `status status-${c.status}`;
    text(node, ".reason", c.status_reason || "");
    node.querySelector(".pause").disabled = c.status !== "running";
    node.querySelector(".start").disabled = c.status === "running";
    node.querySelector(".stop").disabled = c.status === "stopped";
    const cap = node.querySelector(".tune input[name=cap]");
    if (document.activeElement !== cap) cap.placeholder = (c.abandon_cap * 100).toFixed(1);
    render(c.name);
  }
  refreshKpis();
}
const source = new EventSource("/api/v1/events");
source.onopen = () => { document.getElementById("link").textContent = "live"; };
source.onerror = () => { document.getElementById("link").textContent = "reconnecting…"; };
const agents = new Map(), talking = new Map();
let agentTime = {};
function minutes(seconds) { return seconds < 60 ? `${seconds} s` : `${Math.round(seconds / 60)} min`; }
function renderAgents() {
  const names = [...new Set([...agents.keys(), ...Object.keys(agentTime)])].sort();
  document.querySelector("#agents tbody").replaceChildren(...names.map((name) => {
    const a = agents.get(name) || {agent: name, state: "offline", reason: "", phone: "not connected"};
    const t = agentTime[name] || {calls: 0, talk_seconds: 0, average_wrap_seconds: null, occupancy: null};
    const row = document.createElement("tr");
    for (const value of [a.agent, a.state, a.reason, a.phone, talking.get(a.agent) ? "yes" : "", t.calls,
        minutes(t.talk_seconds), shown(t.average_wrap_seconds, "seconds"), shown(t.occupancy, "ratio")]) {
      const cell = document.createElement("td"); cell.textContent = value; row.append(cell);
    }
    return row;
  }));
}
source.onmessage = (event) => {
  const m = JSON.parse(event.data);
  if (m.type === "AgentStatus") { agents.set(m.agent, m); renderAgents(); return; }
  if (m.type === "Takeover") { talking.set(m.agent, m.call_id); renderAgents(); }
  if (m.type === "CallEnded") {
    for (const [agent, call] of talking) if (call === m.call_id) talking.delete(agent);
    renderAgents();
  }
  if (m.type === "PacingUpdate") { pacing.set(m.campaign, m); render(m.campaign); }
  if (m.call_id && m.call_id.startsWith("agent-")) return;
  if (["CallEnded", "Takeover", "CallStarted", "KpiAlert", "HotLeadOffered", "HotLeadExpired"].includes(m.type) ||
      (m.type === "TierDecided" && m.is_final)) soon();
};
refresh();
setInterval(refresh, 5000);
