/*
 * Kesu search worker: speaks Material for MkDocs' worker protocol (SETUP → READY,
 * QUERY → RESULT) over the index Material's search plugin builds at build time.
 *
 * Why not Material's own worker: its Chinese search matches index tokens by prefix only, and
 * jieba keeps phrases such as 温度控制 as one token, so 控制 finds nothing (design decision 11).
 * Here every query term is matched as a plain substring of the page text, case-insensitively,
 * with the zero-width spaces jieba inserted removed: any word a user types from a title,
 * customer, product, part number or defect finds the record, wherever it sits in a phrase.
 * All terms must match (AND). Titles weigh more than text; record pages rank first.
 *
 * The index text is already HTML-escaped by the search plugin; results are built from the
 * unescaped text and escaped again here, with only <mark> added.
 */
"use strict"

var SETUP = 0, READY = 1, QUERY = 2, RESULT = 3
var docs = []

function unescapeHtml(text) {
  return text
    .replace(/<[^>]*>/g, " ")
    .replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, "\"")
    .replace(/&#x27;/g, "'").replace(/&#39;/g, "'").replace(/&amp;/g, "&")
}

function escapeHtml(text) {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;").replace(/'/g, "&#39;")
}

function normalize(text) {
  return unescapeHtml(text || "").replace(/[\u200b\u00ad]/g, "").replace(/\s+/g, " ").trim()
}

function setup(index) {
  docs = index.docs.map(function (doc) {
    var title = normalize(doc.title)
    var text = normalize(doc.text)
    return {
      location: doc.location,
      page: doc.location.split("#")[0],
      title: title,
      text: text,
      hayTitle: title.toLowerCase(),
      hayText: text.toLowerCase(),
      boost: typeof doc.boost === "number" ? doc.boost : 1,
      isRecord: /(^|\/)records\//.test(doc.location)
    }
  })
}

function terms(query) {
  // A hyphen inside a term is part of it (PA-120 is one part number, not "PA" and "120");
  // only Lunr-style operators at a term's start (+word, -word) are dropped.
  return query.toLowerCase()
    .replace(/["~^*:]/g, " ")
    .split(/[\s\u3000\u200b、，。；！？,;!?]+/)
    .map(function (t) { return t.replace(/^[+\-]+/, "").replace(/[.\-]+$/, "") })
    .filter(function (t) { return t.length > 0 })
}

function count(hay, term) {
  var n = 0, at = hay.indexOf(term)
  while (at !== -1 && n < 50) { n++; at = hay.indexOf(term, at + term.length) }
  return n
}

function highlight(text, list, limit) {
  var lower = text.toLowerCase()
  var first = -1
  list.forEach(function (t) {
    var at = lower.indexOf(t)
    if (at !== -1 && (first === -1 || at < first)) first = at
  })
  var start = 0
  if (limit && first > 60) start = first - 40
  var slice = limit ? text.slice(start, start + limit) : text
  var marks = []
  var low = slice.toLowerCase()
  list.forEach(function (t) {
    var at = low.indexOf(t)
    while (at !== -1) { marks.push([at, at + t.length]); at = low.indexOf(t, at + t.length) }
  })
  marks.sort(function (a, b) { return a[0] - b[0] })
  var out = start > 0 ? "…" : ""
  var pos = 0
  marks.forEach(function (m) {
    if (m[0] < pos) return
    out += escapeHtml(slice.slice(pos, m[0])) + "<mark>" + escapeHtml(slice.slice(m[0], m[1])) + "</mark>"
    pos = m[1]
  })
  out += escapeHtml(slice.slice(pos))
  if (limit && start + limit < text.length) out += "…"
  return out
}

function search(query) {
  var list = terms(query)
  if (!list.length) return { items: [] }
  var groups = new Map()
  docs.forEach(function (doc) {
    var score = 0
    for (var i = 0; i < list.length; i++) {
      var inTitle = count(doc.hayTitle, list[i])
      var inText = count(doc.hayText, list[i])
      if (!inTitle && !inText) return
      score += inTitle * 10 + Math.min(inText, 10)
    }
    score *= doc.boost * (doc.isRecord ? 2 : 1)
    var hits = {}
    list.forEach(function (t) { hits[t] = true })
    var item = {
      location: doc.location,
      title: highlight(doc.title, list, 0),
      text: highlight(doc.text, list, 240),
      score: score,
      terms: hits
    }
    var group = groups.get(doc.page)
    if (!group) groups.set(doc.page, group = [])
    group.push(item)
  })
  var items = Array.from(groups.entries()).map(function (entry) {
    var group = entry[1].sort(function (a, b) { return b.score - a.score })
    if (!group.some(function (it) { return it.location === entry[0] })) {
      var article = docs.find(function (d) { return d.location === entry[0] })
      if (article)
        group.push({ location: article.location, title: escapeHtml(article.title),
                     text: "", score: 0, terms: {} })
    }
    return group
  })
  items.sort(function (a, b) { return b[0].score - a[0].score })
  return { items: items }
}

addEventListener("message", function (ev) {
  var message = ev.data
  if (message.type === SETUP) {
    setup(message.data)
    postMessage({ type: READY })
  } else if (message.type === QUERY) {
    postMessage({ type: RESULT, data: search(String(message.data || "")) })
  }
})
