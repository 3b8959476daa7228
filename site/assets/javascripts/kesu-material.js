/*
 * Kesu: the small inline scripts of Material for MkDocs' templates, as one file.
 *
 * Every page carries a Content-Security-Policy that allows scripts from the site's own files
 * only (`script-src 'self'`, site/overrides/main.html), so no inline script runs. Material
 * puts a few inline snippets in its base template (partials/javascripts/*.html); the overrides
 * in site/overrides/partials/javascripts/ load this file in their place instead, with a
 * `data-kesu-part` attribute naming the snippet and `data-*` attributes carrying what the
 * template filled in. Each part does what Material 9.8's snippet of the same name does, at the
 * same place in the page (a plain script: it runs where it stands, like the inline one did).
 * The last part, "config", is Kesu's own: Material's search runs Kesu's search worker.
 */
(function () {
  "use strict"
  var me = document.currentScript
  var part = me && me.getAttribute("data-kesu-part")

  var parts = {
    /* partials/javascripts/base.html: local storage helpers, scoped to the site. */
    base: function () {
      window.__md_scope = new URL(me.getAttribute("data-scope") || ".", location)
      window.__md_hash = function (e) {
        return Array.from(e).reduce(function (h, c) {
          return (h << 5) - h + c.charCodeAt(0)
        }, 0)
      }
      window.__md_get = function (e, store, scope) {
        store = store || localStorage
        scope = scope || window.__md_scope
        return JSON.parse(store.getItem(scope.pathname + "." + e))
      }
      window.__md_set = function (e, value, store, scope) {
        store = store || localStorage
        scope = scope || window.__md_scope
        try { store.setItem(scope.pathname + "." + e, JSON.stringify(value)) } catch (err) {}
      }
    },

    /* partials/javascripts/content.html: open the content tab named by the URL's hash. */
    content: function () {
      var target = document.getElementById(location.hash.slice(1))
      if (target && target.name)
        target.checked = target.name.startsWith("__tabbed_")
    },

    /* partials/javascripts/content.html with "content.tabs.link": restore linked tabs. */
    tabs: function () {
      var tabs = window.__md_get("__tabs")
      if (!Array.isArray(tabs)) return
      document.querySelectorAll(".tabbed-set").forEach(function (set) {
        var labels = set.querySelector(".tabbed-labels")
        for (var i = 0; i < tabs.length; i++) {
          var all = labels.getElementsByTagName("label")
          for (var j = 0; j < all.length; j++) {
            if (all[j].innerText.trim() === tabs[i]) {
              document.getElementById(all[j].htmlFor).checked = true
              return
            }
          }
        }
      })
    },

    /* partials/javascripts/palette.html: the colour palette the reader chose. */
    palette: function () {
      var palette = window.__md_get("__palette")
      if (!palette || !palette.color) return
      if (palette.color.media === "(prefers-color-scheme)") {
        var media = matchMedia("(prefers-color-scheme: light)")
        var input = document.querySelector(media.matches
          ? "[data-md-color-media='(prefers-color-scheme: light)']"
          : "[data-md-color-media='(prefers-color-scheme: dark)']")
        palette.color.media = input.getAttribute("data-md-color-media")
        palette.color.scheme = input.getAttribute("data-md-color-scheme")
        palette.color.primary = input.getAttribute("data-md-color-primary")
        palette.color.accent = input.getAttribute("data-md-color-accent")
      }
      Object.keys(palette.color).forEach(function (key) {
        document.body.setAttribute("data-md-color-" + key, palette.color[key])
      })
    },

    /* partials/javascripts/announce.html: hide an announcement the reader dismissed. */
    announce: function () {
      var el = document.querySelector("[data-md-component=announce]")
      if (!el) return
      var content = el.querySelector(".md-typeset")
      if (window.__md_hash(content.innerHTML) === window.__md_get("__announce"))
        el.hidden = true
    },

    /* partials/javascripts/outdated.html: the banner of an outdated version. */
    outdated: function () {
      var el = document.querySelector("[data-md-component=outdated]")
      var base = new URL(me.getAttribute("data-base") || ".", location)
      var outdated = window.__md_get("__outdated", sessionStorage, base)
      if (outdated === true && el) el.hidden = false
    },

    /* partials/javascripts/consent.html: the cookie consent form. */
    consent: function () {
      var form = document.forms.consent
      var consent = window.__md_get("__consent")
      if (consent) {
        Array.prototype.forEach.call(form.elements, function (input) {
          if (input.name) input.checked = consent[input.name] || false
        })
      } else if (location.protocol !== "file:") {
        setTimeout(function () {
          document.querySelector("[data-md-component=consent]").hidden = false
        }, 250)
      }
      ;["submit", "reset"].forEach(function (action) {
        form.addEventListener(action, function (ev) {
          ev.preventDefault()
          if (ev.type === "reset") {
            Array.prototype.forEach.call(form.elements, function (n) {
              if (n.name) n.checked = false
            })
          }
          var chosen = {}
          Array.from(new FormData(form).keys()).forEach(function (k) { chosen[k] = true })
          window.__md_set("__consent", chosen)
          location.hash = ""
          location.reload()
        })
      })
    },

    /* Kesu: Material's search talks to Kesu's substring search worker (design decision 11).
       Zensical's search speaks another protocol over another index: it keeps its own worker
       (docs/site-engines.md, known differences). */
    config: function () {
      if (me.getAttribute("data-engine") !== "mkdocs") return
      var el = document.getElementById("__config")
      var config = JSON.parse(el.textContent)
      config.search = me.getAttribute("data-search")
      el.textContent = JSON.stringify(config)
    }
  }

  if (part && Object.prototype.hasOwnProperty.call(parts, part))
    parts[part]()
})()
