/*
 * Kesu tables: click a column header to sort, type words in the box above to filter (a row is
 * kept when it contains every word, in any column), pick a value in a column's drop-down to
 * keep only those rows. Works on every <table class="kesu-sortable">; a cell's data-sort
 * attribute, when present, is the value sorted on (dates, numbers). A header's
 * data-filter-order (JSON list) orders its drop-down (the workflow order of statuses), and
 * data-filter-group / data-filter-group-values add one option for several values ("all
 * open"). The block's .kesu-filter-state line says what is filtered (it is printed).
 * Local script, no library, no network.
 */
(function () {
  "use strict"

  function key(cell) {
    var raw = cell.getAttribute("data-sort")
    if (raw === null) raw = cell.textContent.trim()
    var num = Number(raw)
    return raw !== "" && !isNaN(num) ? { n: num } : { s: raw }
  }

  function compare(a, b) {
    if ("n" in a && "n" in b) return a.n - b.n
    if ("n" in a) return -1
    if ("n" in b) return 1
    return a.s.localeCompare(b.s, "zh-Hans-CN")
  }

  function setup(table) {
    if (table.hasAttribute("data-kesu-ready")) return
    table.setAttribute("data-kesu-ready", "")
    var body = table.tBodies[0]
    if (!body) return
    var heads = Array.prototype.slice.call(table.tHead ? table.tHead.rows[0].cells : [])
    var state = { col: -1, dir: 1 }
    var filters = {}
    var box = null
    var count = null
    var state_line = null
    var wrap = table.closest(".kesu-table-block")

    function words() {
      var text = box ? box.value.trim().toLowerCase() : ""
      return text ? text.split(/\s+/) : []
    }

    function apply() {
      var want = words()
      var shown = 0
      Array.prototype.forEach.call(body.rows, function (row) {
        var hay = row.textContent.toLowerCase()
        var ok = want.every(function (w) { return hay.indexOf(w) !== -1 })
        Object.keys(filters).forEach(function (col) {
          var allowed = filters[col].values
          if (ok && allowed && allowed.indexOf(row.cells[col].textContent.trim()) === -1) ok = false
        })
        row.hidden = !ok
        if (ok) shown++
      })
      if (count) count.textContent = String(shown)
      describe(want, shown)
    }

    function describe(want, shown) {
      if (!state_line) return
      var parts = []
      if (want.length) parts.push(wrap.getAttribute("data-label-filter") + ": " + want.join(" + "))
      Object.keys(filters).forEach(function (col) {
        if (filters[col].values) parts.push(heads[col].firstChild.textContent.trim() + " = " + filters[col].label)
      })
      var total = body.rows.length
      var label = wrap.getAttribute("data-label-shown") || ""
      state_line.textContent = (parts.length ? parts.join(" · ") : wrap.getAttribute("data-label-unfiltered")) +
        " · " + label + " " + shown + " / " + total
      state_line.classList.toggle("kesu-filtered", parts.length > 0)
    }

    heads.forEach(function (th, col) {
      th.classList.add("kesu-sort")
      th.setAttribute("tabindex", "0")
      th.setAttribute("aria-sort", "none")
      function sort() {
        state.dir = state.col === col ? -state.dir : 1
        state.col = col
        var rows = Array.prototype.slice.call(body.rows)
        rows.sort(function (a, b) { return state.dir * compare(key(a.cells[col]), key(b.cells[col])) })
        rows.forEach(function (r) { body.appendChild(r) })
        heads.forEach(function (h) { h.setAttribute("aria-sort", "none") })
        th.setAttribute("aria-sort", state.dir > 0 ? "ascending" : "descending")
      }
      th.addEventListener("click", function (ev) {
        if (ev.target.tagName !== "SELECT") sort()
      })
      th.addEventListener("keydown", function (ev) {
        if (ev.key === "Enter" || ev.key === " ") { ev.preventDefault(); sort() }
      })
      if (th.hasAttribute("data-filter")) {
        var values = {}
        Array.prototype.forEach.call(body.rows, function (r) {
          var v = r.cells[col].textContent.trim()
          if (v) values[v] = true
        })
        var order = JSON.parse(th.getAttribute("data-filter-order") || "[]")
        var present = order.filter(function (v) { return values[v] })
        Object.keys(values).sort(function (a, b) { return a.localeCompare(b, "zh-Hans-CN") })
          .forEach(function (v) { if (present.indexOf(v) === -1) present.push(v) })
        var select = document.createElement("select")
        select.className = "kesu-col-filter"
        select.setAttribute("aria-label", th.textContent.trim())
        select.appendChild(new Option(th.getAttribute("data-filter-all") || "*", ""))
        var group = th.getAttribute("data-filter-group")
        var groupValues = JSON.parse(th.getAttribute("data-filter-group-values") || "[]")
        if (group) select.appendChild(new Option(group, "\u0000group"))
        present.forEach(function (v) { select.appendChild(new Option(v, v)) })
        select.addEventListener("click", function (ev) { ev.stopPropagation() })
        select.addEventListener("change", function () {
          var v = select.value
          var label = select.options[select.selectedIndex].text
          filters[col] = { values: v === "" ? null : v === "\u0000group" ? groupValues : [v], label: label }
          apply()
        })
        th.appendChild(document.createElement("br"))
        th.appendChild(select)
      }
    })

    if (wrap) {
      box = wrap.querySelector("input.kesu-filter")
      count = wrap.querySelector(".kesu-count")
      state_line = wrap.querySelector(".kesu-filter-state")
      if (box) box.addEventListener("input", apply)
    }
  }

  function init() {
    Array.prototype.forEach.call(document.querySelectorAll("table.kesu-sortable"), setup)
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init)
  else init()
})()
