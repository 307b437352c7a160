// hitrate live page: refreshes the server-rendered page every second. The
// server's template (page.html) is the only source of the markup: the
// script fetches its live part from "fragment", with the page's query,
// and morphs the page's <main> into it. Names reach the page only as the
// server escaped them; the script sets nothing but textContent and
// attributes copied from the parsed fragment.
(function () {
  "use strict";

  var PERIOD = 1000, TIMEOUT = 4000;

  var $ = function (id) { return document.getElementById(id); };
  var main = $("protocols"), statusEl = $("status"), statusText = $("status-text"),
    updated = $("updated"), banner = $("error"), filterEl = $("filter"), form = $("toolbar");

  document.documentElement.classList.add("js");

  // The page's query (filter, sort, desc, protocol, limit, conns) is its
  // state: kept in the address bar and sent with each fetch, so that the
  // server renders the fragment (its sort links included) as it would the
  // page.
  var params = new URLSearchParams(location.search);
  var closed = Object.create(null); // protocols whose connection list was folded
  var timer = 0, inflight = null, seq = 0, lastOK = "";

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
      var x = a.childNodes[i], y = document.adoptNode(bc[i]);
      if (!x) a.appendChild(y);
      else if (x.nodeType === y.nodeType && x.nodeName === y.nodeName) morph(x, y);
      else a.replaceChild(y, x);
    }
    while (a.childNodes.length > bc.length) a.removeChild(a.lastChild);
  }

  // render morphs the page into the fragment html.
  function render(html) {
    var doc = new DOMParser().parseFromString(html, "text/html");
    var fresh = doc.getElementById("protocols");
    if (!fresh) throw new Error("the server sent no page fragment");
    // Keep the connection lists the user folded folded.
    fresh.querySelectorAll("section.card").forEach(function (sec) {
      var det = sec.querySelector("details.conns");
      if (det && closed[sec.getAttribute("data-protocol")]) det.removeAttribute("open");
    });
    morph(main, fresh);
    paintHover();
    var t = main.getAttribute("data-time");
    if (t) {
      updated.textContent = t;
      updated.setAttribute("datetime", main.getAttribute("data-time-iso") || "");
    }
    return t;
  }

  // ---- chart readout ----

  // hover is the chart sample under the pointer, by protocol, event and
  // age in seconds, so that it stays under the pointer, with its new
  // value, when a refresh morphs the page: { proto, event, off } or null.
  var hover = null;

  function chartOf(h) {
    var secs = main.querySelectorAll("section.card"), i;
    for (i = 0; i < secs.length; i++) {
      if (secs[i].getAttribute("data-protocol") === h.proto) {
        return secs[i].querySelector('figure.chart[data-event="' + h.event + '"]');
      }
    }
    return null;
  }

  // paintHover shows the readout and cursor of the hovered sample, and
  // the newest sample's readout on every other chart; the server's
  // markup is the state with no hover, so a morph resets it.
  function paintHover() {
    main.querySelectorAll("figure.chart.hover").forEach(function (fig) {
      fig.classList.remove("hover");
      var out = fig.querySelector("output.readout"), cur = fig.querySelector("g.cursor");
      if (out) out.textContent = out.getAttribute("data-now") || "";
      if (cur) cur.setAttribute("visibility", "hidden");
    });
    if (!hover) return;
    var fig = chartOf(hover);
    var hit = fig && fig.querySelector('g.hits rect[data-off="' + hover.off + '"]');
    if (!hit) return;
    fig.classList.add("hover");
    fig.querySelector("output.readout").textContent = hit.getAttribute("data-label");
    var cur = fig.querySelector("g.cursor"), x = hit.getAttribute("data-x");
    var line = cur.querySelector("line"), dot = cur.querySelector("circle");
    line.setAttribute("x1", x);
    line.setAttribute("x2", x);
    dot.setAttribute("cx", x);
    dot.setAttribute("cy", hit.getAttribute("data-y"));
    cur.setAttribute("visibility", "visible");
  }

  main.addEventListener("pointermove", function (ev) {
    var hit = ev.target.closest && ev.target.closest("g.hits rect");
    var fig = hit && hit.closest("figure.chart"), sec = fig && fig.closest("section.card");
    var next = sec ? { proto: sec.getAttribute("data-protocol"), event: fig.getAttribute("data-event"), off: hit.getAttribute("data-off") } : null;
    if (next && hover && next.proto === hover.proto && next.event === hover.event && next.off === hover.off) return;
    if (!next && !hover) return;
    hover = next;
    paintHover();
  });
  main.addEventListener("pointerleave", function () {
    hover = null;
    paintHover();
  });

  // ---- refresh loop ----

  function fragmentURL() {
    var qs = params.toString();
    return "fragment" + (qs ? "?" + qs : "");
  }

  function setState(state, text) {
    statusEl.setAttribute("data-state", state);
    statusText.textContent = text;
  }

  function fail(msg) {
    setState("error", "offline");
    banner.textContent = "Could not update: " + msg + ". Retrying every second" +
      (lastOK ? "; the numbers shown are from " + lastOK + "." : ".");
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
    fetch(fragmentURL(), { cache: "no-store", signal: ctl.signal, headers: { Accept: "text/html" } })
      .then(function (res) {
        return res.text().then(function (body) {
          if (!res.ok) throw new Error("HTTP " + res.status + (body ? ": " + body.trim().slice(0, 200) : ""));
          return body;
        });
      })
      .then(function (html) {
        if (my !== seq) return;
        lastOK = render(html) || lastOK;
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

  // A sort link holds the query the server chose for it: take it over
  // without reloading the page.
  main.addEventListener("click", function (ev) {
    var a = ev.target.closest && ev.target.closest("a[data-sort]");
    if (!a || ev.button !== 0 || ev.metaKey || ev.ctrlKey || ev.shiftKey || ev.altKey) return;
    ev.preventDefault();
    params = new URLSearchParams(a.search);
    navigate();
  });

  // toggle does not bubble: listen in the capture phase.
  main.addEventListener("toggle", function (ev) {
    var det = ev.target, sec = det.closest && det.closest("section.card");
    if (!sec || det.nodeName !== "DETAILS") return;
    var name = sec.getAttribute("data-protocol");
    if (det.open) delete closed[name]; else closed[name] = true;
  }, true);

  function setFilter() {
    var v = filterEl.value;
    if (v) params.set("filter", v); else params.delete("filter");
    navigate();
  }
  var debounce = 0;
  filterEl.addEventListener("input", function () {
    clearTimeout(debounce);
    debounce = setTimeout(setFilter, 200);
  });
  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    clearTimeout(debounce);
    setFilter();
  });
  document.addEventListener("visibilitychange", function () { if (!document.hidden) refresh(); });

  setState("live", "connecting");
  refresh();
})();
