// The agent page's behaviour (templates/agent.html); served as a file: the page's policy runs no inline script.
const cards = new Map();
const me = document.querySelector('meta[name="signed-in-as"]').content;
const meaning = {A: "hot", B: "warm", C: "later", D: "declined", E: "opt-out", F: "unreachable"};
const csrf = document.querySelector('meta[name="csrf-token"]').content;
const headers = {"Content-Type": "application/json", "X-CSRFToken": csrf};
const title = document.title;
function setText(node, selector, text) { node.querySelector(selector).textContent = text; }
// A command to the console: its JSON answer, or, when the connection drops (the console node went away, the network
// failed) or what comes back is no answer of the console's, a message saying so: the agent clicks again.
const NO_ANSWER = "no answer from the console (connection lost): click again";
async function send(url, body) {
  try {
    const reply = await fetch(url, {method: "POST", headers, body: JSON.stringify(body)});
    const answer = await reply.json().catch(() => ({message: `${NO_ANSWER} (${reply.status})`}));
    return {ok: reply.ok, answer};
  } catch (e) {
    return {ok: false, answer: {message: NO_ANSWER}};
  }
}

function card(id) {
  if (!cards.has(id)) {
    const node = document.getElementById("call-card").content.firstElementChild.cloneNode(true);
    node.dataset.id = id;
    node.querySelector(".takeover").onclick = () => takeOver(id, node);
    node.querySelector(".hangup").onclick = () => post(`/api/v1/calls/${id}/hangup`, {}, node, ".status");
    node.querySelector(".dnc").onclick = () => {
      if (confirm("Put this number on the do-not-call list, for every campaign?")) {
        post(`/api/v1/calls/${id}/disposition`, {disposition: "do_not_call", notes: "asked on the call"},
          node, ".saved", "on the do-not-call list");
      }
    };
    const listen = node.querySelector(".listen");
    if (listen) {  // a supervisor's card: listen in from their phone, whisper to the agent
      const ask = async (url, body, said) => {
        const {ok, answer} = await send(url, body);
        setText(node, ".listen-state", ok ? said : answer.message);
        if (ok) node.querySelector(".stop-listening").disabled = false;
      };
      listen.querySelector(".listen-in").onclick = () => ask(`/api/v1/calls/${id}/listen`, {whisper: false}, "ringing your phone…");
      listen.querySelector(".whisper").onclick = () => ask(`/api/v1/calls/${id}/listen`, {whisper: true}, "ringing your phone…");
      listen.querySelector(".stop-listening").onclick = async () => {
        const {ok, answer} = await send(`/api/v1/calls/${id}/listen/stop`, {});
        setText(node, ".listen-state", ok ? "" : answer.message);
        if (ok) listen.querySelector(".stop-listening").disabled = true;
      };
    }
    const form = node.querySelector(".wrapup");
    form.disposition.onchange = () => form.classList.toggle("callback", form.disposition.value === "callback");
    form.onsubmit = (event) => {
      event.preventDefault();
      const fields = new FormData(form), body = {disposition: fields.get("disposition"), notes: fields.get("notes")};
      if (body.disposition === "callback" && fields.get("callback_at")) body.callback_at = fields.get("callback_at");
      post(`/api/v1/calls/${id}/disposition`, body, node, ".saved", "saved");
    };
    document.getElementById("calls").prepend(node);
    cards.set(id, node);
  }
  return cards.get(id);
}
async function post(url, body, node, where, said) {
  const {ok, answer} = await send(url, body);
  // A wrap-up held by the station while the database is away says so: it is kept, not yet recorded.
  if (!ok || said) setText(node, where, ok && !answer.held ? said : answer.message);
}
async function takeOver(id, node) {
  const {ok, answer} = await send(`/api/v1/calls/${id}/takeover`, {});
  // The call's own events may already have said more ("you are connected") than this reply can.
  if (!ok) setText(node, ".status", answer.message);
  else if (!node.dataset.phase) setText(node, ".status", "taking over…");
}
async function showContact(id, node) {
  const reply = await fetch(`/api/v1/calls/${id}/contact`);
  if (!reply.ok) return;
  const c = await reply.json(), place = node.querySelector(".contact");
  const line = document.createElement("div");
  // The number is on the card already; the time there is the dialer's, which judges the calling window.
  line.textContent = [c.name, `${c.timezone}, ${c.local_time.slice(11, 16)} there`].filter(Boolean).join(" · ");
  const details = document.createElement("details"), summary = document.createElement("summary");
  summary.textContent = c.history.length ? `${c.history.length} earlier call(s)` : "first call";
  const list = document.createElement("ul");
  for (const h of c.history) {
    const item = document.createElement("li");
    item.textContent = [h.started_at.slice(0, 16).replace("T", " "), h.outcome, h.final_tier && `tier ${h.final_tier}`,
      h.disposition, h.notes && `“${h.notes}”`].filter(Boolean).join(" · ");
    list.append(item);
  }
  details.append(summary, list);
  place.replaceChildren(line, details);
  node.querySelector(".zone").textContent = `callee's time, ${c.timezone}`;
}

// A hot call: a sound, the card pulsing, the tab's title; once per call.
let audio = null;
function beep() {
  try {
    audio = audio || new AudioContext();
    const tone = audio.createOscillator(), gain = audio.createGain();
    tone.frequency.value = 880; gain.gain.value = 0.15;
    tone.connect(gain).connect(audio.destination);
    tone.start(); tone.stop(audio.currentTime + 0.25);
  } catch (e) { /* no sound device: the visual alert remains */ }
}
function alertHot(node) {
  if (node.dataset.alerted || node.dataset.phase) return;
  node.dataset.alerted = "1";
  node.classList.add("alerting");
  beep();
  document.title = `● hot call — ${title}`;
  setTimeout(() => { document.title = title; }, 8000);
}
setInterval(() => {
  const now = Date.now();
  for (const node of cards.values()) {
    if (node.dataset.decidedAt && node.dataset.phase !== "ended") {
      setText(node, ".since", `${Math.round((now - Number(node.dataset.decidedAt)) / 1000)} s ago`);
    }
  }
}, 1000);

// The agent's own availability and phone.
let myState = "ready";
function showMe(s) {
  myState = s.state;
  const badge = document.getElementById("my-state");
  badge.textContent = s.state === "ready" ? "Ready" : "Paused"; badge.className = `badge ${s.state}`;
  document.getElementById("my-reason").textContent = s.reason;
  document.getElementById("toggle-ready").textContent = s.state === "ready" ? "Pause" : "Ready";
  const phone = document.getElementById("my-phone");
  phone.textContent = s.phone; phone.className = s.phone === "connected" ? "phone-connected" : "phone-down";
}
async function toggleReady() {
  const body = myState === "ready" ? {state: "paused", reason: document.getElementById("pause-reason").value}
    : {state: "ready"};
  const {ok, answer} = await send("/api/v1/agents/me/state", body);
  if (ok) showMe(answer);
  else document.getElementById("my-reason").textContent = answer.message;
}
document.getElementById("toggle-ready").onclick = toggleReady;
fetch("/api/v1/agents/me").then((r) => r.ok ? r.json() : null).then((s) => s && showMe(s));

// Keyboard: t take over the top hot (then warm) call, h hang up your call, p pause or ready.
document.addEventListener("keydown", (event) => {
  if (event.target.closest("input, select, textarea") || event.ctrlKey || event.metaKey || event.altKey) return;
  const live = [...cards.values()].filter((n) => n.dataset.phase !== "ended");
  if (event.key === "t") {
    const offered = live.filter((n) => !n.dataset.phase && n.dataset.offered)
      .sort((a, b) => a.dataset.offered.localeCompare(b.dataset.offered) || a.dataset.decidedAt - b.dataset.decidedAt);
    if (offered.length) takeOver(offered[0].dataset.id, offered[0]);
  } else if (event.key === "h") {
    const mine = live.find((n) => n.dataset.agent === me);
    if (mine) post(`/api/v1/calls/${mine.dataset.id}/hangup`, {}, mine, ".status");
  } else if (event.key === "p") {
    toggleReady();
  }
});

const source = new EventSource("/api/v1/events");
source.onopen = () => { document.getElementById("link").textContent = "live"; };
source.onerror = () => { document.getElementById("link").textContent = "reconnecting…"; };
source.onmessage = (event) => {
  const m = JSON.parse(event.data);
  if (m.type === "AgentStatus") { if (m.agent === me) showMe(m); return; }
  if (!m.call_id || m.call_id.startsWith("agent-")) return;
  const node = card(m.call_id);
  const transcript = node.querySelector(".transcript");
  if (m.type === "CallStarted") { setText(node, ".who", `${m.contact} · ${m.campaign}`); showContact(m.call_id, node); }
  if (m.type === "Answered") {
    setText(node, ".status", "bot talking");
    node.querySelector(".takeover").disabled = false;
    node.querySelector(".hangup").disabled = false;
    for (const button of node.querySelectorAll(".listen-in, .whisper")) button.disabled = false;
  }
  if (m.type === "StageError" && m.stage === "listen" && node.querySelector(".listen-state")) {
    setText(node, ".listen-state", `cannot listen in: ${m.error}`);
  }
  if (m.type === "Monitoring" && m.leg.startsWith(`agent-${me}-listen-`)) {
    setText(node, ".listen-state", m.whisper ? "you hear the call; the agent hears you" : "you hear the call");
  }
  if (m.type === "PartialTranscript") {
    let p = transcript.querySelector(".partial");
    if (!p) { p = document.createElement("p"); p.className = "partial"; transcript.append(p); }
    p.textContent = m.text;   // textContent: transcripts are never parsed as HTML
  }
  if (m.type === "FinalTranscript") {
    transcript.querySelector(".partial")?.remove();
    const p = document.createElement("p"); p.textContent = m.text; transcript.append(p);
    transcript.scrollTop = transcript.scrollHeight;
  }
  if (m.type === "TierDecided") {
    if (node.dataset.tier !== m.tier) node.dataset.decidedAt = Date.now();
    node.dataset.tier = m.tier;
    node.classList.remove(...[...node.classList].filter((c) => c.startsWith("tier-")));
    node.classList.add(`tier-${m.tier}`);
    setText(node, ".tier", `${m.tier} ${meaning[m.tier]}`);
    setText(node, ".confidence", m.by_rule ? "(rule)" : `${Math.round(m.confidence * 100)}%`);
    setText(node, ".evidence", m.evidence.join(", "));
    if (m.tier === "E" && m.is_final && node.dataset.phase !== "taken" && node.dataset.phase !== "bridged") {
      node.querySelector(".takeover").disabled = true;  // the dialer refuses it too: the callee said stop
      setText(node, ".status", "opted out: the bot is ending the call");
    }
  }
  if (m.type === "HotLeadOffered") {  // the dialer says what is hot: A first, B behind it
    node.dataset.offered = m.tier;
    if (myState === "ready") alertHot(node);
  }
  if (m.type === "HotLeadExpired") { delete node.dataset.offered; node.classList.remove("alerting"); }
  if (m.type === "Takeover") {
    node.dataset.agent = m.agent;
    node.classList.remove("alerting");
    node.querySelector(".takeover").disabled = true;
    if (node.dataset.phase !== "bridged") { node.dataset.phase = "taken"; setText(node, ".status", `taken over by ${m.agent}`); }
  }
  if (m.type === "Bridged") {
    node.dataset.phase = "bridged";
    setText(node, ".status", node.dataset.agent === me ? "you are connected" : `connected to ${node.dataset.agent || "an agent"}`);
  }
  if (m.type === "CallEnded") {
    node.dataset.phase = "ended";
    node.classList.add("ended"); node.classList.remove("alerting");
    setText(node, ".status", `ended: ${m.outcome}`);
    node.querySelector(".takeover").disabled = true;
    node.querySelector(".hangup").disabled = true;
    for (const button of node.querySelectorAll(".listen button")) button.disabled = true;
    if (node.querySelector(".listen-state")) setText(node, ".listen-state", "");
  }
};
