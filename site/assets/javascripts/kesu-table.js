/*
 * Kesu tables: click a column header to sort, type in the box above to filter, pick a value in
 * a column's drop-down to keep only those rows. Works on every <table class="kesu-sortable">;
 * a cell's data-sort attribute, when present, is the value sorted on (dates, numbers).
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

    function apply() {
      var text = box ? box.value.trim().toLowerCase() : ""
      var shown = 0
      Array.prototype.forEach.call(body.rows, function (row) {
        var ok = !text || row.textContent.toLowerCase().indexOf(text) !== -1
        Object.keys(filters).forEach(function (col) {
          var want = filters[col]
          if (ok && want && row.cells[col].textContent.trim() !== want) ok = false
        })
        row.hidden = !ok
        if (ok) shown++
      })
      if (count) count.textContent = String(shown)
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
          values[r.cells[col].textContent.trim()] = true
        })
        var select = document.createElement("select")
        select.className = "kesu-col-filter"
        select.setAttribute("aria-label", th.textContent.trim())
        select.appendChild(new Option("∗", ""))
        Object.keys(values).sort().forEach(function (v) { select.appendChild(new Option(v, v)) })
        select.addEventListener("click", function (ev) { ev.stopPropagation() })
        select.addEventListener("change", function () { filters[col] = select.value; apply() })
        th.appendChild(document.createElement("br"))
        th.appendChild(select)
      }
    })

    var wrap = table.closest(".kesu-table-block")
    if (wrap) {
      box = wrap.querySelector("input.kesu-filter")
      count = wrap.querySelector(".kesu-count")
      if (box) box.addEventListener("input", apply)
    }
  }

  function init() {
    Array.prototype.forEach.call(document.querySelectorAll("table.kesu-sortable"), setup)
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init)
  else init()
})()
