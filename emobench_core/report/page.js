(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("emobench-data").textContent);
  var LIMITS = [["max_latency_ms", "latency_ms", "latency"], ["max_params", "params", "params"],
    ["max_memory_mb", "memory_mb", "memory"]];

  function cmp(x, y) { return x < y ? -1 : x > y ? 1 : 0; }
  function lat(c) { return c.latency_ms === null ? Infinity : c.latency_ms; }
  function rank(a, b) {  // study.recommend._rank_key: (-macro_f1, latency, params)
    return cmp(b.macro_f1, a.macro_f1) || cmp(lat(a), lat(b)) || cmp(a.params, b.params);
  }

  function amount(quantity, v, over) {  // study.recommend._fmt: 4.39M, 0.547 ms, 59.7 MB
    if (quantity === "params") {
      return v >= 1e6 ? (v / 1e6).toFixed(2) + "M" : (v / 1e3).toFixed(1) + "k";
    }
    var digits = 3;  // over a bound, as many more digits as show it over
    while (over !== undefined && v > over && digits < 17 && Number(v.toPrecision(digits)) <= over) {
      digits += 1;
    }
    return String(Number(v.toPrecision(digits))) + (quantity === "latency" ? " ms" : " MB");
  }

  function recommend(budget) {
    var onDevice = data.candidates.filter(function (c) { return c.device === budget.device; });
    function fail(why) {
      return {error: why, best: null, runner_up: null, fits: [], considered: onDevice.length,
        excluded: {}};
    }
    if (!onDevice.length) { return fail("no results on " + budget.device); }
    var seen = {}, dupes = [];
    onDevice.forEach(function (c) {
      if (seen[c.label]) { dupes.push(c.label); }
      seen[c.label] = 1;
    });
    if (dupes.length) { return fail("several " + budget.device + " results for " + dupes); }
    var fits = [], excluded = {};
    onDevice.forEach(function (c) {
      var reasons = [];
      LIMITS.forEach(function (l) {
        var bound = budget[l[0]], value = c[l[1]];
        if (bound === null) { return; }
        if (value === null) { reasons.push(l[2] + " not measured (" + l[0] + "=" + bound + ")"); }
        else if (value > bound) {
          reasons.push(l[2] + " " + amount(l[2], value, bound) + " > " + l[0] + "=" + bound);
        }
      });
      if (reasons.length) { excluded[c.label] = reasons.join("; "); } else { fits.push(c); }
    });
    fits.sort(rank);
    // study.recommend.recommend: the tied set is the best mean and every row not significantly
    // below it (architecture test, Holm over the comparisons with it); its cheapest is chosen
    var top = fits[0], tied = [], holm = {}, order = fits;
    if (top && data.pvalues) {
      var raw = fits.slice(1).map(function (c) {
        var p = (data.pvalues[top.label] || {})[c.label];
        return {label: c.label, p: p === undefined ? null : p};
      }).filter(function (r) { return r.p !== null; });
      raw.sort(function (x, y) { return cmp(x.p, y.p) || cmp(x.label, y.label); });
      var running = 0;
      raw.forEach(function (r, i) {
        running = Math.max(running, Math.min(1, (raw.length - i) * r.p));
        holm[r.label] = running;
      });
      tied = fits.filter(function (c, i) {
        return i === 0 || (holm[c.label] !== undefined && holm[c.label] >= data.alpha);
      });
      if (budget.rank_by !== "mean") {
        var cheap = tied.slice().sort(function (a, b) {
          return cmp(lat(a), lat(b)) || cmp(a.params, b.params) || cmp(b.macro_f1, a.macro_f1);
        });
        order = cheap.concat(fits.filter(function (c) { return tied.indexOf(c) < 0; }));
      }
    }
    return {best: order[0] || null, runner_up: order[1] || null, fits: fits,
      considered: onDevice.length, excluded: excluded, top: top || null,
      tied: tied.map(function (c) { return c.label; }), holm: holm,
      rank_by: data.pvalues && budget.rank_by !== "mean" ? "cost" : "mean"};
  }
  window.emobenchRecommend = recommend;

  function describe(c) {
    return c.label + " \u2014 macro-F1 " + c.macro_f1.toFixed(3) + ", latency " +
      (c.latency_ms === null ? "unknown" : c.latency_ms.toPrecision(3) + " ms") + ", " +
      (c.params / 1e6).toFixed(2) + "M params, memory " +
      (c.memory_mb === null ? "unknown" : c.memory_mb.toPrecision(3) + " MB");
  }

  function show(id, c) {  // the label in #id, the rest of its description in #id-detail
    document.getElementById(id).textContent = c ? c.label : "none";
    document.getElementById(id + "-detail").textContent = c
      ? describe(c).slice(c.label.length) : "";
  }

  function readBudget() {
    var rankBy = document.getElementById("rank_by");
    var budget = {device: document.getElementById("device").value, bad: [],
      rank_by: rankBy ? rankBy.value : "cost"}, bad = [];
    LIMITS.forEach(function (l) {
      var text = document.getElementById(l[0]).value.trim();
      var value = text === "" ? null : Number(text);
      if (value !== null && l[0] === "max_params") { value = Math.trunc(value); }
      if (value !== null && !(value > 0)) { bad.push(l[0]); value = null; }
      budget[l[0]] = value;
    });
    budget.bad = bad;
    return budget;
  }

  function apply() {
    var budget = readBudget(), out = recommend(budget);
    var box = document.getElementById("rec");
    var fits = {}, considered = {};
    data.candidates.forEach(function (c) {
      if (c.device === budget.device) { considered[c.label] = 1; }
    });
    out.fits.forEach(function (c) { fits[c.label] = 1; });
    document.querySelectorAll("#leaderboard tbody tr").forEach(function (tr) {
      var label = tr.getAttribute("data-label"), cell = tr.querySelector("td.budget");
      var best = !!out.best && out.best.label === label;
      var runner = !!out.runner_up && out.runner_up.label === label;
      tr.classList.toggle("fits", !!fits[label]);
      tr.classList.toggle("best", best);
      tr.classList.toggle("runner", runner);
      var state = tr.classList.contains("stale") ? 5 : !considered[label] ? 4
        : !fits[label] ? 3 : best ? 0 : runner ? 1 : 2;
      cell.textContent = [
        "recommended", "runner-up", "within budget", "over: " + out.excluded[label],
        "not measured on " + budget.device, "stale: not considered"][state];
      cell.setAttribute("data-v", String(state));
    });
    box.classList.toggle("none", !out.best);
    show("rec-best", out.best);
    show("rec-runner-up", out.runner_up);
    var bad = budget.bad.length ? "ignored (must be > 0): " + budget.bad.join(", ") + ". " : "";
    var none = out.best ? "" : "No model meets this budget on " + budget.device + ". ";
    document.getElementById("rec-note").textContent = out.error ? out.error : bad + none +
      (out.tied.length ? (out.rank_by === "cost"
        ? "Rule: the cheapest (lower latency, then fewer parameters) of the rows not " +
          "significantly below the best mean macro-F1 (architecture test, seeds as the unit, " +
          "Holm, \u03b1 " + data.alpha + "): " + out.tied.join(", ") + ". "
        : "Rule: highest mean macro-F1; not significantly below it: " + out.tied.join(", ") +
          ". ") : "") +
      "Considered " + out.considered + " model(s) on " + budget.device + "; " +
      Object.keys(out.excluded).length + " over budget.";
  }

  function slider(l) {
    var range = document.getElementById(l[0] + "-range"), box = document.getElementById(l[0]);
    var lo = Math.log(Number(range.getAttribute("data-lo")));
    var hi = Math.log(Number(range.getAttribute("data-hi")));
    range.addEventListener("input", function () {
      var t = Number(range.value) / 1000;
      box.value = t >= 1 ? "" : String(Number(Math.exp(lo + t * (hi - lo)).toPrecision(3)));
      apply();
    });
    box.addEventListener("input", function () {
      var v = Number(box.value);
      range.value = box.value.trim() === "" || !(v > 0) ? 1000 :
        String(Math.max(0, Math.min(999, Math.round(1000 * (Math.log(v) - lo) / (hi - lo)))));
      apply();
    });
  }

  function sortable(table) {
    var heads = table.querySelectorAll("thead th");
    heads.forEach(function (th, i) {
      th.addEventListener("click", function () {
        var dir = th.getAttribute("aria-sort") === "ascending" ? -1 : 1;
        heads.forEach(function (h) { h.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", dir > 0 ? "ascending" : "descending");
        var body = table.tBodies[0], rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var x = a.cells[i].getAttribute("data-v"), y = b.cells[i].getAttribute("data-v");
          var nx = Number(x), ny = Number(y);
          var num = x !== "" && y !== "" && !isNaN(nx) && !isNaN(ny);
          return dir * (num ? cmp(nx, ny) : cmp(x, y));
        });
        rows.forEach(function (r) { body.appendChild(r); });
      });
    });
  }

  function picker() {  // the column picker: each box shows or hides its column's cells
    document.querySelectorAll(".picker input[data-col]").forEach(function (box) {
      var col = box.getAttribute("data-col");
      var head = document.querySelector("#leaderboard th[data-col='" + col + "']");
      box.checked = getComputedStyle(head).display !== "none";
      box.addEventListener("change", function () {
        document.querySelectorAll("#leaderboard .c-" + col).forEach(function (cell) {
          cell.style.display = box.checked ? "table-cell" : "none";
        });
      });
    });
  }

  picker();
  LIMITS.forEach(slider);
  document.getElementById("device").addEventListener("change", apply);
  document.getElementById("rank_by").addEventListener("change", apply);
  document.querySelectorAll("button[data-budget]").forEach(function (b) {
    b.addEventListener("click", function () {
      var preset = JSON.parse(b.getAttribute("data-budget"));
      document.getElementById("device").value = preset.device;
      LIMITS.forEach(function (l) {
        var box = document.getElementById(l[0]);
        box.value = preset[l[0]] === null ? "" : String(preset[l[0]]);
        box.dispatchEvent(new Event("input"));
      });
      apply();
    });
  });
  document.querySelectorAll("table.sortable").forEach(sortable);
  apply();
})();
