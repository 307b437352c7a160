// hitrate live page: refreshes the server-rendered page every second from
// the JSON endpoint. Every name from the data goes through textContent or
// setAttribute, never through innerHTML.
(function () {
  "use strict";

  var HISTORY_LEN = 60, SPARK_W = 150, SPARK_H = 30, SPARK_PAD = 2;
  var PERIOD = 1000, TIMEOUT = 4000, SVG = "http://www.w3.org/2000/svg";

  var $ = function (id) { return document.getElementById(id); };
  var main = $("protocols"), statusEl = $("status"), statusText = $("status-text"),
    updated = $("updated"), banner = $("error"), filterEl = $("filter"), form = $("toolbar");

  document.documentElement.classList.add("js");

  // The page's query (filter, sort, desc, protocol, limit, conns) is its
  // state: kept in the address bar and sent to the JSON endpoint.
  var params = new URLSearchParams(location.search);
  var closed = Object.create(null); // protocols whose connection list was folded
  var timer = 0, inflight = null, seq = 0, lastOK = 0, first = true;

  // ---- formatting, the same as the server's (page.go) ----

  function human(v) {
    if (typeof v !== "number" || Number.isNaN(v)) return "NaN";
    if (v === Infinity) return "∞";
    if (v === -Infinity) return "-∞";
    if (v < 0) return "-" + human(-v);
    var units = "kMGTPE", u = "";
    for (var i = 0; v >= 999.5 && i < units.length; i++) { v /= 1000; u = units[i]; }
    var s = v < 9.995 ? v.toFixed(2) : v < 99.95 ? v.toFixed(1) : v.toFixed(0);
    if (s.indexOf(".") >= 0) s = s.replace(/0+$/, "").replace(/\.$/, "");
    return s + u;
  }
  function humanUint(v) { return v < 1000 ? String(v) : human(v); }
  function group(s) {
    var neg = s.charAt(0) === "-";
    if (neg) s = s.slice(1);
    var head = s.length % 3 || 3, out = s.slice(0, head);
    for (var i = head; i < s.length; i += 3) out += "," + s.slice(i, i + 3);
    return (neg ? "-" : "") + out;
  }
  function exactUint(v) { return group(String(v)); }
  function exactRate(v) {
    if (!isFinite(v)) return human(v) + "/s";
    var s = v.toFixed(2), dot = s.indexOf(".");
    return group(s.slice(0, dot)) + s.slice(dot) + "/s";
  }
  function pad2(v) { return v < 10 ? "0" + v : String(v); }
  function duration(ns) {
    var s = Math.max(0, Math.floor(ns / 1e9));
    if (s < 60) return s + "s";
    if (s < 3600) return Math.floor(s / 60) + "m" + pad2(s % 60) + "s";
    if (s < 86400) return Math.floor(s / 3600) + "h" + pad2(Math.floor(s / 60) % 60) + "m";
    return Math.floor(s / 86400) + "d" + pad2(Math.floor(s / 3600) % 24) + "h";
  }
  function clock(d) { return pad2(d.getHours()) + ":" + pad2(d.getMinutes()) + ":" + pad2(d.getSeconds()); }

  // Exposed for the end-to-end test, which checks them against Go's.
  window.hitrateFormat = { human: human, humanUint: humanUint, duration: duration };

  // ---- DOM building ----

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  function num(tag, cls, text, title) {
    var e = el(tag, cls, text);
    e.title = title;
    return e;
  }
  function svg(tag, attrs) {
    var e = document.createElementNS(SVG, tag);
    for (var k in attrs) e.setAttribute(k, attrs[k]);
    return e;
  }
  function f1(x) { return x.toFixed(1); }

  function sparkline(hist) {
    var td = el("td", "spark");
    hist = (hist || []).slice(-HISTORY_LEN);
    if (!hist.length) return td;
    var max = 0;
    hist.forEach(function (v) { if (v > max && v !== Infinity) max = v; });
    var scale = max > 0 ? (SPARK_H - 2 * SPARK_PAD) / max : 0;
    var step = SPARK_W / (HISTORY_LEN - 1), pts = [], x = 0, y = 0;
    hist.forEach(function (v, i) {
      if (!(v > 0)) v = 0;
      v = Math.min(v, max);
      x = SPARK_W - (hist.length - 1 - i) * step;
      y = SPARK_H - SPARK_PAD - v * scale;
      pts.push(f1(x) + "," + f1(y));
    });
    var x0 = SPARK_W - (hist.length - 1) * step, line = pts.join(" ");
    var s = svg("svg", { "class": "sparkline", viewBox: "0 0 150 30", width: "150", height: "30", "aria-hidden": "true" });
    s.appendChild(svg("polygon", { "class": "area", points: line + " " + f1(x) + "," + SPARK_H + " " + f1(x0) + "," + SPARK_H }));
    s.appendChild(svg("polyline", { "class": "line", points: line }));
    s.appendChild(svg("circle", { "class": "last", cx: f1(x), cy: f1(y), r: "2" }));
    td.title = "max " + human(max) + "/s";
    td.appendChild(s);
    return td;
  }

  // truthy reads a bool query value as the server does (strconv.ParseBool,
  // and an empty value for true, as in "?conns&desc").
  function truthy(v) {
    return ["", "1", "t", "T", "true", "TRUE", "True"].indexOf(v) >= 0;
  }

  function currentSort() { return params.get("sort") || "id"; }
  function currentDesc() { var d = params.get("desc"); return d !== null && truthy(d); }
  function defaultDesc(key) { return key !== "id" && key !== "name"; }

  function sortHref(key) {
    var p = new URLSearchParams(params), desc = defaultDesc(key);
    if (key === currentSort()) desc = !currentDesc();
    p.set("sort", key);
    p.delete("desc");
    if (desc) p.set("desc", "1");
    return "?" + p.toString();
  }

  function head(label, key, isNum, isEvent) {
    var th = el("th", isEvent ? "num ev" : isNum ? "num" : "");
    th.scope = "col";
    var aria = "none";
    if (key === currentSort()) aria = currentDesc() ? "descending" : "ascending";
    th.setAttribute("aria-sort", aria);
    var a = el("a", "", label);
    a.href = sortHref(key);
    a.setAttribute("data-sort", key);
    if (isEvent) a.appendChild(el("span", "unit", "/s"));
    th.appendChild(a);
    return th;
  }

  function card(p) {
    var sec = el("section", "card");
    sec.setAttribute("data-protocol", p.name);

    var hd = el("header", "card-head");
    hd.appendChild(el("h2", "", p.name));
    hd.appendChild(el("span", "uptime", "up " + duration(p.uptime_ns)));
    sec.appendChild(hd);

    var c = p.conns || { current: 0, peak: 0, total: 0 };
    var dl = el("dl", "conn-stats");
    [["Connections open", c.current], ["Peak open", c.peak], ["Opened", c.total]].forEach(function (kv) {
      var d = el("div");
      d.appendChild(el("dt", "", kv[0]));
      var v = kv[1] < 0 ? "-" + humanUint(-kv[1]) : humanUint(kv[1]);
      d.appendChild(num("dd", "", v, exactUint(kv[1])));
      dl.appendChild(d);
    });
    sec.appendChild(dl);

    var events = p.events || [];
    var t = el("table", "events"), thead = el("thead"), tr = el("tr");
    [["Event", ""], ["Total", "num"], ["Rate/s", "num"], ["Peak/s", "num"], ["Last minute", "spark-col"]].forEach(function (h) {
      var th = el("th", h[1], h[0]);
      th.scope = "col";
      tr.appendChild(th);
    });
    thead.appendChild(tr);
    t.appendChild(thead);
    var tb = el("tbody");
    events.forEach(function (e) {
      var r = el("tr"), name = el("th", "name", e.name);
      name.scope = "row";
      r.appendChild(name);
      r.appendChild(num("td", "num", humanUint(e.total), exactUint(e.total)));
      r.appendChild(num("td", "num rate", human(e.rate), exactRate(e.rate)));
      r.appendChild(num("td", "num peak", human(e.peak_rate), exactRate(e.peak_rate)));
      r.appendChild(sparkline(e.history));
      tb.appendChild(r);
    });
    if (!events.length) {
      var er = el("tr"), ed = el("td", "empty", "No events.");
      ed.colSpan = 5;
      er.appendChild(ed);
      tb.appendChild(er);
    }
    t.appendChild(tb);
    sec.appendChild(t);

    if (listConns()) sec.appendChild(conns(p, events));
    return sec;
  }

  function conns(p, events) {
    var open = p.open || [], matched = Math.max(p.open_matched || 0, open.length);
    var filtered = !!params.get("filter");
    var det = el("details", "conns");
    if (!closed[p.name]) det.open = true;
    var sum = el("summary");
    sum.appendChild(el("span", "label", "Connections"));
    sum.appendChild(document.createTextNode(" "));
    sum.appendChild(el("span", "count", "showing " + open.length + " of " + matched + (filtered ? " matching" : "")));
    det.appendChild(sum);

    var wrap = el("div", "table-wrap"), t = el("table", "conn-table"), thead = el("thead"), tr = el("tr");
    tr.appendChild(head("ID", "id", true, false));
    tr.appendChild(head("Name", "name", false, false));
    tr.appendChild(head("Age", "age", true, false));
    events.forEach(function (e) {
      tr.appendChild(head(e.name, e.name, true, true));
      var tot = el("th", "num tot", "Total");
      tot.scope = "col";
      tr.appendChild(tot);
    });
    thead.appendChild(tr);
    t.appendChild(thead);

    var tb = el("tbody");
    open.forEach(function (ci) {
      var r = el("tr");
      r.appendChild(el("td", "num id", ci.id));
      r.appendChild(el("td", "name", ci.name));
      r.appendChild(el("td", "num age", duration(ci.age_ns)));
      events.forEach(function (_, i) {
        var ce = (ci.events || [])[i] || { total: 0, rate: 0 };
        r.appendChild(num("td", "num ev rate", human(ce.rate), exactRate(ce.rate)));
        r.appendChild(num("td", "num tot", humanUint(ce.total), exactUint(ce.total)));
      });
      tb.appendChild(r);
    });
    if (!open.length) {
      var er = el("tr"), ed = el("td", "empty", filtered ? "No connection matches the filter." : "No open connections.");
      ed.colSpan = 3 + 2 * events.length;
      er.appendChild(ed);
      tb.appendChild(er);
    }
    t.appendChild(tb);
    wrap.appendChild(t);
    det.appendChild(wrap);
    return det;
  }

  // morph makes the live node a look like the fresh node b, reusing a's
  // nodes where the shapes agree so that text selection, focus and hover
  // survive the refresh.
  function morph(a, b) {
    if (a.nodeType === 3 || a.nodeType === 8) {
      if (a.nodeValue !== b.nodeValue) a.nodeValue = b.nodeValue;
      return;
    }
    var i, attr;
    for (i = 0; i < b.attributes.length; i++) {
      attr = b.attributes[i];
      if (a.getAttribute(attr.name) !== attr.value) a.setAttribute(attr.name, attr.value);
    }
    for (i = a.attributes.length - 1; i >= 0; i--) {
      attr = a.attributes[i];
      if (!b.hasAttribute(attr.name)) a.removeAttribute(attr.name);
    }
    var bc = Array.prototype.slice.call(b.childNodes);
    for (i = 0; i < bc.length; i++) {
      var x = a.childNodes[i], y = bc[i];
      if (!x) a.appendChild(y);
      else if (x.nodeType === y.nodeType && x.nodeName === y.nodeName) morph(x, y);
      else a.replaceChild(y, x);
    }
    while (a.childNodes.length > bc.length) a.removeChild(a.lastChild);
  }

  function render(snap) {
    var fresh = el("main");
    var protos = snap.protocols || [];
    protos.forEach(function (p) { fresh.appendChild(card(p)); });
    if (!protos.length) fresh.appendChild(el("p", "empty-page", "No monitors to show."));
    if (first) {
      while (main.firstChild) main.removeChild(main.firstChild);
      first = false;
    }
    morph(main, fresh);
    var t = new Date(snap.time);
    if (!isNaN(t)) {
      updated.textContent = clock(t);
      updated.setAttribute("datetime", snap.time);
    }
  }

  // ---- refresh loop ----

  function listConns() {
    var c = params.get("conns");
    return c === null || truthy(c);
  }

  function jsonURL() {
    var p = new URLSearchParams(params);
    if (!p.has("conns")) p.set("conns", "1");
    return "json?" + p.toString();
  }

  function setState(state, text) {
    statusEl.setAttribute("data-state", state);
    statusText.textContent = text;
  }

  function fail(msg) {
    setState("error", "offline");
    banner.textContent = "Could not update: " + msg + ". Retrying every second" +
      (lastOK ? "; the numbers shown are from " + clock(new Date(lastOK)) + "." : ".");
    banner.hidden = false;
  }

  function schedule(ms) {
    clearTimeout(timer);
    timer = setTimeout(refresh, ms);
  }

  function refresh() {
    clearTimeout(timer);
    if (document.hidden) { schedule(PERIOD); return; }
    if (inflight) inflight.abort();
    var ctl = new AbortController(), my = ++seq, timedOut = false;
    inflight = ctl;
    var to = setTimeout(function () { timedOut = true; ctl.abort(); }, TIMEOUT);
    fetch(jsonURL(), { cache: "no-store", signal: ctl.signal, headers: { Accept: "application/json" } })
      .then(function (res) {
        if (!res.ok) {
          return res.text().then(function (body) {
            throw new Error("HTTP " + res.status + (body ? ": " + body.trim().slice(0, 200) : ""));
          });
        }
        return res.json();
      })
      .then(function (snap) {
        if (my !== seq) return;
        render(snap);
        lastOK = Date.now();
        banner.hidden = true;
        banner.textContent = "";
        setState("live", "live");
      })
      .catch(function (err) {
        if (my !== seq) return;
        fail(timedOut ? "the server did not answer in " + TIMEOUT / 1000 + " s" : (err && err.message) || String(err));
      })
      .then(function () {
        clearTimeout(to);
        if (my === seq) {
          inflight = null;
          schedule(PERIOD);
        }
      });
  }

  function navigate() {
    var qs = params.toString();
    history.replaceState(null, "", qs ? "?" + qs : location.pathname);
    refresh();
  }

  main.addEventListener("click", function (ev) {
    var a = ev.target.closest && ev.target.closest("a[data-sort]");
    if (!a || ev.button !== 0 || ev.metaKey || ev.ctrlKey || ev.shiftKey || ev.altKey) return;
    ev.preventDefault();
    var key = a.getAttribute("data-sort"), desc = defaultDesc(key);
    if (key === currentSort()) desc = !currentDesc();
    params.set("sort", key);
    params.delete("desc");
    if (desc) params.set("desc", "1");
    navigate();
  });

  // toggle does not bubble: listen in the capture phase.
  main.addEventListener("toggle", function (ev) {
    var det = ev.target, sec = det.closest && det.closest("section.card");
    if (!sec || det.nodeName !== "DETAILS") return;
    var name = sec.getAttribute("data-protocol");
    if (det.open) delete closed[name]; else closed[name] = true;
  }, true);

  var debounce = 0;
  filterEl.addEventListener("input", function () {
    clearTimeout(debounce);
    debounce = setTimeout(function () {
      var v = filterEl.value;
      if (v) params.set("filter", v); else params.delete("filter");
      navigate();
    }, 200);
  });
  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    clearTimeout(debounce);
    var v = filterEl.value;
    if (v) params.set("filter", v); else params.delete("filter");
    navigate();
  });
  document.addEventListener("visibilitychange", function () { if (!document.hidden) refresh(); });

  setState("live", "connecting");
  refresh();
})();
