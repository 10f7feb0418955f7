/* casewatch-feed dashboard: open alerts (sortable, filterable), a live
 * stream (SSE read with fetch, so a bearer token can be sent), caseload
 * per unit as an inline SVG chart. Swedish by default, English on request.
 * No dependencies; every value from the server is set as text, never as HTML. */
"use strict";

const T = {
  sv: {
    heading: "Tillsyn av frister", connecting: "Ansluter…", live_state: "Live", catching_up: "Läser in…",
    down: "Frånkopplad – försöker igen", open_alerts: "Öppna larm", f_municipality: "Kommun",
    f_unit: "Enhet", f_rule: "Regel", f_severity: "Allvarlighet", all: "Alla",
    c_severity: "Allvar", c_kind: "Typ", c_rule: "Frist och varför", c_case: "Ärende",
    c_unit: "Kommun / enhet", c_due: "Förfallodag", c_days: "Dagar sent", c_law: "Lagrum",
    no_alerts: "Inga öppna larm.", live: "Nya larm (live)",
    live_empty: "Inga nya larm sedan sidan öppnades.", caseload: "Ärendebelastning per enhet",
    l_overdue: "Försenade skyldigheter", l_soon: "Förfaller inom 7 dagar", l_other: "Övriga öppna skyldigheter",
    f_unack: "Endast okvitterade", c_action: "Åtgärd",
    days_note: "Dagar sent räknas fram till i dag (flödets klocka), inte till när larmet kom.",
    workers: "Handläggare", w_worker: "Handläggare",
    workers_note: "Per handläggare (id) och enhet: öppna ärenden, deras öppna skyldigheter (en frist per krav och ärende), hur många av dem som förfaller inom 7 dagar och hur många som redan är försenade.",
    chart_note: "Staplarna räknar öppna skyldigheter (en frist per krav och ärende), talet efter stapeln är summan; ”ärenden” under enhetens namn räknar ärenden. Försenade skyldigheter är inte detsamma som larm: ett larm kan gälla en varning före förfallodagen.",
    act: "Åtgärda", ack: "Kvittera", acked: "Kvitterad av", assign: "Tilldela", assigned: "Tilldelad",
    assign_ph: "handläggar-id, t.ex. hl-23", note: "Anteckna", note_ph: "Kort anteckning (högst 280 tecken)",
    note_warn: "Skriv inga namn, personnummer eller andra personuppgifter.", notes: "anteckningar",
    failed: "Gick inte: ", role: { administrator: "administratör", inspector: "inspektör", supervisor: "enhetschef" },
    live_change: { obligation_closed: "Klar i tid", case_ended: "Ärendet avslutat", resolved: "Åtgärdad sent",
      withdrawn: "Återkallad", extended: "Fristen förlängd" },
    as_of: "per",
    m_muni: "Kommun", m_cases: "Öppna ärenden", m_obl: "Öppna skyldigheter", m_soon: "Inom 7 dagar",
    m_over: "Försenade", token_label: "Åtkomsttoken", token_submit: "Logga in",
    footer: "Uppgifterna kommer från casewatch-processorns larm och ärendestatus. Inga namn eller personnummer visas; ärenden och handläggare anges med sina id.",
    shown: (n, t) => `${n} av ${t} visas`, counts: (a, c) => `${a} öppna larm · ${c} öppna ärenden`,
    no_unit: "(ingen enhet)", cases: "ärenden", today: (d, n) => `Per ${d}; förfaller inom ${n} dagar räknas som snart.`,
    lang: "English", unverified: "paragraf ej verifierad",
    severity: { critical: "kritisk", high: "hög", medium: "medel", low: "låg" },
    kind: { warning: "varning", breach: "överskriden", violation: "brist", resolved: "åtgärdad sent",
      withdrawn: "återkallad", extended: "förlängd" },
    change: { case_ended: "ärendet avslutat", obligation_closed: "skyldigheten avklarad",
      extended: "fristen förlängd" },
  },
  en: {
    heading: "Statutory deadline supervision", connecting: "Connecting…", live_state: "Live",
    catching_up: "Catching up…", down: "Disconnected – retrying", open_alerts: "Open alerts",
    f_municipality: "Municipality", f_unit: "Unit", f_rule: "Rule", f_severity: "Severity", all: "All",
    c_severity: "Severity", c_kind: "Kind", c_rule: "Deadline and why", c_case: "Case",
    c_unit: "Municipality / unit", c_due: "Due", c_days: "Days late", c_law: "Legal reference",
    no_alerts: "No open alerts.", live: "New alerts (live)", live_empty: "No new alerts since the page was opened.",
    caseload: "Caseload per unit", l_overdue: "Overdue obligations", l_soon: "Due within 7 days", l_other: "Other open obligations",
    f_unack: "Unacknowledged only", c_action: "Action",
    days_note: "Days late are counted to today (the feed's clock), not to when the alert came.",
    workers: "Caseworkers", w_worker: "Caseworker",
    workers_note: "Per caseworker (id) and unit: open cases, their open obligations (one deadline per duty and case), how many of those are due within 7 days and how many are already overdue.",
    chart_note: "Bars count open obligations (one deadline per duty and case), the number after a bar is their sum; “cases” under a unit's name counts cases. Overdue obligations are not the same as alerts: an alert may be a warning before the due date.",
    act: "Act", ack: "Acknowledge", acked: "Acknowledged by", assign: "Assign", assigned: "Assigned to",
    assign_ph: "caseworker id, e.g. hl-23", note: "Add note", note_ph: "Short note (at most 280 characters)",
    note_warn: "No names, identity numbers or other personal data.", notes: "notes",
    failed: "Failed: ", role: { administrator: "administrator", inspector: "inspector", supervisor: "supervisor" },
    live_change: { obligation_closed: "Done in time", case_ended: "Case closed", resolved: "Resolved late",
      withdrawn: "Withdrawn", extended: "Deadline extended" },
    as_of: "as of",
    m_muni: "Municipality", m_cases: "Open cases", m_obl: "Open obligations", m_soon: "Within 7 days",
    m_over: "Overdue", token_label: "Access token", token_submit: "Sign in",
    footer: "The data comes from the casewatch processor's alerts and case state. No names or personal identity numbers are shown; cases and caseworkers appear by their ids.",
    shown: (n, t) => `${n} of ${t} shown`, counts: (a, c) => `${a} open alerts · ${c} open cases`,
    no_unit: "(no unit)", cases: "cases", today: (d, n) => `As of ${d}; due within ${n} days counts as soon.`,
    lang: "Svenska", unverified: "section not verified",
    severity: { critical: "critical", high: "high", medium: "medium", low: "low" },
    kind: { warning: "warning", breach: "breach", violation: "violation", resolved: "resolved late",
      withdrawn: "withdrawn", extended: "extended" },
    change: { case_ended: "case closed", obligation_closed: "obligation done", extended: "deadline extended" },
  },
};
const SEV_ORDER = { critical: 0, high: 1, medium: 2, low: 3 };
/* code -> name, learnt from the API's municipality_name (all 290, SCB) */
const MUNI = {};
const learn = (o) => { if (o && o.municipality && o.municipality_name) MUNI[o.municipality] = o.municipality_name; };

const state = {
  lang: localStorage.getItem("cw.lang") || "sv",
  token: sessionStorage.getItem("cw.token") || "",
  alerts: new Map(), /* key -> alert */
  fresh: new Set(),  /* ids that came by the stream */
  sort: { key: "severity", dir: 1 },
  caseload: null, total: 0, openCases: 0, ready: false, live: [], me: null, pending: false,
};
const $ = (id) => document.getElementById(id);
const tr = () => T[state.lang];
const keyOf = (a) => [a.case, a.rule, a.subject, a.due].join("\u001f");

function el(tag, attrs, ...kids) {
  const ns = ["svg", "rect", "text", "g", "title"].includes(tag) ? "http://www.w3.org/2000/svg" : null;
  const e = ns ? document.createElementNS(ns, tag) : document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "class") e.setAttribute("class", v);
    else if (k === "text") e.textContent = v;
    else e.setAttribute(k, v);
  }
  for (const k of kids) if (k != null) e.append(k);
  return e;
}

function headers() {
  return state.token ? { Authorization: "Bearer " + state.token } : {};
}

async function api(path) {
  const r = await fetch(path, { headers: headers(), cache: "no-store" });
  if (r.status === 401) { needToken(); throw new Error("unauthorized"); }
  if (!r.ok) throw new Error(path + ": " + r.status);
  return r.json();
}

function needToken() {
  $("login").hidden = false;
  $("token").focus();
}

/* ---- texts ---- */

function applyTexts() {
  document.documentElement.lang = state.lang;
  for (const e of document.querySelectorAll("[data-t]")) {
    const v = tr()[e.dataset.t];
    if (typeof v === "string") e.textContent = v;
  }
  $("lang").textContent = tr().lang;
  setState();
}

function setState(down) {
  const s = $("state");
  s.className = "pill " + (down ? "down" : state.ready ? "live" : "wait");
  s.textContent = down ? tr().down : state.ready ? tr().live_state : tr().catching_up;
  s.dataset.state = down ? "down" : state.ready ? "live" : "wait";
}

const title = (a) => (state.lang === "en" ? a.title_en : a.title_sv) || a.rule;
const message = (a) => (state.lang === "en" ? a.message_en : a.message_sv) || "";
const ruleName = (a) => { const t = title(a); const i = t.indexOf(": "); return i > 0 ? t.slice(i + 2) : t; };
const muniName = (m) => (MUNI[m] ? `${m} ${MUNI[m]}` : m);

/* ---- alerts table ---- */

function fillSelect(sel, values, label) {
  const cur = sel.value;
  sel.replaceChildren(el("option", { value: "", text: tr().all }));
  for (const [v, text] of values) sel.append(el("option", { value: v, text: label ? label(v, text) : text }));
  sel.value = [...sel.options].some((o) => o.value === cur) ? cur : "";
}

function filters() {
  const all = [...state.alerts.values()];
  const uniq = (f) => [...new Map(all.map((a) => f(a))).entries()].sort((x, y) => String(x[1]).localeCompare(String(y[1]), "sv"));
  fillSelect($("f-municipality"), uniq((a) => [a.municipality, muniName(a.municipality)]));
  fillSelect($("f-unit"), uniq((a) => [a.unit || "", a.unit || tr().no_unit]));
  fillSelect($("f-rule"), uniq((a) => [a.rule, ruleName(a)]));
  fillSelect($("f-severity"), Object.keys(SEV_ORDER).map((s) => [s, tr().severity[s]]));
}

function compare(a, b) {
  const k = state.sort.key;
  let r = 0;
  if (k === "severity") r = SEV_ORDER[a.severity] - SEV_ORDER[b.severity];
  else if (k === "days_overdue") r = (a.days_overdue || 0) - (b.days_overdue || 0);
  else if (k === "title") r = title(a).localeCompare(title(b), "sv");
  else if (k === "unit") r = (a.municipality + (a.unit || "")).localeCompare(b.municipality + (b.unit || ""), "sv");
  else r = String(a[k] || "").localeCompare(String(b[k] || ""), "sv");
  if (!r) r = SEV_ORDER[a.severity] - SEV_ORDER[b.severity] || a.due.localeCompare(b.due) || a.id.localeCompare(b.id);
  return r * state.sort.dir;
}

function lawCell(a) {
  const td = el("div", { class: "law" }, el("span", { class: "muted", text: tr().c_law + ": " }));
  for (const ref of a.legal_ref || []) {
    const text = ref.law + (ref.ref ? " " + ref.ref : "");
    const line = el("span", { class: "ref" });
    if (ref.url && /^https?:\/\//.test(ref.url)) line.append(el("a", { href: ref.url, rel: "noreferrer", target: "_blank", text }));
    else line.append(text);
    if (!ref.ref) line.append(el("span", { class: "muted", text: " (" + tr().unverified + ")" }));
    td.append(line);
  }
  return td;
}

const stampText = (s) => s.by + " " + String(s.at || "").slice(0, 16).replace("T", " ");

async function act(id, body, row) {
  const r = await fetch(`/api/alerts/${encodeURIComponent(id)}/actions`, {
    method: "POST", cache: "no-store", headers: { ...headers(), "Content-Type": "application/json" }, body: JSON.stringify(body) });
  let j = null;
  try { j = await r.json(); } catch (e) { j = null; }
  if (!r.ok) { const w = row.querySelector(".act-error"); if (w) w.textContent = tr().failed + ((j && j.error) || r.status); return; }
  for (const a of state.alerts.values()) if (a.id === id) a.actions = j.actions;
  renderAlerts(true);
}

function actionCell(a) {
  const x = a.actions || {};
  const td = el("td", { class: "act" });
  const lines = [];
  if (x.acknowledged) lines.push(tr().acked + " " + stampText(x.acknowledged));
  if (x.assigned) lines.push(tr().assigned + " " + x.assigned.to + " (" + stampText(x.assigned) + ")");
  for (const n of x.notes || []) lines.push("“" + n.text + "” – " + stampText(n));
  for (const l of lines) td.append(el("div", { class: "state", text: l }));
  if (state.me && state.me.role === "inspector") return td;
  const d = el("details", {}, el("summary", { text: tr().act }));
  if (!x.acknowledged) {
    const b = el("button", { type: "button", class: "ack", text: tr().ack });
    b.addEventListener("click", () => act(a.id, { action: "acknowledge" }, td));
    d.append(b);
  }
  const to = el("input", { class: "assign-to", maxlength: "64", placeholder: tr().assign_ph, pattern: "[A-Za-z0-9._-]+" });
  const bt = el("button", { type: "button", class: "assign", text: tr().assign });
  bt.addEventListener("click", () => to.value && act(a.id, { action: "assign", to: to.value.trim() }, td));
  const note = el("input", { class: "note-text", maxlength: "280", placeholder: tr().note_ph });
  const bn = el("button", { type: "button", class: "note", text: tr().note });
  bn.addEventListener("click", () => note.value.trim() && act(a.id, { action: "note", text: note.value.trim() }, td));
  d.append(to, bt, note, bn, el("div", { class: "warn", text: tr().note_warn }), el("div", { class: "act-error warn" }));
  td.append(d);
  return td;
}

function renderAlerts(force) {
  /* a half-typed note or open action panel is not wiped by a live update */
  const busy = document.activeElement && document.activeElement.closest && document.activeElement.closest("#alert-rows");
  if (busy && !force) { state.pending = true; return; }
  state.pending = false;
  const f = { municipality: $("f-municipality").value, unit: $("f-unit").value, rule: $("f-rule").value, severity: $("f-severity").value };
  const rows = [...state.alerts.values()].filter((a) =>
    (!f.municipality || a.municipality === f.municipality) && (!$("f-unit").value || (a.unit || "") === f.unit) &&
    (!f.rule || a.rule === f.rule) && (!f.severity || a.severity === f.severity) &&
    (!$("f-unack").checked || !(a.actions && a.actions.acknowledged)));
  rows.sort(compare);
  const body = $("alert-rows");
  body.replaceChildren(...rows.map((a) => el("tr", { class: "alert-row" + (state.fresh.has(a.id) ? " new" : ""), "data-id": a.id, "data-kind": a.kind },
    el("td", {}, el("span", { class: "sev " + a.severity, text: tr().severity[a.severity] || a.severity })),
    el("td", { class: "kind " + a.kind, text: tr().kind[a.kind] || a.kind }),
    el("td", {}, el("div", { class: "title", text: title(a) }), el("div", { class: "msg", text: message(a) }), lawCell(a)),
    el("td", { class: "case", text: a.case + " · " + a.subject }),
    el("td", { text: muniName(a.municipality) + (a.unit ? " / " + a.unit : "") }),
    el("td", { class: "date", text: a.due }),
    el("td", { class: "num", text: String(a.days_overdue || 0) }),
    actionCell(a))));
  $("empty").hidden = rows.length > 0;
  $("shown").textContent = tr().shown(rows.length, state.alerts.size);
  for (const th of document.querySelectorAll("th[data-sort]")) {
    th.classList.toggle("asc", th.dataset.sort === state.sort.key && state.sort.dir > 0);
    th.classList.toggle("desc", th.dataset.sort === state.sort.key && state.sort.dir < 0);
  }
  $("counts").textContent = tr().counts(state.alerts.size, state.openCases);
}

async function loadAlerts() {
  const r = await api("/api/alerts?limit=100000");
  state.alerts.clear();
  for (const a of r.alerts) { learn(a); state.alerts.set(keyOf(a), a); }
  state.ready = r.ready;
  setState();
  filters();
  renderAlerts();
}

/* ---- live stream ---- */

function renderLive() {
  $("live").replaceChildren(...state.live.map(({ ev, when }) => {
    const a = ev.alert;
    /* an alert that closes is not shown under its warning's title */
    const head = ev.open ? title(a) : (tr().live_change[ev.change] || tr().kind[ev.change] || ev.change) + ": " + ruleName(a);
    return el("li", { class: "live-item " + (ev.open ? "open" : "closed"), "data-id": a.id, "data-open": String(ev.open), "data-change": ev.change },
      el("div", { class: "when", text: when + " · " + (tr().kind[ev.change] || tr().change[ev.change] || ev.change) +
        " · " + tr().severity[a.severity] }),
      el("div", { class: "title", text: head }),
      el("div", { class: "msg", text: a.case + " · " + muniName(a.municipality) + (a.unit ? " / " + a.unit : "") }));
  }));
  $("live-empty").hidden = state.live.length > 0;
}

function onEvent(ev) {
  const a = ev.alert;
  learn(a);
  if (ev.change === "action") { /* someone acted: update the row, no live item */
    if (state.alerts.has(keyOf(a))) state.alerts.set(keyOf(a), a);
    renderAlerts();
    return;
  }
  if (ev.open) { state.alerts.set(keyOf(a), a); state.fresh.add(a.id); } else state.alerts.delete(keyOf(a));
  /* the time of the case's world (simulated in the demo), not the browser's clock */
  const when = ev.open && a.at ? String(a.at).slice(0, 16).replace("T", " ")
    : tr().as_of + " " + ((state.caseload && state.caseload.today) || "");
  state.live.unshift({ ev, when });
  state.live.length = Math.min(state.live.length, 50);
  filters();
  renderAlerts();
  renderLive();
  scheduleCaseload();
}

/* SSE over fetch: EventSource cannot send an Authorization header. */
async function stream() {
  for (;;) {
    try {
      const r = await fetch("/api/stream", { headers: headers(), cache: "no-store" });
      if (r.status === 401) { needToken(); return; }
      if (!r.ok || !r.body) throw new Error("stream " + r.status);
      setState();
      await loadAlerts(); /* after the stream is open: nothing falls between */
      const reader = r.body.getReader();
      const dec = new TextDecoder();
      let buf = "";
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buf += dec.decode(value, { stream: true });
        let i;
        while ((i = buf.indexOf("\n\n")) >= 0) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const data = block.split("\n").filter((l) => l.startsWith("data: ")).map((l) => l.slice(6)).join("\n");
          if (data) { try { onEvent(JSON.parse(data)); } catch (e) { console.warn("bad event", e); } }
        }
      }
    } catch (e) {
      if (e.message === "unauthorized") return;
    }
    setState(true);
    await new Promise((res) => setTimeout(res, 3000));
  }
}

/* ---- caseload ---- */

let caseloadTimer = null;
function scheduleCaseload() {
  if (!caseloadTimer) caseloadTimer = setTimeout(() => { caseloadTimer = null; loadCaseload().catch(() => {}); }, 1000);
}

function renderCaseload() {
  const c = state.caseload;
  if (!c) return;
  state.openCases = c.total.open_cases;
  $("caseload-note").textContent = tr().today(c.today, c.due_soon_days);
  const units = [...c.units].sort((x, y) => y.open_obligations - x.open_obligations).slice(0, 14);
  const W = 380, row = 30, left = 170, top = 4;
  const max = Math.max(1, ...units.map((u) => u.open_obligations));
  const svg = el("svg", { viewBox: `0 0 ${W} ${top + units.length * row + 4}`, role: "img", "aria-label": tr().caseload, id: "caseload-chart" });
  units.forEach((u, i) => {
    const y = top + i * row, scale = (W - left - 40) / max;
    const other = Math.max(0, u.open_obligations - u.overdue - u.due_soon);
    const g = el("g", { class: "unit-bar", "data-unit": u.unit, "data-municipality": u.municipality });
    const name = (u.unit || tr().no_unit);
    g.append(el("text", { x: "0", y: String(y + 12), text: name.length > 26 ? name.slice(0, 25) + "…" : name }));
    g.append(el("text", { x: "0", y: String(y + 24), class: "muted", text: u.municipality + " · " + u.open_cases + " " + tr().cases }));
    let x = left;
    for (const [cls, n] of [["overdue", u.overdue], ["soon", u.due_soon], ["other", other]]) {
      if (!n) continue;
      const w = Math.max(1, n * scale);
      g.append(el("rect", { x: String(x), y: String(y + 4), width: String(w), height: "16", class: cls }, el("title", { text: `${tr()["l_" + cls]}: ${n}` })));
      x += w;
    }
    g.append(el("text", { x: String(x + 4), y: String(y + 16), text: String(u.open_obligations) }));
    svg.append(g);
  });
  $("chart").replaceChildren(svg);
  $("muni-rows").replaceChildren(...c.municipalities.map((m) => el("tr", {},
    el("td", { text: muniName(m.municipality) }), el("td", { class: "num", text: String(m.open_cases) }),
    el("td", { class: "num", text: String(m.open_obligations) }), el("td", { class: "num", text: String(m.due_soon) }),
    el("td", { class: "num", text: String(m.overdue) }))));
  $("counts").textContent = tr().counts(state.alerts.size, state.openCases);
}

function renderWorkers() {
  const c = state.caseload;
  if (!c) return;
  const rows = c.caseworkers || [];
  const units = [...new Map(rows.map((w) => [w.municipality + "\u001f" + (w.unit || ""),
    muniName(w.municipality) + " / " + (w.unit || tr().no_unit)])).entries()].sort((x, y) => x[1].localeCompare(y[1], "sv"));
  fillSelect($("w-unit"), units);
  const want = $("w-unit").value;
  const shown = rows.filter((w) => !want || w.municipality + "\u001f" + (w.unit || "") === want)
    .sort((x, y) => y.overdue - x.overdue || y.due_soon - x.due_soon || String(x.caseworker).localeCompare(String(y.caseworker)));
  $("worker-rows").replaceChildren(...shown.map((w) => el("tr", { class: "worker-row", "data-unit": w.unit || "" },
    el("td", { text: w.caseworker || tr().no_unit }), el("td", { text: muniName(w.municipality) + " / " + (w.unit || tr().no_unit) }),
    el("td", { class: "num", text: String(w.open_cases) }), el("td", { class: "num", text: String(w.open_obligations) }),
    el("td", { class: "num", text: String(w.due_soon) }), el("td", { class: "num", text: String(w.overdue) }))));
}

async function loadMe() {
  try { state.me = await api("/api/me"); } catch (e) { return; }
  $("who").textContent = state.me.user ? state.me.user + " (" + (tr().role[state.me.role] || state.me.role) + ")" : "";
  renderAlerts(true);
}

async function loadCaseload() {
  state.caseload = await api("/api/caseload");
  for (const part of ["municipalities", "units", "caseworkers"]) (state.caseload[part] || []).forEach(learn);
  renderCaseload();
  renderWorkers();
}

/* ---- start ---- */

function start() {
  const m = /(?:^#|&)token=([^&]+)/.exec(location.hash);
  if (m) { state.token = decodeURIComponent(m[1]); sessionStorage.setItem("cw.token", state.token); history.replaceState(null, "", location.pathname); }
  applyTexts();
  $("lang").addEventListener("click", () => {
    state.lang = state.lang === "sv" ? "en" : "sv";
    localStorage.setItem("cw.lang", state.lang);
    applyTexts(); filters(); renderAlerts(true); renderLive(); renderCaseload(); renderWorkers(); loadMe();
  });
  for (const id of ["f-municipality", "f-unit", "f-rule", "f-severity", "f-unack"]) $(id).addEventListener("change", () => renderAlerts(true));
  $("w-unit").addEventListener("change", renderWorkers);
  document.addEventListener("focusout", () => setTimeout(() => { if (state.pending) renderAlerts(); }, 0));
  for (const th of document.querySelectorAll("th[data-sort]")) th.addEventListener("click", () => {
    state.sort = { key: th.dataset.sort, dir: state.sort.key === th.dataset.sort ? -state.sort.dir : 1 };
    renderAlerts();
  });
  $("login-form").addEventListener("submit", (e) => {
    e.preventDefault();
    state.token = $("token").value;
    sessionStorage.setItem("cw.token", state.token);
    $("login").hidden = true;
    stream(); loadCaseload().catch(() => {}); loadMe();
  });
  filters();
  stream();
  loadCaseload().catch(() => {});
  loadMe();
  setInterval(() => loadCaseload().catch(() => {}), 30000);
}
start();
